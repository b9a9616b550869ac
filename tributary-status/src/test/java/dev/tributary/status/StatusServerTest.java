package dev.tributary.status;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class StatusServerTest {
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final AtomicReference<CheckResult> disk = new AtomicReference<>(CheckResult.ok(Map.of("free_bytes", 10)));
  private StatusServer server;

  @AfterEach
  void close() {
    if (server != null) server.close();
  }

  private StatusServer start() throws Exception {
    server = StatusServer.start("test", "127.0.0.1", 0, registry, routes -> routes
        .readiness("disk", disk::get)
        .readiness("upstream", () -> CheckResult.degraded("unreachable", Map.of("since", "12:00")))
        .liveness("loop", () -> CheckResult.ok(Map.of())));
    return server;
  }

  @Test
  void readyWhileNoCheckFailsWithDegradedChecksShown() throws Exception {
    start();
    HttpResponse<String> ready = get("/health/ready");
    assertThat(ready.statusCode()).isEqualTo(200);
    assertThat(ready.body()).isEqualTo("{\"status\":\"ready\",\"checks\":{\"disk\":{\"status\":\"ok\",\"free_bytes\":10},"
        + "\"upstream\":{\"status\":\"degraded\",\"reason\":\"unreachable\",\"since\":\"12:00\"}}}\n");
    assertThat(get("/health/live").body()).isEqualTo("{\"status\":\"live\",\"checks\":{\"loop\":{\"status\":\"ok\"}}}\n");
  }

  @Test
  void aFailingCheckMakesItNotReadyAndSaysWhy() throws Exception {
    start();
    disk.set(CheckResult.failing("disk full", Map.of("free_bytes", 0)));
    HttpResponse<String> ready = get("/health/ready");
    assertThat(ready.statusCode()).isEqualTo(503);
    assertThat(ready.body()).startsWith("{\"status\":\"not_ready\",\"reason\":\"disk: disk full\",\"checks\":{\"disk\":{\"status\":\"failing\"");
    assertThat(get("/health/live").statusCode()).as("readiness alone is affected").isEqualTo(200);
  }

  @Test
  void aCheckThatThrowsIsFailingWithTheException() throws Exception {
    start();
    server.routes().readiness("broken", () -> {
      throw new IllegalStateException("lock held");
    });
    HttpResponse<String> ready = get("/health/ready");
    assertThat(ready.statusCode()).isEqualTo(503);
    assertThat(ready.body()).contains("\"reason\":\"broken: the check failed: java.lang.IllegalStateException: lock held");
  }

  @Test
  void metricsAreThePrometheusText() throws Exception {
    registry.counter("tributary.test.things").increment(3);
    start();
    HttpResponse<String> metrics = get("/metrics");
    assertThat(metrics.statusCode()).isEqualTo(200);
    assertThat(metrics.headers().firstValue("Content-Type")).hasValue(StatusRoutes.PROMETHEUS_TEXT);
    assertThat(metrics.body()).contains("tributary_test_things_total 3.0");
  }

  @Test
  void otherPathsAndMethodsAreRefusedWithWhereToGo() throws Exception {
    start();
    HttpResponse<String> missing = get("/nope");
    assertThat(missing.statusCode()).isEqualTo(404);
    assertThat(missing.body()).contains("no such endpoint: /nope", "/health/ready");
    HttpResponse<String> post = HTTP.send(HttpRequest.newBuilder(uri("/metrics")).POST(HttpRequest.BodyPublishers.ofString("x")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(post.statusCode()).isEqualTo(405);
    assertThat(post.headers().firstValue("Allow")).hasValue("GET");
  }

  @Test
  void checkNamesAreUnique() throws Exception {
    start();
    assertThatThrownBy(() -> server.routes().readiness("disk", disk::get)).hasMessageContaining("'disk' exists already");
  }

  @Test
  void aTakenPortIsAnErrorThatNamesIt() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      assertThatThrownBy(() -> StatusServer.start("test", "127.0.0.1", taken.getLocalPort(), registry, routes -> { }))
          .isInstanceOf(StatusServer.StatusServerException.class).hasMessageContaining("127.0.0.1:" + taken.getLocalPort());
    }
  }

  private HttpResponse<String> get(String path) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(uri(path)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private URI uri(String path) {
    return URI.create("http://127.0.0.1:" + server.port() + path);
  }
}
