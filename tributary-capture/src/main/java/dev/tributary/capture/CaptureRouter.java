package dev.tributary.capture;

import dev.tributary.status.CheckResult;
import dev.tributary.status.StatusRoutes;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.util.HashMap;
import java.util.Map;

/**
 * Routes requests: the ingest paths of each {@link Protocol} to an {@link Ingest} (with CORS on
 * every answer and preflights answered), the {@link StatusRoutes} without CORS.
 */
final class CaptureRouter implements Handler<HttpServerRequest> {

  private final IngestContext context;
  private final Map<String, Protocol> protocols;
  private final ClientAddress clientAddress;
  private final StatusRoutes status;

  CaptureRouter(IngestContext context, Tokens tokens, StatusRoutes status) {
    this.context = context;
    this.status = status.readiness("capture", this::readiness);
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
    if (!status.handle(request)) {
      JsonAnswer.write(request.response(), 404, Map.of("error", "no such endpoint: " + request.path()
          + "; events go to POST /v1/events, Segment's /v1/batch, /v1/track, /v1/identify, /v1/page, /v1/screen,"
          + " /v1/group, /v1/alias (or analytics.js's /v1/b, /v1/t, /v1/i, /v1/p, /v1/s, /v1/g, /v1/a),"
          + " or PostHog's /batch/, /e/, /capture/, /i/v0/e/, /track/, /engage/, /s/ (see docs/ingest-protocols.md);"
          + " status is at " + StatusRoutes.paths()));
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

  /** Not ready while draining or while the spool is full: a load balancer then sends elsewhere. */
  private CheckResult readiness() {
    if (context.draining()) return CheckResult.failing("draining", Map.of());
    if (context.spoolFull()) return CheckResult.failing("spool full", Map.of("free_bytes", context.log.freeBytes()));
    return CheckResult.ok(Map.of());
  }

  private static void methodNotAllowed(HttpServerRequest request, String allowed) {
    request.response().putHeader("Allow", allowed);
    JsonAnswer.write(request.response(), 405, Map.of("error", request.method() + " is not allowed on " + request.path() + "; use " + allowed));
  }
}
