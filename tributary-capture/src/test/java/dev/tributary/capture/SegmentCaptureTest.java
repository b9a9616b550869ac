package dev.tributary.capture;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Segment's tracking API over real HTTP into a real spool, with write keys mapped to apps. */
class SegmentCaptureTest {

  @TempDir static Path dir;
  static CaptureFixture capture;
  private int storedBefore;

  @BeforeAll
  static void start() throws Exception {
    Path tokens = CaptureFixture.tokensFile(dir);
    capture = CaptureFixture.start(dir, c -> c.withTokensFile(tokens), s -> s);
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

  private static String basic(String key) {
    return "Basic " + Base64.getEncoder().encodeToString((key + ":").getBytes(StandardCharsets.UTF_8));
  }

  private static final String BATCH = """
      {"batch":[
        {"type":"track","event":"Order Completed","userId":"u1","messageId":"m-1","properties":{"total":1.50,"items":[1,2]},
         "context":{"library":{"name":"test"}},"timestamp":"2020-01-01T00:00:00.000Z"},
        {"type":"identify","anonymousId":"anon-2","messageId":"m-2","traits":{"plan":"pro"},"timestamp":"2020-01-01T00:00:01.000Z"},
        {"type":"page","userId":42,"anonymousId":"anon-3","name":"Pricing","messageId":"m-3"}
      ],"sentAt":"2020-01-01T00:00:05.000Z"}""";

  @ParameterizedTest(name = "gzip={0}")
  @ValueSource(booleans = {false, true})
  void aBatchIsStoredAsMappedEventsKeepingSegmentsFields(boolean gzip) throws Exception {
    byte[] body = BATCH.getBytes(StandardCharsets.UTF_8);
    HttpResponse<String> response = gzip
        ? capture.postTo("/v1/batch", CaptureFixture.gzip(body), "application/json", "Authorization", basic(CaptureFixture.MOBILE_KEY),
            "Content-Encoding", "gzip")
        : capture.postTo("/v1/batch", body, "application/json", "Authorization", basic(CaptureFixture.MOBILE_KEY));

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    assertThat(response.body()).isEqualTo("{\"success\":true}");
    List<JsonNode> stored = newlyStored();
    assertThat(stored).hasSize(3);
    JsonNode track = stored.get(0);
    assertThat(track.get("event").asText()).isEqualTo("Order Completed");
    assertThat(track.get("event_id").asText()).isEqualTo("m-1");
    assertThat(track.get("messageId").asText()).isEqualTo("m-1");
    assertThat(track.get("distinct_id").asText()).isEqualTo("u1");
    assertThat(track.get("type").asText()).isEqualTo("track");
    assertThat(track.get("app").asText()).isEqualTo("mobile");
    assertThat(track.get("protocol").asText()).isEqualTo("segment");
    assertThat(track.get("originalTimestamp").asText()).isEqualTo("2020-01-01T00:00:00.000Z");
    assertThat(track.get("sentAt").asText()).isEqualTo("2020-01-01T00:00:05.000Z");
    assertThat(track.get("context").get("library").get("name").asText()).isEqualTo("test");
    Instant receivedAt = Instant.parse(track.get("received_at").asText());
    assertThat(Instant.parse(track.get("timestamp").asText())).as("receivedAt - (sentAt - originalTimestamp)")
        .isEqualTo(receivedAt.minusSeconds(5));
    assertThat(capture.stored().get(storedBefore)).contains("\"properties\":{\"total\":1.50,\"items\":[1,2]}");

    JsonNode identify = stored.get(1);
    assertThat(identify.get("event").asText()).isEqualTo("identify");
    assertThat(identify.get("distinct_id").asText()).isEqualTo("anon-2");
    assertThat(identify.get("traits").get("plan").asText()).isEqualTo("pro");
    assertThat(Instant.parse(identify.get("timestamp").asText())).isEqualTo(receivedAt.minusSeconds(4));

    JsonNode page = stored.get(2);
    assertThat(page.get("event").asText()).isEqualTo("page");
    assertThat(page.get("distinct_id").asText()).as("userId before anonymousId, numbers as their digits").isEqualTo("42");
    assertThat(page.get("timestamp").asText()).as("no client time: the time received").isEqualTo(page.get("received_at").asText());
    assertThat(page.has("originalTimestamp")).isFalse();
  }

  @Test
  void theWriteKeyMayComeInTheBodyAndIsNotStored() throws Exception {
    HttpResponse<String> response = capture.postTo("/v1/batch",
        "{\"writeKey\":\"" + CaptureFixture.WEB_KEY + "\",\"batch\":[{\"type\":\"track\",\"event\":\"e\",\"userId\":\"u\"}]}", "application/json");

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    JsonNode event = newlyStored().get(0);
    assertThat(event.get("app").asText()).isEqualTo("web");
    assertThat(event.has("writeKey")).isFalse();
    assertThat(event.get("event_id").asText()).as("no messageId: a UUIDv7").hasSize(36);
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"track", "identify", "page", "screen", "group", "alias"})
  void eachSingleCallEndpointStoresOneEventOfItsType(String type) throws Exception {
    String body = "{\"userId\":\"u-" + type + "\",\"event\":\"Signed Up\",\"groupId\":\"g\",\"previousId\":\"p\",\"messageId\":\"single-" + type + "\"}";
    HttpResponse<String> response = capture.postTo("/v1/" + type, body, "application/json", "Authorization", basic(CaptureFixture.WEB_KEY));

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    JsonNode event = newlyStored().get(0);
    assertThat(event.get("type").asText()).isEqualTo(type);
    assertThat(event.get("event").asText()).isEqualTo(type.equals("track") ? "Signed Up" : type);
    assertThat(event.get("event_id").asText()).isEqualTo("single-" + type);
    assertThat(event.get("distinct_id").asText()).isEqualTo("u-" + type);
  }

