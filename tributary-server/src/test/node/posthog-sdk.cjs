'use strict';
// Sends capture (with properties) and identify calls through PostHog's official Node SDK
// (posthog-node, gzip on as by default) to a Tributary server, then writes every event the SDK
// put on the wire to OUT, one JSON per line ({id, event, distinct_id}), and prints a summary of
// the requests as JSON. Batches flush by size (flushAt; a flush takes up to 100 queued events)
// and, after each pause, by time.
// Usage: NODE_PATH=<sdks>/node_modules node posthog-sdk.cjs URL PROJECT_KEY COUNT OUT
const fs = require('node:fs');
const zlib = require('node:zlib');
const { PostHog } = require('posthog-node');

const [url, key, countText, out] = process.argv.slice(2);
const count = Number(countText);
const flushAt = 20;
const sent = new Map();
const requests = [];

// The SDK's own fetch, recording what goes on the wire.
async function recordingFetch(target, options) {
  const gzip = options.headers['Content-Encoding'] === 'gzip';
  const raw = Buffer.from(options.body);
  const body = JSON.parse((gzip ? zlib.gunzipSync(raw) : raw).toString('utf8'));
  requests.push({ path: new URL(target).pathname, gzip, events: body.batch.length });
  for (const event of body.batch) sent.set(event.uuid, event);
  return fetch(target, options);
}

const client = new PostHog(key, { host: url, flushAt, flushInterval: 300, fetch: recordingFetch, fetchRetryCount: 5, requestTimeout: 30000 });
let failures = 0;
client.on('error', (error) => {
  failures++;
  console.error('posthog SDK error:', error);
});
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function main() {
  for (let i = 0; i < count; i++) {
    const distinctId = 'ph-user-' + (i % 41);
    if (i % 3 === 2) {
      client.identify({ distinctId, properties: { email: distinctId + '@example.com' } });
    } else {
      client.capture({ distinctId, event: i % 3 === 0 ? 'purchase' : 'video_played',
        properties: { amount: i, $current_url: 'https://example.com/p/' + i, tags: ['x', 'y'] } });
    }
    await new Promise(setImmediate); // lets the SDK flush as a live app's event loop would
    if (i % 100 === 94) await client.flush(); // an empty queue, then 5 events (fewer than flushAt) ...
    if (i % 100 === 99) await sleep(700); // ... which only the timer sends
  }
  await client.shutdown(30000);
  const lines = [...sent.values()].map((e) => JSON.stringify({ id: e.uuid, event: e.event, distinct_id: e.distinct_id }));
  fs.writeFileSync(out, lines.join('\n') + '\n');
  console.log(JSON.stringify({ events: sent.size, requests: requests.length, flushAt, gzip: requests.every((r) => r.gzip),
    batchSizes: requests.map((r) => r.events), paths: [...new Set(requests.map((r) => r.path))], failures }));
  process.exit(failures > 0 ? 1 : 0);
}

main().catch((error) => {
  console.error(error);
  process.exit(2);
});
