package dev.tributary.capture;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tributary.event.Envelope;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Every accepted body shape lands in the spool as enriched events, one record per event. */
class CaptureBodiesTest {

  @TempDir static java.nio.file.Path dir;
  static CaptureFixture capture;
  private int storedBefore;

  @BeforeAll
  static void start() throws Exception {
    capture = CaptureFixture.start(dir);
  }

  @AfterAll
  static void stop() {
    capture.close();
  }

  @BeforeEach
  void countStored() throws Exception {
    storedBefore = capture.stored().size();
  }

  private List<JsonNode> newlyStored() throws Exception {
    List<JsonNode> all = capture.storedJson();
    return all.subList(storedBefore, all.size());
  }

  @ParameterizedTest(name = "gzip={0}")
  @ValueSource(booleans = {false, true})
  void oneObjectIsStoredEnrichedWithItsFieldsAsSent(boolean gzip) throws Exception {
    Instant before = Instant.now().minusMillis(1);
    HttpResponse<String> response = send("{\"event\":\"signup\",\"user\":\"u1\",\"price\":1.50,\"big\":12345678901234567890123,\"nested\":{\"a\":[1,2]}}",
        "application/json", gzip);

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(CaptureFixture.json(response).get("accepted").asInt()).isEqualTo(1);
    List<String> raw = capture.stored();
    String stored = raw.get(raw.size() - 1);
    assertThat(stored).startsWith("{\"event\":\"signup\",\"user\":\"u1\",\"price\":1.50,\"big\":12345678901234567890123,\"nested\":{\"a\":[1,2]},\"received_at\":\"");
    assertThat(stored).doesNotContain("\n");
    JsonNode event = CaptureFixture.JSON.readTree(stored);
    assertThat(event.get("app").asText()).isEqualTo("default");
    String receivedAt = event.get("received_at").asText();
    assertThat(receivedAt).matches("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z");
    assertThat(Instant.parse(receivedAt)).isBetween(before, Instant.now().plusMillis(1));
    UUID id = UUID.fromString(event.get("event_id").asText());
    assertThat(id.version()).isEqualTo(7);
    assertThat(id.variant()).isEqualTo(2);
    assertThat(id.getMostSignificantBits() >>> 16).isBetween(before.toEpochMilli(), Instant.now().toEpochMilli() + 1);
  }

