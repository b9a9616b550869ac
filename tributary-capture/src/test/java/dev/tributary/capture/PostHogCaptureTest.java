package dev.tributary.capture;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URLEncoder;
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

/** PostHog's capture API over real HTTP into a real spool: every body encoding, the mapping, the errors. */
class PostHogCaptureTest {

  @TempDir static Path dir;
  static CaptureFixture capture;
  private int storedBefore;

  private static final String KEY = CaptureFixture.WEB_KEY;
  private static final String BATCH = """
      {"api_key":"%s","sent_at":"2020-01-01T00:00:10.000Z","batch":[
        {"event":"$pageview","distinct_id":"u1","uuid":"0190aaaa-0000-7000-8000-00000000000a","timestamp":"2020-01-01T00:00:00.000Z",
         "properties":{"$current_url":"https://example.com/","price":1.50}},
        {"event":"signed_up","properties":{"distinct_id":"u2"},"offset":3000},
        {"event":"no_time","distinct_id":"u3","properties":{}}
      ]}""".formatted(KEY);
  /** LZString.compressToBase64 (JavaScript) of two events carrying the project key in their properties. */
  private static final String LZ64_BATCH = "NobwRApgbhB2AuYBcYA2AvA+tOiA0YAJgJYDO8xsAxvJsYcmAK4C0GYBADgE4D2nEbhQilk4eLwDWcRpwAWVTD14ArCDUzSAnpgAMARgBMAZgAsAVgBsAdgAcATgCGAIyqEIAMw5hYyfQDpzAgASVGJnRgB3CAiAXwImJnpGA3tdRwzHFl0c3RZrXJZbQtzS0v0wePAcBEYMbBgETENvZQEhYhExIjIKalpklFYMFoIJaV8UeUVlNQ1tPSMzKzsnV3cveOYkhhRU9MzswoKcopKyspbYgF0gA===";

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

