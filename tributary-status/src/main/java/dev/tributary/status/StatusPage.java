package dev.tributary.status;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * The live {@code /status} page of a command: {@code GET /status} is one self-contained HTML
 * page (its script and styles inline, nothing fetched from elsewhere) that asks
 * {@code GET /status/data?since=<epoch ms>} every second for
 * {@code {"command","now","health","times","series","alerts"}}: the readiness body, the samples
 * taken after {@code since} (all 15 minutes without it) and what is wrong. Sampling runs once a
 * second on a worker thread, so neither a slow readiness check nor a gauge that reads the disk
 * holds up the event loop. The sampling ends with the Vert.x instance it runs on.
 */
final class StatusPage {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final byte[] HTML = resource("status.html");
  /** Only this page's own script and styles, and requests to its own origin. */
  private static final String POLICY = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; "
      + "img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

  private final String command;
  private final Supplier<Map<String, Object>> readiness;
  private final Vertx vertx;
  private final StatusSamples samples;
  private final AtomicBoolean sampling = new AtomicBoolean();
  /** The last tick's health and alerts, published together so that a reader never mixes two ticks. */
  private volatile Tick last = new Tick(Map.of("status", "not_ready", "reason", "not checked yet", "checks", Map.of()), List.of());

  private record Tick(Map<String, Object> health, List<StatusAlerts.Alert> alerts) { }

  StatusPage(String command, MeterRegistry registry, Supplier<Map<String, Object>> readiness, Vertx vertx) {
    this.command = command;
    this.readiness = readiness;
    this.vertx = vertx;
    this.samples = new StatusSamples(registry, StatusSeries.ALL);
    vertx.setPeriodic(1, 1000, id -> sampleSoon());
  }

  /** Answers {@code /status} and {@code /status/data}; any other path under {@code /status} is 404. */
  void handle(HttpServerRequest request) {
    if (request.method() != HttpMethod.GET && request.method() != HttpMethod.HEAD) {
      request.response().setStatusCode(405).putHeader("Allow", "GET, HEAD").end("only GET and HEAD\n");
      return;
    }
    switch (request.path()) {
      case "/status" -> request.response().putHeader("Content-Type", "text/html; charset=utf-8")
          .putHeader("Content-Security-Policy", POLICY).putHeader("Cache-Control", "no-store").end(Buffer.buffer(HTML));
      case "/status/data" -> data(request);
      default -> request.response().setStatusCode(404).putHeader("Content-Type", "text/plain; charset=utf-8")
          .end("no such page: " + request.path() + " (the status page is /status)\n");
    }
  }

  private void data(HttpServerRequest request) {
    String since = request.getParam("since", "0");
    long sinceMillis;
    try {
      sinceMillis = Long.parseLong(since);
    } catch (NumberFormatException e) {
      request.response().setStatusCode(400).putHeader("Content-Type", "text/plain; charset=utf-8")
          .end("since must be a time in epoch milliseconds, not '" + since + "'\n");
      return;
    }
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("command", command);
    body.put("now", System.currentTimeMillis());
    Tick tick = last;
    body.put("health", tick.health());
    body.putAll(samples.since(sinceMillis));
    body.put("alerts", tick.alerts());
    try {
      request.response().putHeader("Content-Type", "application/json").putHeader("Cache-Control", "no-store")
          .end(JSON.writeValueAsString(body));
    } catch (JsonProcessingException e) {
      request.response().setStatusCode(500).end("cannot write the status as JSON: " + e.getMessage() + "\n");
    }
  }

  /** Samples on a worker thread; skipped while the previous sample still runs (a readiness check that hangs), so ticks never pile up. */
  private void sampleSoon() {
    if (!sampling.compareAndSet(false, true)) return;
    try {
      vertx.executeBlocking(() -> {
        try {
          sample(System.currentTimeMillis());
        } finally {
          sampling.set(false);
        }
        return null;
      }, false);
    } catch (RejectedExecutionException closing) {
      // Vert.x shuts its worker pool before its timers while the command stops: no more samples are wanted
      sampling.set(false);
    }
  }

  /** One tick: the readiness body, a sample of every series, and the alerts they make. */
  private void sample(long nowMillis) {
    Map<String, Object> current;
    try {
      current = readiness.get();
    } catch (RuntimeException e) {
      current = Map.of("status", "not_ready", "reason", "the readiness check failed: " + e, "checks", Map.of());
    }
    samples.sample(nowMillis);
    last = new Tick(current, StatusAlerts.of(current, samples));
  }

  private static byte[] resource(String name) {
    try (InputStream in = StatusPage.class.getResourceAsStream(name)) {
      if (in == null) throw new IllegalStateException(name + " is missing from the jar");
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
