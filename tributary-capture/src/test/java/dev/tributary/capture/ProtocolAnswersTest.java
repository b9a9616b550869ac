package dev.tributary.capture;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Rate limits and draining answer Segment and PostHog clients in their services' shapes, with Retry-After. */
class ProtocolAnswersTest {

  private static final String KEY = "limited_project_key_0123456789";
  private static final String SEGMENT_BATCH = "{\"batch\":[{\"type\":\"track\",\"event\":\"e\",\"userId\":\"u\"},"
      + "{\"type\":\"track\",\"event\":\"e\",\"userId\":\"u\"}]}";
  private static final String POSTHOG_BATCH = "{\"api_key\":\"" + KEY + "\",\"batch\":[{\"event\":\"e\",\"distinct_id\":\"u\"},"
      + "{\"event\":\"e\",\"distinct_id\":\"u\"}]}";

  @TempDir Path dir;

  private CaptureFixture start() throws Exception {
    Path tokens = Files.writeString(dir.resolve("tokens.yaml"),
        "apps:\n  limited:\n    tokens: [\"" + KEY + "\"]\n    events_per_second: 0.01\n    burst: 2\n");
    return CaptureFixture.start(dir, c -> c.withTokensFile(tokens), s -> s);
  }

  private static String basic() {
    return "Basic " + Base64.getEncoder().encodeToString((KEY + ":").getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void anAppOverItsRateGets429InEachShape() throws Exception {
    try (CaptureFixture capture = start()) {
      assertThat(capture.postTo("/v1/batch", SEGMENT_BATCH, "text/plain", "Authorization", basic()).statusCode())
          .as("Segment's browser library sends text/plain").isEqualTo(200);

      HttpResponse<String> segment = capture.postTo("/v1/batch", SEGMENT_BATCH, "application/json", "Authorization", basic());
      HttpResponse<String> posthog = capture.postTo("/batch/", POSTHOG_BATCH, "application/json");

      assertThat(segment.statusCode()).isEqualTo(429);
      assertThat(segment.headers().firstValue("Retry-After")).isPresent();
      assertThat(CaptureFixture.json(segment).get("success").asBoolean()).isFalse();
      assertThat(CaptureFixture.json(segment).get("error").asText()).contains("app 'limited' is over its rate");
      assertThat(posthog.statusCode()).isEqualTo(429);
      assertThat(posthog.headers().firstValue("Retry-After")).isPresent();
      JsonNode body = CaptureFixture.json(posthog);
      assertThat(body.get("type").asText()).isEqualTo("throttled");
      assertThat(body.get("code").asText()).isEqualTo("rate_limited");
      assertThat(capture.stored()).hasSize(2);
    }
  }

  @Test
  void aDrainingServerAnswers503InEachShape() throws Exception {
    try (CaptureFixture capture = start()) {
      capture.server.drain();

      HttpResponse<String> segment = capture.postTo("/v1/batch", SEGMENT_BATCH, "application/json", "Authorization", basic());
      HttpResponse<String> posthog = capture.postTo("/e/", POSTHOG_BATCH, "application/json");

      assertThat(segment.statusCode()).isEqualTo(503);
      assertThat(segment.headers().firstValue("Retry-After")).hasValue("5");
      assertThat(CaptureFixture.json(segment).get("error").asText()).contains("draining");
      assertThat(posthog.statusCode()).isEqualTo(503);
      assertThat(posthog.headers().firstValue("Retry-After")).hasValue("5");
      assertThat(CaptureFixture.json(posthog).get("type").asText()).isEqualTo("server_error");
      assertThat(CaptureFixture.json(posthog).get("code").asText()).isEqualTo("unavailable");
      assertThat(capture.stored()).isEmpty();
    }
  }
}