  @Test
  void aBatchIsMappedWithTimestampsResolvedAsPostHogDoes() throws Exception {
    HttpResponse<String> response = capture.postTo("/batch/", BATCH, "application/json");

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    assertThat(response.body()).isEqualTo("{\"status\":1}");
    List<JsonNode> stored = newlyStored();
    assertThat(stored).hasSize(3);
    JsonNode pageview = stored.get(0);
    Instant received = Instant.parse(pageview.get("received_at").asText());
    assertThat(pageview.get("event").asText()).isEqualTo("$pageview");
    assertThat(pageview.get("event_id").asText()).isEqualTo("0190aaaa-0000-7000-8000-00000000000a");
    assertThat(pageview.get("uuid").asText()).isEqualTo("0190aaaa-0000-7000-8000-00000000000a");
    assertThat(pageview.get("distinct_id").asText()).isEqualTo("u1");
    assertThat(pageview.get("app").asText()).isEqualTo("web");
    assertThat(pageview.get("protocol").asText()).isEqualTo("posthog");
    assertThat(Instant.parse(pageview.get("timestamp").asText())).as("now + (timestamp - sent_at)").isEqualTo(received.minusSeconds(10));
    assertThat(pageview.get("original_timestamp").asText()).isEqualTo("2020-01-01T00:00:00.000Z");
    assertThat(pageview.get("sent_at").asText()).isEqualTo("2020-01-01T00:00:10.000Z");
    assertThat(pageview.has("api_key")).isFalse();
    assertThat(capture.stored().get(storedBefore)).contains("\"properties\":{\"$current_url\":\"https://example.com/\",\"price\":1.50}");

    JsonNode signedUp = stored.get(1);
    assertThat(signedUp.get("distinct_id").asText()).as("distinct_id from properties").isEqualTo("u2");
    assertThat(Instant.parse(signedUp.get("timestamp").asText())).as("now - offset").isEqualTo(received.minusMillis(3000));
    assertThat(signedUp.get("offset").asInt()).isEqualTo(3000);
    assertThat(signedUp.get("event_id").asText()).as("no uuid: a UUIDv7").hasSize(36);

    JsonNode noTime = stored.get(2);
    assertThat(noTime.get("timestamp").asText()).isEqualTo(noTime.get("received_at").asText());
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"header", "gzip-js", "magic"})
  void gzipBodiesAreInflatedWhateverSaysSo(String how) throws Exception {
    byte[] gzipped = CaptureFixture.gzip(BATCH.getBytes(StandardCharsets.UTF_8));
    HttpResponse<String> response = switch (how) {
      case "header" -> capture.postTo("/batch/", gzipped, "application/json", "Content-Encoding", "gzip");
      case "gzip-js" -> capture.postTo("/batch/?compression=gzip-js&ver=1.0", gzipped, "text/plain");
      default -> capture.postTo("/batch", gzipped, "application/json");
    };

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    assertThat(newlyStored()).extracting(e -> e.get("distinct_id").asText()).containsExactly("u1", "u2", "u3");
  }

  @Test
  void aFormWithBase64DataIsDecoded() throws Exception {
    String data = Base64.getEncoder().encodeToString(BATCH.getBytes(StandardCharsets.UTF_8));
    HttpResponse<String> response = capture.postTo("/e/", "data=" + URLEncoder.encode(data, StandardCharsets.UTF_8),
        "application/x-www-form-urlencoded");

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    assertThat(newlyStored()).hasSize(3);
  }

  @Test
  void aFormWithBase64OfGzipIsDecoded() throws Exception {
    String data = Base64.getEncoder().encodeToString(CaptureFixture.gzip(BATCH.getBytes(StandardCharsets.UTF_8)));
    HttpResponse<String> response = capture.postTo("/capture/", "data=" + data, "application/x-www-form-urlencoded");

    assertThat(response.statusCode()).as("an unescaped '+' read as a space still decodes: " + response.body()).isEqualTo(200);
    assertThat(newlyStored()).hasSize(3);
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"form field", "query", "raw body"})
  void lzStringBodiesAreDecompressed(String how) throws Exception {
    String encoded = URLEncoder.encode(LZ64_BATCH, StandardCharsets.UTF_8);
    HttpResponse<String> response = switch (how) {
      case "form field" -> capture.postTo("/e/", "data=" + encoded + "&compression=lz64", "application/x-www-form-urlencoded");
      case "query" -> capture.postTo("/e/?compression=lz64", "data=" + encoded, "application/x-www-form-urlencoded");
      default -> capture.postTo("/i/v0/e/?compression=lz64", LZ64_BATCH, "text/plain");
    };

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    List<JsonNode> stored = newlyStored();
    assertThat(stored).extracting(e -> e.get("event").asText()).containsExactly("lz_event", "lz_event_2");
    assertThat(stored).extracting(e -> e.get("distinct_id").asText()).containsExactly("u-lz", "u-lz2");
    assertThat(stored).extracting(e -> e.get("app").asText()).containsOnly("web");
  }

  @Test
  void aRawBase64BodyIsDecoded() throws Exception {
    String body = Base64.getEncoder().encodeToString(BATCH.getBytes(StandardCharsets.UTF_8));
    HttpResponse<String> response = capture.postTo("/track/", body, "text/plain");

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    assertThat(newlyStored()).hasSize(3);
  }

  @Test
  void singleEventsAndArraysTakeTheKeyFromTheEvent() throws Exception {
    String single = "{\"api_key\":\"" + KEY + "\",\"event\":\"one\",\"distinct_id\":\"s1\",\"properties\":{\"a\":1}}";
    String array = "[{\"event\":\"two\",\"distinct_id\":\"s2\",\"properties\":{\"token\":\"" + KEY + "\"}},"
        + "{\"event\":\"three\",\"distinct_id\":\"s3\",\"token\":\"" + KEY + "\"}]";
    assertThat(capture.postTo("/capture/", single, "application/json").statusCode()).isEqualTo(200);
    assertThat(capture.postTo("/e", array, "application/json").statusCode()).isEqualTo(200);

    assertThat(newlyStored()).extracting(e -> e.get("event").asText()).containsExactly("one", "two", "three");
  }

  @Test
  void engageIsAnIdentify() throws Exception {
    String body = "{\"$token\":\"" + KEY + "\",\"$distinct_id\":\"person-1\",\"$set\":{\"email\":\"a@example.com\"}}";
    HttpResponse<String> response = capture.postTo("/engage/", body, "application/json");

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    JsonNode event = newlyStored().get(0);
    assertThat(event.get("event").asText()).isEqualTo("$identify");
    assertThat(event.get("distinct_id").asText()).isEqualTo("person-1");
    assertThat(event.get("$set").get("email").asText()).isEqualTo("a@example.com");
  }

  @Test
  void refusalsAreInPostHogsShapeAndStoreNothing() throws Exception {
    String ok = "{\"event\":\"e\",\"distinct_id\":\"u\"}";
    expect(capture.postTo("/batch/", "{\"batch\":[" + ok + "]}", "application/json"), 401, "event submitted without an api_key");
    expect(capture.postTo("/batch/", "{\"api_key\":\"phc_not_a_known_project_key\",\"batch\":[" + ok + "]}", "application/json"),
        401, "API key is not valid");
    expect(capture.postTo("/batch/", "{\"api_key\":\"" + KEY + "\",\"batch\":[" + ok + ",{\"event\":\"e\",\"distinct_id\":\"u\",\"api_key\":\""
        + CaptureFixture.MOBILE_KEY + "\"}]}", "application/json"), 401, "batch submitted with inconsistent api_key values");
    expect(capture.postTo("/batch/", "{\"api_key\":\"" + KEY + "\",\"batch\":[" + ok + ",{\"event\":\"e\"}]}", "application/json"),
        400, "event submitted without a distinct_id (event 1)");
    expect(capture.postTo("/batch/", "{\"api_key\":\"" + KEY + "\",\"batch\":[{\"event\":\"\",\"distinct_id\":\"u\"}]}", "application/json"),
        400, "event submitted with an empty event name");
    expect(capture.postTo("/batch/", "{\"api_key\":\"" + KEY + "\",\"batch\":[]}", "application/json"), 400, "request holds no event");
    expect(capture.postTo("/batch/", "{\"api_key\":\"" + KEY + "\",\"batch\":[" + ok, "application/json"), 400,
        "the array that starts at line 1, column");
    expect(capture.postTo("/e/?compression=brotli", ok, "application/json"), 400, "unsupported compression 'brotli'");
    expect(capture.postTo("/e/", "data=" + ok.replace("{", "%ZZ"), "application/x-www-form-urlencoded"), 400, "not URL-encoded");
    expect(capture.postTo("/e/?compression=lz64", "data=BIUw*mD2", "application/x-www-form-urlencoded"), 400, "not LZ-string base64");
    expect(capture.postTo("/e/", "data%3Dx", "application/x-www-form-urlencoded"), 400, "no data= field");
    expect(capture.postTo("/e/", "!!not base64!!", "text/plain"), 400, "neither JSON nor base64");
    assertThat(newlyStored()).isEmpty();
  }

  @Test
  void aGzipBombAndAnOversizedRequestAnswer413() throws Exception {
    byte[] bomb = CaptureFixture.gzip(new byte[8 << 20]);
    expect(capture.postTo("/batch/", bomb, "application/json"), 413, "inflates to more than the limit");
    byte[] big = ("{\"api_key\":\"" + KEY + "\",\"event\":\"e\",\"distinct_id\":\"u\",\"properties\":{\"pad\":\""
        + "x".repeat(2_000_001) + "\"}}").getBytes(StandardCharsets.UTF_8);
    expect(capture.postTo("/e/", big, "application/json"), 413, "over the limit of 2000000 bytes");
    assertThat(newlyStored()).isEmpty();
  }

  @Test
  void metricsAreLabelledPostHog() throws Exception {
    assertThat(capture.postTo("/e/", "{\"api_key\":\"" + KEY + "\",\"event\":\"m\",\"distinct_id\":\"u\"}", "application/json").statusCode())
        .isEqualTo(200);
    assertThat(capture.get("/metrics").body()).contains(
        "tributary_capture_requests_total{protocol=\"posthog\",status=\"200\"}",
        "tributary_capture_events_accepted_total{protocol=\"posthog\"}");
  }

  private static void expect(HttpResponse<String> response, int status, String detail) throws Exception {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
    JsonNode body = CaptureFixture.json(response);
    assertThat(body.get("detail").asText()).contains(detail).doesNotContain("Source:", "REDACTED");
    assertThat(body.get("type").asText()).isEqualTo(status == 401 ? "authentication_error" : "validation_error");
  }
}