  @ParameterizedTest(name = "gzip={0}")
  @ValueSource(booleans = {false, true})
  void anArrayIsStoredInOrder(boolean gzip) throws Exception {
    HttpResponse<String> response = send("[{\"event\":\"a\"}, {\"event\":\"b\",\"event_id\":\"client-1\"},\n {\"event\":\"c\"}]",
        "application/json; charset=UTF-8", gzip);

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).isEqualTo("{\"accepted\":3}");
    List<JsonNode> stored = newlyStored();
    assertThat(stored).extracting(e -> e.get("event").asText()).containsExactly("a", "b", "c");
    assertThat(stored.get(1).get("event_id").asText()).isEqualTo("client-1");
    assertThat(stored).extracting(e -> e.get("received_at").asText()).containsOnly(stored.get(0).get("received_at").asText());
    UUID first = UUID.fromString(stored.get(0).get("event_id").asText());
    UUID third = UUID.fromString(stored.get(2).get("event_id").asText());
    assertThat(first.compareTo(third)).as("UUIDv7s increase in the order events arrived").isNegative();
  }

  @ParameterizedTest(name = "gzip={0}")
  @ValueSource(booleans = {false, true})
  void ndjsonTakesOneEventPerLine(boolean gzip) throws Exception {
    HttpResponse<String> response = send("{\"event\":\"a\",\"i\":1}\r\n\n{\"event\":\"b\",\"i\":2}\n{\"event\":\"c\",\"i\":3}",
        "application/x-ndjson", gzip);

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(CaptureFixture.json(response).get("accepted").asInt()).isEqualTo(3);
    assertThat(newlyStored()).extracting(e -> e.get("i").asInt()).containsExactly(1, 2, 3);
  }

  @Test
  void capturesOwnFieldsReplaceWhatTheClientSent() throws Exception {
    HttpResponse<String> response = send("{\"app\":\"spoofed\",\"event\":\"e\",\"received_at\":\"1999-01-01T00:00:00.000Z\",\"event_id\":\"mine\","
        + "\"late\":true}",
        "application/json", false);

    assertThat(response.statusCode()).isEqualTo(200);
    JsonNode stored = newlyStored().get(0);
    assertThat(stored.get("app").asText()).isEqualTo("default");
    assertThat(stored.get("received_at").asText()).doesNotStartWith("1999");
    assertThat(stored.get("event_id").asText()).isEqualTo("mine");
    assertThat(stored.has(Envelope.LATE)).as("only refine flags an event late").isFalse();
    assertThat(CaptureFixture.JSON.writeValueAsString(stored)).contains("\"event\":\"e\",\"event_id\":\"mine\",\"received_at\"");
  }

  @Test
  void aLargeBatchIsStoredWhole() throws Exception {
    StringBuilder body = new StringBuilder();
    for (int i = 0; i < 5000; i++) body.append("{\"event\":\"bulk\",\"i\":").append(i).append(",\"pad\":\"").append("x".repeat(500)).append("\"}\n");
    assertThat(body.length()).isGreaterThan(64 * 1024); // parsed off the event loop

    HttpResponse<String> response = send(body.toString(), "application/x-ndjson", false);

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(newlyStored()).hasSize(5000).extracting(e -> e.get("i").asInt()).startsWith(0, 1, 2).endsWith(4999);
  }

  @Test
  void keepAliveConnectionsServeManyRequests() throws Exception {
    List<Integer> statuses = new ArrayList<>();
    for (int i = 0; i < 50; i++) statuses.add(send("{\"event\":\"k\",\"i\":" + i + "}", "application/json", i % 2 == 0).statusCode());
    assertThat(statuses).containsOnly(200);
    assertThat(newlyStored()).hasSize(50);
  }

  @Test
  void healthAndUnknownPaths() throws Exception {
    assertThat(capture.get("/health/live").statusCode()).isEqualTo(200);
    HttpResponse<String> ready = capture.get("/health/ready");
    assertThat(ready.statusCode()).isEqualTo(200);
    assertThat(ready.body()).isEqualTo("{\"status\":\"ready\",\"checks\":{\"capture\":{\"status\":\"ok\"}}}\n");
    HttpResponse<String> missing = capture.get("/v2/nope");
    assertThat(missing.statusCode()).isEqualTo(404);
    assertThat(CaptureFixture.json(missing).get("error").asText()).contains("/v2/nope");
    HttpResponse<String> wrongMethod = capture.get("/v1/events");
    assertThat(wrongMethod.statusCode()).isEqualTo(405);
    assertThat(wrongMethod.headers().firstValue("Allow")).hasValue("POST");
  }

  @Test
  void metricsNameWhatCaptureDid() throws Exception {
    assertThat(send("{\"event\":\"m\"}", "application/json", false).statusCode()).isEqualTo(200);
    capture.post("nope", "application/json");

    HttpResponse<String> metrics = capture.get("/metrics");

    assertThat(metrics.statusCode()).isEqualTo(200);
    assertThat(metrics.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("text/plain"));
    assertThat(metrics.body()).contains(
        "tributary_capture_requests_total{protocol=\"events\",status=\"200\"}",
        "tributary_capture_requests_total{protocol=\"events\",status=\"400\"}",
        "tributary_capture_events_accepted_total{protocol=\"events\"}",
        "tributary_capture_accepted_bytes_total",
        "tributary_capture_durable_append_seconds_bucket",
        "tributary_spool_size_bytes",
        "tributary_spool_capacity_bytes",
        "tributary_spool_cursor_lag_records{cursor=\"test-reader-",
        "tributary_spool_cursor_lag_bytes{cursor=",
        "tributary_spool_cursor_lag_age_seconds{cursor=");
  }

  private static HttpResponse<String> send(String body, String contentType, boolean gzip) throws IOException, InterruptedException {
    if (!gzip) return capture.post(body, contentType);
    return capture.post(gzip(body.getBytes(StandardCharsets.UTF_8)), contentType, "Content-Encoding", "gzip");
  }

  static byte[] gzip(byte[] bytes) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(bytes);
    }
    return out.toByteArray();
  }

  static Duration seconds(long s) {
    return Duration.ofSeconds(s);
  }
}
