package dev.tributary.bus;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tributary.http.MessageFraming;
import dev.tributary.http.RefusedBody;
import dev.tributary.http.TokensFile;
import dev.tributary.status.StatusRoutes;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.nio.file.NoSuchFileException;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Chukcha's HTTP API. Like Chukcha it routes on the path only (its Go client acknowledges with a
 * GET), takes parameters from the query string and answers errors as plain text. Everything but
 * {@code /write} touches the disk, so runs on worker threads; {@code /read} sends the file range.
 */
final class BusHandler implements Handler<HttpServerRequest> {
  private static final Logger LOG = LoggerFactory.getLogger(BusHandler.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  static final int MAX_READ_BYTES = 16 << 20;
  private static final Set<String> OPERATIONS = Set.of("/write", "/read", "/listChunks", "/listCategories", "/ack");
  /** Bodies held in memory by all writes not yet answered, at most this many largest ones: past it, 503. */
  static final long BODIES_HELD_AT_ONCE = 32;
  /** How long the rest of a refused body is read and dropped at most. */
  private static final Duration REFUSED_BODY_LINGER = Duration.ofSeconds(30);

  private final Bus bus;
  private final Vertx vertx;
  private final int maxBodyBytes;
  private final AtomicLong held = new AtomicLong();
  private final MeterRegistry registry;
  private final StatusRoutes status;
  private final BusAccess access;

  /** {@code status}: the command's status paths, served beside the bus's (without auth), or null for none. */
  BusHandler(Bus bus, Vertx vertx, int maxBodyBytes, MeterRegistry registry, StatusRoutes status, BusAccess access) {
    this.bus = bus;
    this.access = access;
    this.vertx = vertx;
    this.maxBodyBytes = maxBodyBytes;
    this.registry = registry;
    this.status = status;
  }

  @Override
  public void handle(HttpServerRequest request) {
    if (status != null && status.handle(request)) return;
    if (OPERATIONS.contains(request.path())) count(request);
    try {
      String framing = MessageFraming.problem(request);
      if (framing != null) throw BusException.badRequest(framing);
      TokensFile.App app = OPERATIONS.contains(request.path()) ? access.check(request) : null;
      switch (request.path()) {
        case "/write" -> new Write(request).start();
        case "/read" -> read(request);
        case "/listChunks" -> {
          String category = request.getParam("category");
          String reader = request.getParam("reader");
          blocking(request, () -> json(request.response(), bus.listChunks(category, reader)));
        }
        case "/listCategories" -> blocking(request, () -> json(request.response(), BusAccess.visible(app, bus.listCategories())));
        case "/ack" -> {
          String category = request.getParam("category");
          String chunk = request.getParam("chunk");
          long size = unsigned(request, "size");
          String reader = request.getParam("reader");
          blocking(request, () -> {
            bus.ack(category, chunk, size, reader);
            request.response().end();
          });
        }
        default -> text(request.response(), 404, "not found: " + request.path()
            + "; the bus serves /write, /read, /listChunks, /listCategories and /ack"
            + (status == null ? "" : ", and " + StatusRoutes.paths()));
      }
    } catch (BusException e) {
      refuse(request, e);
    } catch (IllegalArgumentException e) { // a query string Vert.x cannot decode, such as a bad %-escape
      refuse(request, BusException.badRequest("bad query string: " + e.getMessage()));
    }
  }

  /** Answers a request refused before it started; a refused write's body is read and dropped, so its client reads the answer. */
  private void refuse(HttpServerRequest request, BusException e) {
    if (e.status() == 401) request.response().putHeader("WWW-Authenticate", "Bearer realm=\"tributary bus\"");
    if (!"/write".equals(request.path())) {
      text(request.response(), e.status(), e.getMessage());
      return;
    }
    RefusedBody.answer(request, maxBodyBytes, REFUSED_BODY_LINGER, () -> { }, () -> text(request.response(), e.status(), e.getMessage()));
  }

  /**
   * Counts each answered request as {@code tributary_bus_requests_total{operation, status}}, as its
   * head is written: so a client that has the answer finds it counted.
   */
  private void count(HttpServerRequest request) {
    String operation = request.path().substring(1);
    HttpServerResponse response = request.response();
    response.headersEndHandler(v -> Counter.builder("tributary.bus.requests").description("bus requests answered, by operation and status")
        .tags("operation", operation, "status", Integer.toString(response.getStatusCode())).register(registry).increment());
  }

  private void read(HttpServerRequest request) {
    String category = request.getParam("category");
    String chunk = request.getParam("chunk");
    String reader = request.getParam("reader");
    long off = unsigned(request, "off");
    // Chukcha's server reads max_size, some of its Go clients send maxSize: both are accepted.
    String maxSizeName = request.getParam("max_size") == null && request.getParam("maxSize") != null ? "maxSize" : "max_size";
    long maxSize = unsigned(request, maxSizeName);
    if (maxSize > MAX_READ_BYTES) {
      throw BusException.badRequest("bad `max_size` parameter: size can't exceed " + MAX_READ_BYTES + " bytes");
    }
    if (maxSize == 0) throw BusException.badRequest("bad `max_size` parameter: it must be at least 1");
    blocking(request, () -> {
      ReadResult result = bus.read(category, chunk, off, (int) maxSize, reader);
      HttpServerResponse response = request.response().putHeader("Content-Type", "application/octet-stream");
      switch (result) {
        case ReadResult.Bytes b -> response.end(Buffer.buffer(b.bytes()));
        case ReadResult.FileRegion f -> {
          if (f.length() == 0) {
            response.end();
            return;
          }
          response.sendFile(f.file().toString(), f.offset(), f.length()).onFailure(e -> {
            if (!response.headWritten()) {
              text(response, e instanceof NoSuchFileException || e.getCause() instanceof NoSuchFileException ? 404 : 500,
                  "could not read chunk " + chunk + ": " + e.getMessage());
            } else {
              request.connection().close();
            }
          });
        }
      }
    });
  }

  private static long unsigned(HttpServerRequest request, String name) {
    String value = request.getParam(name);
    if (value == null || value.isEmpty()) throw BusException.badRequest("bad `" + name + "` parameter: it must be provided");
    try {
      long n = Long.parseLong(value);
      if (n >= 0) return n;
    } catch (NumberFormatException e) {
      // the common message below
    }
    throw BusException.badRequest("bad `" + name + "` parameter '" + value + "': a non-negative integer is expected");
  }

  interface Answer {
    void run() throws Exception;
  }

  /** Runs {@code answer} on a worker thread; a {@link BusException} becomes its status, anything else a 500. */
  private void blocking(HttpServerRequest request, Answer answer) {
    Callable<Void> call = () -> {
      answer.run();
      return null;
    };
    vertx.executeBlocking(call, false).onFailure(e -> fail(request.response(), e));
  }

  private static void fail(HttpServerResponse response, Throwable e) {
    Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
    if (cause instanceof BusException b) {
      text(response, b.status(), b.getMessage());
    } else {
      LOG.error("bus request failed", cause);
      text(response, 500, "internal error: " + cause);
    }
  }

  private static void json(HttpServerResponse response, Object body) throws JsonProcessingException {
    response.putHeader("Content-Type", "application/json").end(Buffer.buffer(JSON.writeValueAsBytes(body)));
  }

  static Future<Void> text(HttpServerResponse response, int status, String message) {
    if (response.ended() || response.closed()) return Future.failedFuture("the connection closed before the answer");
    return response.setStatusCode(status).putHeader("Content-Type", "text/plain; charset=utf-8").end(message + "\n");
  }

  /**
   * One {@code /write}: reads the body up to the limit into one array, checks it, hands it to the
   * bus and answers an empty 200 once durable. A refused body's rest is read and dropped
   * ({@link RefusedBody}), so a client still sending reads the answer.
   */
  private final class Write {
    private final HttpServerRequest request;
    private byte[] body;
    private int length;
    private long holding;

    Write(HttpServerRequest request) {
      this.request = request;
    }

    void start() {
      String category = request.getParam("category"); // first: a query Vert.x cannot decode throws here
      request.handler(this::onData);
      request.endHandler(v -> onEnd());
      request.exceptionHandler(e -> release());
      try {
        Names.category(category);
        String encoding = request.getHeader("Content-Encoding");
        if (encoding != null && !encoding.strip().equalsIgnoreCase("identity")) {
          // Stored as sent, a compressed body would reach readers as messages nobody wrote.
          throw new BusException(415, "unsupported Content-Encoding '" + encoding + "'; the bus stores bodies as sent: send it uncompressed");
        }
        long declared = declaredLength();
        if (declared > maxBodyBytes) {
          throw new BusException(413, "body of " + declared + " bytes is larger than the maximum of " + maxBodyBytes + " bytes");
        }
        int initial = (int) (declared >= 0 ? declared : Math.min(64 << 10, maxBodyBytes));
        if (!hold(initial)) throw new BusException(503, "the bus holds too many request bodies at once; retry later");
        body = new byte[Math.max(1, initial)];
        // Without the invitation a client that asks for one waits out its own timeout before it sends (curl 1 s, Java 5 s).
        if ("100-continue".equalsIgnoreCase(request.getHeader("Expect"))) request.response().writeContinue();
      } catch (BusException e) {
        refuse(e);
      }
    }

    private long declaredLength() {
      String header = request.getHeader("Content-Length");
      try {
        return header == null ? -1 : Long.parseLong(header.trim());
      } catch (NumberFormatException e) {
        return -1;
      }
    }

    private boolean hold(long bytes) {
      if (held.addAndGet(bytes) <= BODIES_HELD_AT_ONCE * maxBodyBytes) {
        holding += bytes;
        return true;
      }
      held.addAndGet(-bytes);
      return false;
    }

    private void release() {
      held.addAndGet(-holding);
      holding = 0;
    }

    private void onData(Buffer data) {
      if ((long) length + data.length() > maxBodyBytes) {
        refuse(new BusException(413, "body is larger than the maximum of " + maxBodyBytes + " bytes"));
        return;
      }
      if (length + data.length() > body.length) {
        int grown = (int) Math.min(maxBodyBytes, Math.max((long) body.length * 2, length + data.length()));
        if (!hold(grown - body.length)) {
          refuse(new BusException(503, "the bus holds too many request bodies at once; retry later"));
          return;
        }
        body = java.util.Arrays.copyOf(body, grown);
      }
      data.getBytes(0, data.length(), body, length);
      length += data.length();
    }

    private void onEnd() {
      Context context = vertx.getOrCreateContext();
      Future.fromCompletionStage(writeBody(), context).onComplete(result -> {
        release();
        if (result.succeeded()) {
          request.response().end();
        } else {
          fail(request.response(), result.cause());
        }
      });
    }

    private java.util.concurrent.CompletionStage<Void> writeBody() {
      try {
        String category = request.getParam("category");
        return bus.write(category, body, length);
      } catch (RuntimeException e) {
        return java.util.concurrent.CompletableFuture.failedFuture(e);
      }
    }

    private void refuse(BusException e) {
      release();
      RefusedBody.answer(request, maxBodyBytes, REFUSED_BODY_LINGER, () -> { }, () -> text(request.response(), e.status(), e.getMessage()));
    }
  }

}