  @Test
  void aRetryWithTheSameMessageIdKeepsItsEventId() throws Exception {
    String body = "{\"batch\":[{\"type\":\"track\",\"event\":\"e\",\"userId\":\"u\",\"messageId\":\"retry-1\"}]}";
    for (int i = 0; i < 2; i++) {
      assertThat(capture.postTo("/v1/batch", body, "application/json", "Authorization", basic(CaptureFixture.WEB_KEY)).statusCode()).isEqualTo(200);
    }
    assertThat(newlyStored()).extracting(e -> e.get("event_id").asText()).containsExactly("retry-1", "retry-1");
  }

  @Test
  void refusalsAreInSegmentsShapeAndStoreNothing() throws Exception {
    String auth = basic(CaptureFixture.WEB_KEY);
    String ok = "{\"type\":\"track\",\"event\":\"e\",\"userId\":\"u\"}";
    expect(capture.postTo("/v1/batch", "{\"batch\":[" + ok + "]}", "application/json"), 401, "missing write key");
    expect(capture.postTo("/v1/batch", "{\"batch\":[" + ok + "]}", "application/json", "Authorization", basic("not-a-key-of-any-app")), 401,
        "unknown write key");
    expect(capture.postTo("/v1/batch", "{\"batch\":[" + ok + ",{\"type\":\"track\",\"event\":\"e\"}]}", "application/json",
        "Authorization", auth), 400, "message 1: a message needs \"userId\" or \"anonymousId\"");
    expect(capture.postTo("/v1/batch", "{\"batch\":[{\"type\":\"track\",\"userId\":\"u\"}]}", "application/json", "Authorization", auth),
        400, "a track call needs \"event\"");
    expect(capture.postTo("/v1/batch", "{\"batch\":[{\"type\":\"merge\",\"userId\":\"u\"}]}", "application/json", "Authorization", auth),
        400, "\"type\" must be one of alias, group, identify, page, screen, track, got 'merge'");
    expect(capture.postTo("/v1/batch", ok, "application/json", "Authorization", auth), 400, "\"batch\" array");
    expect(capture.postTo("/v1/batch", "{\"batch\":[" + ok + "}", "application/json", "Authorization", auth), 400,
        "malformed JSON at line 1, column 52: '}' where ']' should close the array that starts at line 1, column 10");
    expect(capture.postTo("/v1/batch", "{\"batch\":[" + ok + "]", "application/json", "Authorization", auth), 400,
        "the object that starts at line 1, column 1 is not closed before the end of the input");
    expect(capture.postTo("/v1/batch", "{\"batch\":[" + ok + "]}", "application/json", "Authorization", auth, "Content-Encoding", "br"),
        400, "Content-Encoding 'br'");
    expect(capture.postTo("/v1/batch", "not gzip".getBytes(StandardCharsets.UTF_8), "application/json", "Authorization", auth,
        "Content-Encoding", "gzip"), 400, "not valid gzip");
    expect(capture.postTo("/v1/batch", "{\"batch\":[{\"type\":\"track\",\"event\":\"e\",\"userId\":\"u\",\"timestamp\":\"yesterday\"}]}",
        "application/json", "Authorization", auth), 400, "\"timestamp\" must be an ISO-8601 time");
    assertThat(newlyStored()).isEmpty();
  }

  @Test
  void segmentsSizeLimitsAnswer400() throws Exception {
    String auth = basic(CaptureFixture.WEB_KEY);
    String bigMessage = "{\"type\":\"track\",\"event\":\"e\",\"userId\":\"u\",\"properties\":{\"pad\":\"" + "x".repeat(33 * 1024) + "\"}}";
    expect(capture.postTo("/v1/batch", "{\"batch\":[" + bigMessage + "]}", "application/json", "Authorization", auth), 400,
        "over Segment's limit of 32768 bytes per message");
    expect(capture.postTo("/v1/track", bigMessage, "application/json", "Authorization", auth), 400, "over the limit of 32768 bytes");
    String message = "{\"type\":\"track\",\"event\":\"e\",\"userId\":\"u\",\"properties\":{\"pad\":\"" + "x".repeat(20 * 1024) + "\"}}";
    String batch = "{\"batch\":[" + String.join(",", java.util.Collections.nCopies(26, message)) + "]}";
    expect(capture.postTo("/v1/batch", CaptureFixture.gzip(batch.getBytes(StandardCharsets.UTF_8)), "application/json",
        "Authorization", auth, "Content-Encoding", "gzip"), 400, "inflates to more than the limit of 512000 bytes");
    assertThat(newlyStored()).isEmpty();
  }

  @Test
  void otherMethodsAndMetricsAreLabelledSegment() throws Exception {
    assertThat(capture.get("/v1/batch").statusCode()).isEqualTo(405);
    assertThat(capture.postTo("/v1/track", "{\"event\":\"e\",\"userId\":\"u\"}", "application/json", "Authorization",
        basic(CaptureFixture.WEB_KEY)).statusCode()).isEqualTo(200);
    assertThat(capture.get("/metrics").body()).contains(
        "tributary_capture_requests_total{protocol=\"segment\",status=\"200\"}",
        "tributary_capture_requests_total{protocol=\"segment\",status=\"405\"}",
        "tributary_capture_events_accepted_total{protocol=\"segment\"}");
  }

  private static void expect(HttpResponse<String> response, int status, String error) throws Exception {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
    JsonNode body = CaptureFixture.json(response);
    assertThat(body.get("success").asBoolean()).isFalse();
    assertThat(body.get("error").asText()).contains(error).doesNotContain("Source:", "REDACTED");
  }

}
