package dev.tributary.refine;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.streams.KafkaStreams;

/**
 * {@code GET /health/live} (200 unless Kafka Streams stopped in error), {@code GET /health/ready}
 * (200 while processing, 503 while starting, restoring state or rebalancing) and {@code GET /metrics}
 * (Prometheus text format). Bodies of the health checks are {@code {"state":"RUNNING"}}.
 */
public final class StatusEndpoint implements AutoCloseable {
  private final HttpServer server;

  private StatusEndpoint(HttpServer server) {
    this.server = server;
  }

  public static StatusEndpoint start(String bind, int port, Refiner refiner, PrometheusMeterRegistry registry) throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress(bind, port), 0);
    server.createContext("/health/live", x -> {
      KafkaStreams.State s = refiner.state();
      boolean live = s != KafkaStreams.State.ERROR && s != KafkaStreams.State.PENDING_ERROR;
      respond(x, live ? 200 : 503, "application/json", "{\"state\":\"" + s + "\"}\n");
    });
    server.createContext("/health/ready", x ->
        respond(x, refiner.ready() ? 200 : 503, "application/json", "{\"state\":\"" + refiner.state() + "\"}\n"));
    server.createContext("/metrics", x -> respond(x, 200, "text/plain; version=0.0.4; charset=utf-8", registry.scrape()));
    server.start();
    return new StatusEndpoint(server);
  }

  public int port() {
    return server.getAddress().getPort();
  }

  private static void respond(HttpExchange x, int status, String type, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    boolean known = x.getRequestURI().getPath().matches("/health/(live|ready)|/metrics");
    if (!known) {
      status = 404;
      bytes = "{\"error\":\"not found: use /health/live, /health/ready or /metrics\"}\n".getBytes(StandardCharsets.UTF_8);
      type = "application/json";
    }
    x.getResponseHeaders().set("Content-Type", type);
    x.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = x.getResponseBody()) {
      out.write(bytes);
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
