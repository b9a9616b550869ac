'use strict';
// Sends track, identify and page calls through Segment's official Node SDK (@segment/analytics-node)
// to a Tributary server, then writes every message the SDK put on the wire to OUT, one JSON per
// line ({id, event, distinct_id}), and prints a summary of the requests as JSON.
// Batches flush by size (flushAt) and, after each pause, by time (flushInterval).
// Usage: NODE_PATH=<sdks>/node_modules node segment-sdk.cjs URL WRITE_KEY COUNT OUT
const fs = require('node:fs');
const { Analytics } = require('@segment/analytics-node');

const [url, writeKey, countText, out] = process.argv.slice(2);
const count = Number(countText);
const flushAt = 15;
const analytics = new Analytics({ writeKey, host: url, flushAt, flushInterval: 300, maxRetries: 5, httpRequestTimeout: 30000 });
const sent = new Map();
const batchSizes = [];
let failures = 0;
analytics.on('http_request', (request) => {
  const body = JSON.parse(request.body);
  batchSizes.push(body.batch.length);
  for (const message of body.batch) sent.set(message.messageId, message);
});
analytics.on('error', (error) => {
  failures++;
  console.error('segment SDK error:', error);
});
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function main() {
  for (let i = 0; i < count; i++) {
    const userId = 'seg-user-' + (i % 37);
    if (i % 3 === 0) {
      analytics.track({ userId, event: 'Order Completed', properties: { order: i, total: 19.99, currency: 'EUR', items: [{ sku: 'a' }] } });
    } else if (i % 3 === 1) {
      analytics.identify({ anonymousId: 'seg-anon-' + i, traits: { plan: i % 2 ? 'pro' : 'free' } });
    } else {
      analytics.page({ userId, name: 'Pricing', properties: { path: '/pricing' } });
    }
    await new Promise(setImmediate); // lets the SDK flush as a live app's event loop would
    if (i % 100 === 49) await sleep(700); // 50 is no multiple of flushAt: the rest waits for the timer
  }
  await analytics.closeAndFlush({ timeout: 30000 });
  const lines = [...sent.values()].map((m) => JSON.stringify({
    id: m.messageId, event: m.type === 'track' ? m.event : m.type, distinct_id: m.userId ?? m.anonymousId }));
  fs.writeFileSync(out, lines.join('\n') + '\n');
  console.log(JSON.stringify({ messages: sent.size, requests: batchSizes.length, flushAt, batchSizes, failures }));
  process.exit(failures > 0 ? 1 : 0);
}

main().catch((error) => {
  console.error(error);
  process.exit(2);
});
