package dev.tributary.status;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.Counter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The page and its data over real HTTP on loopback, served by a small Vert.x server. */
class StatusPageTest {
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final AtomicReference<Map<String, Object>> readiness = new AtomicReference<>(
      Map.of("status", "ready", "checks", Map.of("spool", Map.of("status", "ok"))));
  private Vertx vertx;
  private StatusPage page;
  private int port;

  @BeforeEach
  void serve() {
    vertx = Vertx.vertx();
    page = new StatusPage("serve", registry, () -> Map.copyOf(readiness.get()), vertx);
    HttpServer server = vertx.createHttpServer().requestHandler(page::handle).listen(0, "127.0.0.1")
        .toCompletionStage().toCompletableFuture().join();
    port = server.actualPort();
  }

  @AfterEach
  void stop() {
    vertx.close().toCompletionStage().toCompletableFuture().join();
  }

  @Test
  void thePageIsOneSelfContainedDocument() throws Exception {
    HttpResponse<String> html = get("/status");
    assertThat(html.statusCode()).isEqualTo(200);
    assertThat(html.headers().firstValue("Content-Type")).hasValue("text/html; charset=utf-8");
    assertThat(html.headers().firstValue("Content-Security-Policy")).hasValueSatisfying(p -> assertThat(p).contains("default-src 'none'", "connect-src 'self'"));
    assertThat(html.body()).contains("<script>", "getContext(\"2d\")", "status/data").doesNotContain("src=\"http", "href=\"http", "innerHTML", "//cdn");
  }

  @Test
  void theDataSaysTheCommandItsHealthTheSamplesAndTheAlerts() throws Exception {
    Counter accepted = Counter.builder("tributary.capture.events.accepted").register(registry);
    Awaitility.await("two samples with the counter").atMost(Duration.ofSeconds(10))
        .until(() -> json(get("/status/data")).path("series").path("capture_in").path("values").size() >= 2);
    readiness.set(Map.of("status", "not_ready", "reason", "capture: draining", "checks", Map.of()));
    accepted.increment(50);
    JsonNode data = Awaitility.await("the not-ready state sampled").atMost(Duration.ofSeconds(10))
        .until(() -> json(get("/status/data")), d -> d.path("alerts").size() > 0);

    assertThat(data.path("command").asText()).isEqualTo("serve");
    assertThat(data.path("health").path("status").asText()).isEqualTo("not_ready");
    assertThat(data.path("alerts").get(0).path("level").asText()).isEqualTo("failing");
    assertThat(data.path("alerts").get(0).path("text").asText()).startsWith("capture: draining");
    assertThat(data.path("times").size()).isEqualTo(data.path("series").path("capture_in").path("values").size());
    assertThat(data.path("series").has("kafka_out")).as("a series whose meter serve lacks here").isFalse();
    long last = data.path("times").get(data.path("times").size() - 1).asLong();
    assertThat(json(get("/status/data?since=" + last)).path("times").size()).as("nothing newer than the newest sample, yet")
        .isLessThanOrEqualTo(1);
  }

  @Test
  void aReadinessCheckThatThrowsIsNotReadyWithItsReason() throws Exception {
    readiness.set(null);
    JsonNode data = Awaitility.await("a sample of the broken check").atMost(Duration.ofSeconds(10))
        .until(() -> json(get("/status/data")), d -> d.path("alerts").size() > 0);
    assertThat(data.path("health").path("status").asText()).isEqualTo("not_ready");
    assertThat(data.path("alerts").get(0).path("text").asText()).startsWith("the readiness check failed: java.lang.NullPointerException");
  }

  @Test
  void wrongRequestsGetClearAnswers() throws Exception {
    HttpResponse<String> badSince = get("/status/data?since=yesterday");
    assertThat(badSince.statusCode()).isEqualTo(400);
    assertThat(badSince.body()).contains("since", "yesterday");
    assertThat(get("/status/nothing").statusCode()).isEqualTo(404);
    HttpResponse<String> post = HTTP.send(HttpRequest.newBuilder(uri("/status")).POST(HttpRequest.BodyPublishers.noBody()).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(post.statusCode()).isEqualTo(405);
    assertThat(post.headers().firstValue("Allow")).hasValue("GET, HEAD");
    assertThat(get("/status").statusCode()).as("still serving").isEqualTo(200);
  }

  @Test
  void everyStatusServerServesThePageOfItsCommandWithItsChecks() throws Exception {
    try (StatusServer server = StatusServer.start("sink", "127.0.0.1", 0, registry,
        routes -> routes.readiness("sink", () -> CheckResult.failing("not yet in its consumer group", Map.of())))) {
      URI status = URI.create("http://127.0.0.1:" + server.port() + "/status");
      assertThat(HTTP.send(HttpRequest.newBuilder(status).build(), HttpResponse.BodyHandlers.ofString()).body()).contains("<script>");
      // The sampling starts with the server and the checks are added just after, so the first tick may precede them.
      JsonNode data = Awaitility.await("a sample with the check").atMost(Duration.ofSeconds(10)).until(
          () -> json(HTTP.send(HttpRequest.newBuilder(URI.create(status + "/data")).build(), HttpResponse.BodyHandlers.ofString())),
          d -> d.path("times").size() > 0 && d.path("health").path("checks").has("sink"));
      assertThat(data.path("command").asText()).isEqualTo("sink");
      assertThat(data.path("health").path("reason").asText()).isEqualTo("sink: not yet in its consumer group");
      assertThat(data.path("alerts").get(0).path("title").asText()).isEqualTo("Not ready");
    }
  }

  private HttpResponse<String> get(String path) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(uri(path)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private URI uri(String path) {
    return URI.create("http://127.0.0.1:" + port + path);
  }

  private static JsonNode json(HttpResponse<String> response) throws Exception {
    return new ObjectMapper().readTree(response.body());
  }
}
