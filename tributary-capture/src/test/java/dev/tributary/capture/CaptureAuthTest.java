package dev.tributary.capture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Tokens decide who may send and as which app; apps over their rate get 429; auth off means loopback only. */
class CaptureAuthTest {

  static final String WEB_TOKEN = "tok_web_0123456789abcdef";
  static final String SLOW_TOKEN = "tok_slow_0123456789abcdef";

  @TempDir Path dir;

  private Path tokensFile() throws Exception {
    return Files.writeString(dir.resolve("tokens.yaml"), """
        apps:
          web:
            tokens: ["%s"]
          slow:
            tokens:
              - "%s"
            events_per_second: 1
            burst: 3
        """.formatted(WEB_TOKEN, SLOW_TOKEN));
  }

  @Test
  void aRequestNeedsAKnownTokenAndLandsAsItsApp() throws Exception {
    Path tokens = tokensFile();
    try (CaptureFixture capture = CaptureFixture.start(dir, c -> c.withTokensFile(tokens), s -> s)) {
      HttpResponse<String> missing = capture.post("{\"event\":\"a\"}", "application/json");
      assertThat(missing.statusCode()).isEqualTo(401);
      assertThat(CaptureFixture.json(missing).get("error").asText()).contains("missing 'Authorization: Bearer <token>' header");

      HttpResponse<String> unknown = capture.post("{\"event\":\"a\"}", "application/json", "Authorization", "Bearer tok_nobody_0123456789");
      assertThat(unknown.statusCode()).isEqualTo(401);
      assertThat(CaptureFixture.json(unknown).get("error").asText()).isEqualTo("unknown token");

      HttpResponse<String> basic = capture.post("{\"event\":\"a\"}", "application/json", "Authorization", "Basic " + WEB_TOKEN);
      assertThat(basic.statusCode()).isEqualTo(401);
      assertThat(capture.stored()).isEmpty();

      HttpResponse<String> ok = capture.post("{\"event\":\"a\",\"app\":\"slow\"}", "application/json", "Authorization", "Bearer " + WEB_TOKEN);
      assertThat(ok.statusCode()).isEqualTo(200);
      assertThat(capture.storedJson()).singleElement().satisfies(e -> assertThat(e.get("app").asText()).isEqualTo("web"));
    }
  }

  @Test
  void anAppOverItsRateGets429WithRetryAfterAndNothingStored() throws Exception {
    Path tokens = tokensFile();
    try (CaptureFixture capture = CaptureFixture.start(dir, c -> c.withTokensFile(tokens), s -> s)) {
      String auth = "Bearer " + SLOW_TOKEN;
      assertThat(capture.post("[{\"event\":\"a\"},{\"event\":\"b\"},{\"event\":\"c\"}]", "application/json", "Authorization", auth).statusCode())
          .as("the burst of 3 passes").isEqualTo(200);

      HttpResponse<String> limited = capture.post("[{\"event\":\"d\"},{\"event\":\"e\"}]", "application/json", "Authorization", auth);

      assertThat(limited.statusCode()).isEqualTo(429);
      assertThat(limited.headers().firstValue("Retry-After")).hasValueSatisfying(v -> assertThat(Long.parseLong(v)).isBetween(1L, 2L));
      assertThat(CaptureFixture.json(limited).get("error").asText()).contains("app 'slow' is over its rate of 1.0 events per second");
      assertThat(capture.post("{\"event\":\"web-unaffected\"}", "application/json", "Authorization", "Bearer " + WEB_TOKEN).statusCode())
          .as("another app has its own budget").isEqualTo(200);
      assertThat(capture.storedJson()).extracting(e -> e.get("event").asText()).containsExactly("a", "b", "c", "web-unaffected");
    }
  }

  @Test
  void withoutTokensOnlyLoopbackIsAllowed() throws Exception {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    DurableLog unused = new DurableLog() {
      @Override public CompletableFuture<DurableLog.Outcome> append(List<byte[]> events) { throw new AssertionError("never appended"); }
      @Override public long freeBytes() { return Long.MAX_VALUE; }
    };

    assertThatThrownBy(() -> CaptureServer.start(CaptureConfig.defaults().withBindHost("0.0.0.0").withPort(0), unused, registry))
        .isInstanceOf(CaptureStartException.class)
        .hasMessageContaining("refusing to listen on 0.0.0.0 without auth")
        .hasMessageContaining("--tokens-file")
        .hasMessageContaining("apps:");

    try (CaptureServer withTokens = CaptureServer.start(
        CaptureConfig.defaults().withBindHost("0.0.0.0").withPort(0).withTokensFile(tokensFile()), unused, registry)) {
      assertThat(withTokens.port()).isPositive();
    }
    try (CaptureServer localhost = CaptureServer.start(CaptureConfig.defaults().withBindHost("localhost").withPort(0), unused, registry)) {
      assertThat(localhost.port()).isPositive();
    }
  }

  @Test
  void aBadTokensFileStopsTheStartWithTheKeyAtFault() throws Exception {
    Path file = Files.writeString(dir.resolve("bad.yaml"), "apps:\n  web:\n    tokens: [\"short\"]\n");
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

    assertThatThrownBy(() -> CaptureServer.start(CaptureConfig.defaults().withPort(0).withTokensFile(file), null, registry))
        .isInstanceOf(CaptureStartException.class)
        .hasMessageContaining(file.toString())
        .hasMessageContaining("apps.web.tokens[0] must be a string of at least 16 characters");
  }

  @Test
  void aTakenPortIsAClearStartError() throws Exception {
    try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
      assertThatThrownBy(() -> CaptureServer.start(CaptureConfig.defaults().withPort(taken.getLocalPort()), null, registry))
          .isInstanceOf(CaptureStartException.class)
          .hasMessageContaining("cannot listen on 127.0.0.1:" + taken.getLocalPort());
    }
  }
}
