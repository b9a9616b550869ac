package dev.tributary.capture;

import dev.tributary.event.CaptureTime;
import dev.tributary.http.MessageFraming;
import dev.tributary.http.RefusedBody;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One capture request of any {@link Protocol}: checks the headers, reads the body up to the limit,
 * inflates it ({@link RequestBody}), has the protocol parse and enrich it, appends all its events as one batch, and answers 200 once they are durable. Any
 * refusal answers at once and stores nothing; the rest of a refused body is read and dropped
 * ({@link RefusedBody}), so a client still sending reads the answer.
 */
final class Ingest {

  private static final Logger LOG = LoggerFactory.getLogger(Ingest.class);

  /** Bodies up to this size are parsed on the event loop; larger ones on a worker thread. */
  static final int INLINE_BYTES = 64 * 1024;

  private final IngestContext capture;
  private final CaptureConfig config;
  private final Protocol protocol;
  private final HttpServerRequest request;
  private final String clientIp;
  private final RequestDeadline deadline;
  private Protocol.Request head;
  private boolean gzipEncoded;
  private Buffer body;
  private boolean finished;
  private long held;
  private final long begunNanos = System.nanoTime();

  Ingest(IngestContext capture, Protocol protocol, HttpServerRequest request, String clientIp) {
    this.capture = capture;
    this.config = capture.config;
    this.protocol = protocol;
    this.request = request;
    this.clientIp = clientIp;
    this.deadline = RequestDeadline.of(request.connection());
  }

  void start() {
    capture.metrics.begun();
    request.handler(this::onChunk);
    request.endHandler(v -> onEnd());
    request.exceptionHandler(e -> finish()); // the client went away mid-body: store nothing
    try {
      checkHeaders();
    } catch (Rejection r) {
      refuse(r);
      return;
    }
    body = Buffer.buffer((int) Math.min(INLINE_BYTES, contentLength().orElse(1024)));
    if ("100-continue".equalsIgnoreCase(request.getHeader("Expect"))) request.response().writeContinue();
  }

  private void checkHeaders() throws Rejection {
    String framing = MessageFraming.problem(request);
    if (framing != null) throw new Rejection(400, framing);
    if (capture.draining()) {
      throw new Rejection(503, "the server is draining for shutdown; retry, another node may take the request",
          Map.of(), capture.retryAfterSeconds());
    }
    if (capture.cors.refuses(request)) {
      throw new Rejection(403, "pages of origin " + request.getHeader("Origin") + " may not send events here (cors_origins)");
    }
    gzipEncoded = RequestBody.gzipEncoded(request);
    head = protocol.open(request, clientIp);
    long declared = contentLength().orElse(-1);
    if (declared > head.maxBytes()) {
      throw new Rejection(413, "Content-Length " + declared + " is over the limit of " + head.maxBytes()
          + " bytes per request; send fewer events per request");
    }
  }

  private OptionalLong contentLength() {
    String header = request.getHeader("Content-Length");
    try {
      return header == null ? OptionalLong.empty() : OptionalLong.of(Long.parseLong(header.trim()));
    } catch (NumberFormatException e) {
      return OptionalLong.empty(); // Netty's codec has already refused such a request
    }
  }

  private void onChunk(Buffer chunk) {
    if (body.length() + (long) chunk.length() > head.maxBytes()) {
      refuse(new Rejection(413, "the request body is over the limit of " + head.maxBytes()
          + " bytes; send fewer events per request"));
    } else if (!capture.hold(chunk.length())) {
      refuse(new Rejection(503, "the server holds too many request bodies at once; retry later", Map.of(), capture.retryAfterSeconds()));
    } else {
      held += chunk.length();
      body.appendBuffer(chunk);
    }
  }

