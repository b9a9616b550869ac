'use strict';
// Shared by the pages of BrowserSdkTest, served from another origin than capture. Records every
// event the SDKs make (from their own hooks, with their own ids) and reports them to the page's
// server as the page is left, by a beacon sent after the SDKs' own unload handlers.
// Query of every page: capture=<capture's URL>, segment=<write key>, posthog=<project key>,
// run=<a number in the test's user ids>, events=<events per SDK and page>.
const params = new URLSearchParams(location.search);
const capture = new URL(params.get('capture'));
const run = params.get('run');
const events = Number(params.get('events'));
const pageName = location.pathname.replace(/^\/|\.html$/g, '');
const user = 'user-' + run;
const recorded = [];

function record(sdk, payload) {
  recorded.push({ sdk, payload: JSON.parse(JSON.stringify(payload)) });
}

function log(message) {
  navigator.sendBeacon('/log', pageName + ': ' + message);
}
window.addEventListener('error', (e) => log('error: ' + e.message + ' at ' + e.filename + ':' + e.lineno));
window.addEventListener('unhandledrejection', (e) => log('unhandled rejection: ' + ((e.reason && e.reason.stack) || e.reason)));

// The SDKs' requests in flight, so that a page can let its sends finish before it moves on
// (leaving a page cancels its fetches unless they are keepalive), and those that failed as the
// SDK saw them: a CORS refusal hides even a 200 from it.
// posthog-js gzips a batch with the browser's CompressionStream before it fetches, so its
// capture() returns before the request has begun: the requests begun per SDK are counted too.
const inFlight = new Set();
const failures = [];
const begun = { segment: 0, posthog: 0 };
const pageFetch = window.fetch.bind(window);
window.fetch = (...args) => {
  const url = String(args[0] instanceof Request ? args[0].url : args[0]);
  if (url.startsWith(capture.origin)) begun[new URL(url).pathname.startsWith('/v1/') ? 'segment' : 'posthog']++;
  const request = pageFetch(...args);
  inFlight.add(request);
  request
    .then((response) => response.ok || failures.push(url + ': ' + response.status), (error) => failures.push(url + ': ' + error))
    .finally(() => inFlight.delete(request));
  return request;
};
// For a page whose SDKs send each event in a request of its own: waits until every event made
// has its request begun, then until all have settled.
async function sendsSettled() {
  const made = (sdk) => recorded.filter((e) => e.sdk === sdk).length;
  const deadline = Date.now() + 10000;
  while (begun.segment < made('segment') || begun.posthog < made('posthog')) {
    if (Date.now() > deadline) {
      log('requests begun ' + JSON.stringify(begun) + ' for events made ' + JSON.stringify({ segment: made('segment'), posthog: made('posthog') }));
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
}

// Called after the SDKs are set up, so that this pagehide listener runs after theirs. A fetch
// still in flight then (the unload beacons) is not seen to fail.
function reportOnLeave() {
  window.addEventListener('pagehide', () => {
    navigator.sendBeacon('/report', JSON.stringify({ page: pageName, events: recorded, failures }));
  });
}

// analytics.js 2.0 with its settings inline, so it never asks Segment's CDN for them.
function loadSegment(deliveryStrategy) {
  const writeKey = params.get('segment');
  const analytics = AnalyticsNext.AnalyticsBrowser.load({
    writeKey,
    cdnSettings: {
      integrations: {
        'Segment.io': { apiKey: writeKey, apiHost: capture.host + '/v1', protocol: capture.protocol.replace(':', ''), deliveryStrategy },
      },
    },
  });
  analytics.addSourceMiddleware(({ payload, next }) => {
    record('segment', payload.obj);
    next(payload);
  });
  return analytics;
}

function loadPostHog(options) {
  posthog.init(params.get('posthog'), {
    api_host: capture.origin,
    opt_out_useragent_filter: true, // headless Chromium is otherwise taken for a bot and ignored
    advanced_disable_flags: true, // no remote config or feature flags: capture serves neither
    autocapture: false,
    disable_session_recording: true,
    before_send: (event) => {
      record('posthog', event);
      return event;
    },
    ...options,
  });
  return posthog;
}

function leaveFor(page) {
  location.href = '/' + page + '.html' + location.search;
}
