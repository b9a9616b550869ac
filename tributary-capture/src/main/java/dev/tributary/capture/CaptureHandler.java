package dev.tributary.capture;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.function.Supplier;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Routes requests: the ingest paths of each {@link Protocol} to an {@link Ingest}, health and
 * metrics answered here.
 */
final class CaptureHandler implements Handler<HttpServerRequest> {

  private static final ObjectMapper JSON = new ObjectMapper();
  static final long BODIES_HELD_AT_ONCE = 64;

  final CaptureConfig config;
  final DurableLog log;
  final Tokens tokens;
  final CaptureMetrics metrics;
  final EventParser parser;
  final Vertx vertx;
  private final PrometheusMeterRegistry registry;
  private final Map<String, Protocol> protocols;
  private volatile boolean draining;
  private final AtomicBoolean spoolFull = new AtomicBoolean();
  private final Map<String, Supplier<?>> readinessDetails = new ConcurrentSkipListMap<>();
  private final AtomicLong heldBytes = new AtomicLong();
  private final long heldBytesBudget;

  CaptureHandler(CaptureConfig config, DurableLog log, Tokens tokens, PrometheusMeterRegistry registry, Vertx vertx) {
    this.config = config;
    this.log = log;
    this.tokens = tokens;
    this.registry = registry;
    this.vertx = vertx;
    this.metrics = new CaptureMetrics(registry);
    UuidV7 ids = new UuidV7();
    this.parser = new EventParser(config.maxEventBytes(), ids);
    this.protocols = protocols(new SegmentProtocol(config.maxEventBytes(), ids), new PostHogProtocol(config.maxEventBytes(), ids));
    this.heldBytesBudget = BODIES_HELD_AT_ONCE * config.maxRequestBytes();
    Gauge.builder("tributary.capture.held", heldBytes, AtomicLong::get).baseUnit("bytes")
        .description("Bytes of request bodies held in memory by requests not yet answered").register(registry);
  }

  /**
   * Reserves room for request bytes held in memory, false when all requests together would hold
   * more than {@value #BODIES_HELD_AT_ONCE} largest requests: many slow clients sending large
   * bodies at once get 503 instead of exhausting the heap.
   */
  boolean hold(long bytes) {
    if (heldBytes.addAndGet(bytes) <= heldBytesBudget) return true;
    heldBytes.addAndGet(-bytes);
    return false;
  }

  void release(long bytes) {
    heldBytes.addAndGet(-bytes);
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
      if (ingest) {
        new Ingest(this, protocol, request).start();
      } else {
        metrics.request(protocol.name(), 405);
        methodNotAllowed(request, "POST");
      }
      return;
    }
    switch (request.path()) {
      case "/health/live" -> onlyGet(request, () -> json(request.response(), 200, Map.of("status", "live")));
      case "/health/ready" -> onlyGet(request, () -> ready(request.response()));
      case "/metrics" -> onlyGet(request, () -> metrics(request.response()));
      default -> json(request.response(), 404, Map.of("error", "no such endpoint: " + request.path()
          + "; events go to POST /v1/events, Segment's /v1/batch, /v1/track, /v1/identify, /v1/page, /v1/screen,"
          + " /v1/group, /v1/alias, or PostHog's /batch/, /e/, /capture/, /i/v0/e/, /track/, /engage/ (see docs/ingest-protocols.md)"));
    }
  }

  /** Every ingest path, with and without the trailing slash PostHog's SDKs add. */
  private static Map<String, Protocol> protocols(SegmentProtocol segment, PostHogProtocol posthog) {
    Map<String, Protocol> byPath = new java.util.HashMap<>();
    byPath.put("/v1/events", EventsProtocol.INSTANCE);
    for (String path : SegmentProtocol.PATHS) byPath.put(path, segment);
    for (String path : PostHogProtocol.PATHS) {
      byPath.put(path, posthog);
      byPath.put(path + "/", posthog);
    }
    return Map.copyOf(byPath);
  }

  void drain() {
    draining = true;
  }

  boolean draining() {
    return draining;
  }

  /**
   * True while the spool has refused an append for lack of room and has not since accepted one or
   * freed room for a largest request. {@code freeBytes()} is cheap, so this is checked per call.
   */
  boolean spoolFull() {
    if (spoolFull.get() && log.freeBytes() > config.maxRequestBytes()) spoolFull.set(false);
    return spoolFull.get();
  }

  void spoolFull(boolean full) {
    spoolFull.set(full);
  }

  void readinessDetail(String name, Supplier<?> state) {
    readinessDetails.put(name, state);
  }

  private void ready(HttpServerResponse response) {
    Map<String, Object> body;
    if (draining) {
      body = notReady("draining");
    } else if (spoolFull()) {
      body = notReady("spool full");
      body.put("free_bytes", log.freeBytes());
    } else {
      body = new LinkedHashMap<>(Map.of("ready", true));
    }
    readinessDetails.forEach((name, state) -> body.put(name, state.get()));
    json(response, Boolean.TRUE.equals(body.get("ready")) ? 200 : 503, body);
  }

  private static Map<String, Object> notReady(String reason) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("ready", false);
    body.put("reason", reason);
    return body;
  }

  private void metrics(HttpServerResponse response) {
    // A scrape evaluates the spool gauges, which may touch the disk: off the event loop.
    vertx.executeBlocking(() -> {
      SpoolGauges.beforeScrape(registry);
      return registry.scrape();
    }, false).onComplete(result -> {
      if (result.succeeded()) {
        response.putHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8").end(result.result());
      } else {
        json(response, 500, Map.of("error", "could not render metrics: " + result.cause()));
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
    json(request.response(), 405, Map.of("error", request.method() + " is not allowed on " + request.path() + "; use " + allowed));
  }

  static io.vertx.core.Future<Void> json(HttpServerResponse response, int status, Map<String, ?> body) {
    byte[] bytes;
    try {
      bytes = JSON.writeValueAsBytes(body);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("maps of strings and numbers always serialize", e);
    }
    return response.setStatusCode(status).putHeader("Content-Type", "application/json")
        .end(io.vertx.core.buffer.Buffer.buffer(bytes));
  }

  static Map<String, Object> error(String message, Map<String, Object> details) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("error", message);
    body.putAll(details);
    return body;
  }
}