  private void onEnd() {
    deadline.bodyRead();
    String receivedAt = CaptureTime.format(Instant.now());
    Buffer received = body;
    body = null;
    if (!RequestBody.inflates(received, gzipEncoded) && head.plain() && received.length() <= INLINE_BYTES) {
      try {
        append(parse(received, receivedAt));
      } catch (Rejection r) {
        refuse(r);
      }
    } else {
      capture.vertx.executeBlocking(() -> parse(received, receivedAt), false).onComplete(result -> {
        if (result.succeeded()) {
          append(result.result());
        } else if (result.cause() instanceof Rejection r) {
          refuse(r);
        } else {
          fail(result.cause());
        }
      });
    }
  }

  private Protocol.Parsed parse(Buffer received, String receivedAt) throws Rejection {
    byte[] bytes = received.getBytes();
    return head.parse(RequestBody.decode(bytes, bytes.length, gzipEncoded, head.maxBytes()), receivedAt);
  }

  private void append(Protocol.Parsed parsed) {
    Tokens.App app = parsed.app();
    List<byte[]> events = parsed.events();
    if (events.isEmpty()) { // nothing to store (analytics.js's own metrics)
      answer(200, protocol.accepted(0), 0);
      return;
    }
    if (app.limit() != null) {
      long wait = app.limit().take(events.size(), System.nanoTime());
      if (wait > 0) {
        refuse(new Rejection(429, "app '" + app.name() + "' is over its rate of " + app.limit().rate() + " events per second",
            Map.of(), wait));
        return;
      }
    }
    long bytes = events.stream().mapToLong(e -> e.length).sum();
    long started = System.nanoTime();
    CompletableFuture<DurableLog.Outcome> durable;
    try {
      durable = capture.log.append(events);
    } catch (RuntimeException e) {
      durable = CompletableFuture.failedFuture(e);
    }
    Context context = capture.vertx.getOrCreateContext();
    Future.fromCompletionStage(durable, context).onComplete(result -> {
      if (result.failed()) {
        fail(unwrap(result.cause()));
        return;
      }
      switch (result.result()) {
        case DURABLE -> {
          capture.metrics.durableAppend.record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
          capture.metrics.accepted(protocol.name(), events.size(), bytes);
          capture.spoolFull(false);
          answer(200, protocol.accepted(events.size()), 0);
          capture.metrics.ack.record(System.nanoTime() - begunNanos, TimeUnit.NANOSECONDS);
        }
        case NO_ROOM -> {
          capture.spoolFull(true);
          refuse(new Rejection(503, "the spool is full; retry later", Map.of(), capture.retryAfterSeconds()));
        }
        case CLOSED -> refuse(new Rejection(503, "the server is shutting down; retry, another node may take the request",
            Map.of(), capture.retryAfterSeconds()));
      }
    });
  }

  private void fail(Throwable cause) {
    LOG.error("could not store a request's events", cause);
    Protocol.Answer failed = protocol.refused(new Rejection(500, "could not store the events: " + cause));
    answer(failed.status(), failed.body(), 0);
  }

  private void refuse(Rejection r) {
    Protocol.Answer refusal = protocol.refused(r);
    RefusedBody.answer(request, config.maxRequestBytes(), config.requestTimeout(), deadline::bodyRead,
        () -> answer(refusal.status(), refusal.body(), r.retryAfterSeconds));
  }

  private Future<Void> answer(int status, Map<String, Object> json, long retryAfter) {
    HttpServerResponse response = request.response();
    capture.metrics.request(protocol.name(), status);
    finish();
    if (response.closed() || response.ended()) return Future.failedFuture("the connection closed before the answer");
    deadline.answered();
    if (retryAfter > 0) response.putHeader("Retry-After", Long.toString(retryAfter));
    return JsonAnswer.write(response, status, json);
  }

  /** The request is answered or abandoned: release what it held. Runs once. */
  private void finish() {
    if (finished) return;
    finished = true;
    capture.metrics.finished();
    capture.release(held);
    held = 0;
  }

  private static Throwable unwrap(Throwable t) {
    while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) t = t.getCause();
    return t;
  }
}
