package dev.tributary.capture;

import dev.tributary.spool.SpoolGauges;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.function.Supplier;

/**
 * Routes requests: the ingest paths of each {@link Protocol} to an {@link Ingest} (with CORS on
 * every answer and preflights answered), health and metrics answered here without CORS.
 */
final class CaptureRouter implements Handler<HttpServerRequest> {

  private final IngestContext context;
  private final Map<String, Protocol> protocols;
  private final ClientAddress clientAddress;
  private final PrometheusMeterRegistry registry;
  private final Map<String, Supplier<?>> readinessDetails = new ConcurrentSkipListMap<>();

  CaptureRouter(IngestContext context, Tokens tokens, PrometheusMeterRegistry registry) {
    this.context = context;
    this.registry = registry;
    CaptureConfig config = context.config;
    this.clientAddress = ClientAddress.trusting(config.trustedProxies());
    UuidV7 ids = new UuidV7();
    this.protocols = protocols(
        new EventsProtocol(tokens, new EventParser(config.maxEventBytes(), ids), config.maxRequestBytes()),
        new SegmentProtocol(tokens, config.maxEventBytes(), config.maxRequestBytes(), ids),
        new PostHogProtocol(tokens, config.maxEventBytes(), config.maxRequestBytes(), ids));
  }

  @Override
  public void handle(HttpServerRequest request) {
    Protocol protocol = protocols.get(request.path());
    boolean ingest = protocol != null && request.method() == HttpMethod.POST;
    if (!ingest) {
      RequestDeadline deadline = RequestDeadline.of(request.connection());
      request.endHandler(v -> deadline.bodyRead());
    }
    if (protocol != null) {
      if (request.method() == HttpMethod.OPTIONS) {
        context.metrics.request(protocol.name(), 204);
        context.cors.preflight(request);
        return;
      }
      context.cors.onAnswer(request);
      if (ingest) {
        new Ingest(context, protocol, request, clientAddress.of(request)).start();
      } else {
        context.metrics.request(protocol.name(), 405);
        methodNotAllowed(request, "POST");
      }
      return;
    }
    switch (request.path()) {
      case "/health/live" -> onlyGet(request, () -> JsonAnswer.write(request.response(), 200, Map.of("status", "live")));
      case "/health/ready" -> onlyGet(request, () -> ready(request.response()));
      case "/metrics" -> onlyGet(request, () -> metrics(request.response()));
      default -> JsonAnswer.write(request.response(), 404, Map.of("error", "no such endpoint: " + request.path()
          + "; events go to POST /v1/events, Segment's /v1/batch, /v1/track, /v1/identify, /v1/page, /v1/screen,"
          + " /v1/group, /v1/alias (or analytics.js's /v1/b, /v1/t, /v1/i, /v1/p, /v1/s, /v1/g, /v1/a),"
          + " or PostHog's /batch/, /e/, /capture/, /i/v0/e/, /track/, /engage/, /s/ (see docs/ingest-protocols.md)"));
    }
  }

  /** Every ingest path, with and without the trailing slash PostHog's SDKs add. */
  private static Map<String, Protocol> protocols(EventsProtocol events, SegmentProtocol segment, PostHogProtocol posthog) {
    Map<String, Protocol> byPath = new HashMap<>();
    byPath.put(EventsProtocol.PATH, events);
    for (String path : SegmentProtocol.CALLS.keySet()) byPath.put(path, segment);
    for (String path : PostHogProtocol.PATHS) {
      byPath.put(path, posthog);
      byPath.put(path + "/", posthog);
    }
    return Map.copyOf(byPath);
  }

  void readinessDetail(String name, Supplier<?> state) {
    readinessDetails.put(name, state);
  }

  private void ready(HttpServerResponse response) {
    Map<String, Object> body;
    if (context.draining()) {
      body = notReady("draining");
    } else if (context.spoolFull()) {
      body = notReady("spool full");
      body.put("free_bytes", context.log.freeBytes());
    } else {
      body = new LinkedHashMap<>(Map.of("ready", true));
    }
    readinessDetails.forEach((name, state) -> body.put(name, state.get()));
    JsonAnswer.write(response, Boolean.TRUE.equals(body.get("ready")) ? 200 : 503, body);
  }

  private static Map<String, Object> notReady(String reason) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("ready", false);
    body.put("reason", reason);
    return body;
  }

  private void metrics(HttpServerResponse response) {
    // A scrape evaluates the spool gauges, which may touch the disk: off the event loop.
    context.vertx.executeBlocking(() -> {
      SpoolGauges.beforeScrape(registry);
      return registry.scrape();
    }, false).onComplete(result -> {
      if (result.succeeded()) {
        response.putHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8").end(result.result());
      } else {
        JsonAnswer.write(response, 500, Map.of("error", "could not render metrics: " + result.cause()));
      }
    });
  }

  private static void onlyGet(HttpServerRequest request, Runnable answer) {
    if (request.method() == HttpMethod.GET || request.method() == HttpMethod.HEAD) {
      answer.run();
    } else {
      methodNotAllowed(request, "GET");
    }
  }

  private static void methodNotAllowed(HttpServerRequest request, String allowed) {
    request.response().putHeader("Allow", allowed);
    JsonAnswer.write(request.response(), 405, Map.of("error", request.method() + " is not allowed on " + request.path() + "; use " + allowed));
  }
}
