package dev.tributary.capture;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Requests as browsers and browser SDKs send them, over real HTTP into a real spool: CORS
 * preflights and headers (errors included, and none on health and metrics), JSON labelled
 * text/plain or a form, Segment's one-letter endpoints of analytics.js 2.0, PostHog's paths and
 * query parameters of posthog-js. Capture allows only pages of https://*.shop.test here.
 */
class BrowserIngestTest {

  static final String PAGE = "https://www.shop.test";
  static final String OTHER_PAGE = "https://evil.test";
  /** App {@code web} stores client addresses, app {@code mobile} does not. */
  static final String WEB_KEY = CaptureFixture.WEB_KEY;
  static final String MOBILE_KEY = CaptureFixture.MOBILE_KEY;

  @TempDir static Path dir;
  static CaptureFixture capture;
  private int storedBefore;

  @BeforeAll
  static void start() throws Exception {
    Path tokens = tokensFile(dir);
    capture = CaptureFixture.start(dir, c -> c.withTokensFile(tokens).withMaxRequestBytes(64 * 1024)
        .withCorsOrigins(List.of("https://*.shop.test", "http://localhost:*")), s -> s);
  }

  static Path tokensFile(Path dir) throws Exception {
    return Files.writeString(dir.resolve("tokens.yaml"), "apps:\n  web:\n    tokens: [\"" + WEB_KEY + "\"]\n    store_ip: true\n"
        + "  mobile:\n    tokens: [\"" + MOBILE_KEY + "\"]\n");
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

  private HttpResponse<String> options(String path, String... headers) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(capture.uri(path)).timeout(Duration.ofSeconds(30))
        .method("OPTIONS", HttpRequest.BodyPublishers.noBody());
    if (headers.length > 0) request.headers(headers);
    return capture.client.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static String header(HttpResponse<?> response, String name) {
    return response.headers().firstValue(name).orElse(null);
  }

  private static String basic(String key) {
    return "Basic " + Base64.getEncoder().encodeToString((key + ":").getBytes(StandardCharsets.UTF_8));
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"/v1/events", "/v1/batch", "/v1/t", "/v1/b", "/e/", "/i/v0/e/", "/batch/", "/s/"})
  void aPreflightFromAnAllowedPageIsAnswered204WithWhatItAskedFor(String path) throws Exception {
    HttpResponse<String> preflight = options(path, "Origin", PAGE, "Access-Control-Request-Method", "POST",
        "Access-Control-Request-Headers", "content-type,authorization,x-retry-count");

    assertThat(preflight.statusCode()).isEqualTo(204);
    assertThat(header(preflight, "Access-Control-Allow-Origin")).as("the origin echoed, not *").isEqualTo(PAGE);
    assertThat(header(preflight, "Access-Control-Allow-Credentials")).isEqualTo("true");
    assertThat(header(preflight, "Access-Control-Allow-Methods")).contains("POST");
    assertThat(header(preflight, "Access-Control-Allow-Headers")).isEqualTo("content-type,authorization,x-retry-count");
    assertThat(header(preflight, "Access-Control-Max-Age")).isEqualTo("86400");
    assertThat(newlyStored()).isEmpty();
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {OTHER_PAGE, "https://shop.test.evil.test", "http://www.shop.test"})
  void aPreflightFromAnotherPageGetsNoAllowHeadersSoTheBrowserNeverSends(String origin) throws Exception {
    HttpResponse<String> preflight = options("/v1/t", "Origin", origin, "Access-Control-Request-Method", "POST",
        "Access-Control-Request-Headers", "authorization");

    assertThat(preflight.statusCode()).isEqualTo(204);
    assertThat(preflight.headers().map().keySet()).noneMatch(h -> h.toLowerCase().startsWith("access-control-"));
  }

  @Test
  void aSimpleRequestFromAnotherPageIsRefusedAndStoresNothing() throws Exception {
    HttpResponse<String> refused = capture.postTo("/v1/events", "{\"event\":\"e\"}", "text/plain",
        "Origin", OTHER_PAGE, "Authorization", "Bearer " + WEB_KEY);

    assertThat(refused.statusCode()).isEqualTo(403);
    assertThat(CaptureFixture.json(refused).get("error").asText()).contains(OTHER_PAGE).contains("cors_origins");
    assertThat(header(refused, "Access-Control-Allow-Origin")).isNull();
    assertThat(newlyStored()).isEmpty();
  }

  @Test
  void everyAnswerToAnAllowedPageCarriesCorsHeadersErrorsIncluded() throws Exception {
    String bearer = "Bearer " + WEB_KEY;
    List<HttpResponse<String>> answers = List.of(
        capture.postTo("/v1/events", "{\"event\":\"ok\"}", "text/plain", "Origin", PAGE, "Authorization", bearer),
        capture.postTo("/v1/events", "{\"event\":\"no token\"}", "text/plain", "Origin", PAGE),
        capture.postTo("/v1/events", "{\"event\":", "text/plain", "Origin", PAGE, "Authorization", bearer),
        capture.postTo("/v1/events", "{\"event\":\"big\",\"pad\":\"" + "x".repeat(70_000) + "\"}", "text/plain", "Origin", PAGE, "Authorization", bearer),
        capture.postTo("/v1/events", "a,b", "text/csv", "Origin", PAGE, "Authorization", bearer),
        capture.postTo("/e/", "{\"event\":\"e\",\"distinct_id\":\"d\"}", "text/plain", "Origin", PAGE),
        capture.client.send(HttpRequest.newBuilder(capture.uri("/v1/t")).header("Origin", PAGE).build(), HttpResponse.BodyHandlers.ofString()));

    assertThat(answers).extracting(HttpResponse::statusCode).containsExactly(200, 401, 400, 413, 415, 401, 405);
    for (HttpResponse<String> answer : answers) {
      assertThat(header(answer, "Access-Control-Allow-Origin")).as(answer.statusCode() + " " + answer.body()).isEqualTo(PAGE);
      assertThat(header(answer, "Access-Control-Allow-Credentials")).isEqualTo("true");
      assertThat(header(answer, "Access-Control-Expose-Headers")).contains("Retry-After");
    }
    assertThat(newlyStored()).extracting(e -> e.get("event").asText()).containsExactly("ok");
  }

  @Test
  void drainingAnswers503ThatThePageCanRead() throws Exception {
    try (CaptureFixture draining = CaptureFixture.start(dir.resolve("draining"))) {
      draining.server.drain();

      HttpResponse<String> refused = draining.postTo("/v1/t", "{\"type\":\"track\",\"event\":\"e\",\"userId\":\"u\"}", "text/plain",
          "Origin", "https://any.page.test");

      assertThat(refused.statusCode()).isEqualTo(503);
      assertThat(header(refused, "Access-Control-Allow-Origin")).as("by default any origin").isEqualTo("https://any.page.test");
      assertThat(header(refused, "Retry-After")).isEqualTo("5");
      assertThat(draining.stored()).isEmpty();
    }
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"/health/live", "/health/ready", "/metrics"})
  void healthAndMetricsSendNoCorsHeaders(String path) throws Exception {
    HttpResponse<String> get = capture.client.send(HttpRequest.newBuilder(capture.uri(path)).header("Origin", PAGE).build(),
        HttpResponse.BodyHandlers.ofString());
    HttpResponse<String> preflight = options(path, "Origin", PAGE, "Access-Control-Request-Method", "GET");

    assertThat(get.statusCode()).isEqualTo(200);
    assertThat(preflight.statusCode()).isEqualTo(405);
    for (HttpResponse<String> answer : List.of(get, preflight)) {
      assertThat(answer.headers().map().keySet()).noneMatch(h -> h.toLowerCase().startsWith("access-control-"));
    }
  }

  @Test
  void eventsTakesJsonLabelledTextPlainAsSendBeaconSendsIt() throws Exception {
    HttpResponse<String> response = capture.postTo("/v1/events", "[{\"event\":\"a\"},{\"event\":\"b\"}]", "text/plain;charset=UTF-8",
        "Authorization", "Bearer " + MOBILE_KEY);

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    assertThat(newlyStored()).extracting(e -> e.get("event").asText()).containsExactly("a", "b");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(nullValues = "none", value = {"text/plain", "application/x-www-form-urlencoded", "none", "application/octet-stream"})
  void segmentReadsJsonWhateverItsDeclaredTypeGzipIncluded(String contentType) throws Exception {
    String batch = "{\"batch\":[{\"type\":\"track\",\"event\":\"Typed " + contentType + "\",\"userId\":\"u\"}]}";
    HttpResponse<String> plain = capture.postTo("/v1/batch", batch, contentType, "Authorization", basic(MOBILE_KEY));
    // axios-based SDKs: gzip JSON labelled as a form, with and without Content-Encoding
    HttpResponse<String> gzip = capture.postTo("/v1/batch", CaptureFixture.gzip(batch.getBytes(StandardCharsets.UTF_8)), contentType,
        "Authorization", basic(MOBILE_KEY));

    assertThat(plain.statusCode()).as(plain.body()).isEqualTo(200);
    assertThat(gzip.statusCode()).as(gzip.body()).isEqualTo(200);
    assertThat(newlyStored()).extracting(e -> e.get("event").asText()).containsExactly("Typed " + contentType, "Typed " + contentType);
  }

  @ParameterizedTest(name = "/v1/{0} is {1}")
  @CsvSource({"t, track", "p, page", "i, identify", "g, group", "a, alias", "s, screen"})
  void analyticsJsOneLetterEndpointsAreMappedLikeTheirLongForms(String letter, String type) throws Exception {
    String messageId = "ajs-next-" + letter + "-" + System.nanoTime();
    String body = """
        {"timestamp":"2026-12-02T10:00:00.000Z","integrations":{},"type":"%s","event":"Clicked","name":"Home",
         "groupId":"g1","previousId":"p1","traits":{"plan":"pro"},"properties":{"n":1},
         "context":{"page":{"url":"https://www.shop.test/"},"library":{"name":"analytics.js","version":"npm:next-1.84.3"}},
         "messageId":"%s","anonymousId":"anon-1","writeKey":"%s","userId":null,"sentAt":"2026-12-02T10:00:01.000Z",
         "_metadata":{"bundled":["Segment.io"],"unbundled":[],"bundledIds":[]}}""".formatted(type, messageId, MOBILE_KEY);

    HttpResponse<String> response = capture.postTo("/v1/" + letter, body, "text/plain", "Origin", PAGE, "Authorization", basic(MOBILE_KEY));

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    assertThat(response.body()).isEqualTo("{\"success\":true}");
    assertThat(header(response, "Access-Control-Allow-Origin")).isEqualTo(PAGE);
    List<JsonNode> stored = newlyStored();
    assertThat(stored).hasSize(1);
    JsonNode event = stored.get(0);
    assertThat(event.get("event").asText()).isEqualTo(type.equals("track") ? "Clicked" : type);
    assertThat(event.get("type").asText()).isEqualTo(type);
    assertThat(event.get("event_id").asText()).isEqualTo(messageId);
    assertThat(event.get("distinct_id").asText()).isEqualTo("anon-1");
    assertThat(event.get("app").asText()).isEqualTo("mobile");
    assertThat(event.get("protocol").asText()).isEqualTo("segment");
    assertThat(event.get("context").get("library").get("name").asText()).isEqualTo("analytics.js");
    assertThat(event.has("writeKey")).as("the key is not stored").isFalse();
    assertThat(event.has("ip")).as("app mobile stores no address").isFalse();
  }

  @Test
  void analyticsJsBatchesGoToSlashBWithTheKeyInTheBody() throws Exception {
    String body = "{\"writeKey\":\"" + WEB_KEY + "\",\"sentAt\":\"2026-12-02T10:00:01.000Z\",\"batch\":["
        + "{\"type\":\"track\",\"event\":\"One\",\"anonymousId\":\"a\",\"messageId\":\"b-1\"},"
        + "{\"type\":\"page\",\"anonymousId\":\"a\",\"messageId\":\"b-2\"}]}";

    HttpResponse<String> response = capture.postTo("/v1/b", body, "text/plain", "Origin", PAGE);

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    assertThat(newlyStored()).extracting(e -> e.get("event_id").asText() + " " + e.get("app").asText())
        .containsExactly("b-1 web", "b-2 web");
  }

  @Test
  void analyticsJsOwnMetricsAreAcknowledgedAndNotStored() throws Exception {
    String body = "{\"series\":[{\"type\":\"Counter\",\"metric\":\"analytics_js.invoke\",\"value\":1,\"tags\":{\"library\":\"analytics.js\"}}]}";

    HttpResponse<String> response = capture.postTo("/v1/m", body, "text/plain", "Origin", PAGE);
    HttpResponse<String> notMetrics = capture.postTo("/v1/m", "{\"type\":\"track\"}", "text/plain", "Origin", PAGE);

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    assertThat(notMetrics.statusCode()).isEqualTo(400);
    assertThat(CaptureFixture.json(notMetrics).get("error").asText()).contains("\"series\"");
    assertThat(newlyStored()).isEmpty();
  }

  @Test
  void posthogJsGzipBodiesAndBase64BeaconsLandWithTheirQueryParameters() throws Exception {
    long sentAtMillis = System.currentTimeMillis();
    String batch = "{\"api_key\":\"" + MOBILE_KEY + "\",\"batch\":[{\"event\":\"$pageview\",\"uuid\":\"gz-1\",\"properties\":"
        + "{\"distinct_id\":\"d1\",\"token\":\"" + MOBILE_KEY + "\"}}]}";
    String beacon = "[{\"event\":\"$pageleave\",\"uuid\":\"beacon-1\",\"properties\":{\"distinct_id\":\"d1\",\"token\":\"" + MOBILE_KEY + "\"}}]";
    String form = "data=" + URLEncoder.encode(Base64.getEncoder().encodeToString(beacon.getBytes(StandardCharsets.UTF_8)), StandardCharsets.UTF_8);

    HttpResponse<String> gzip = capture.postTo("/e/?ip=0&_=" + sentAtMillis + "&ver=1.449.2", CaptureFixture.gzip(batch.getBytes(StandardCharsets.UTF_8)),
        "text/plain", "Origin", PAGE);
    HttpResponse<String> sendBeacon = capture.postTo("/i/v0/e/?compression=base64&ver=1.449.2&_=" + sentAtMillis, form,
        "application/x-www-form-urlencoded", "Origin", PAGE);
    HttpResponse<String> recording = capture.postTo("/s/?compression=gzip-js&sent_at=" + sentAtMillis,
        CaptureFixture.gzip("[{\"event\":\"$snapshot\",\"uuid\":\"s-1\",\"distinct_id\":\"d1\",\"properties\":{\"token\":\"%s\"}}]"
            .formatted(MOBILE_KEY).getBytes(StandardCharsets.UTF_8)), "text/plain", "Origin", PAGE);

    for (HttpResponse<String> response : List.of(gzip, sendBeacon, recording)) {
      assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
      assertThat(response.body()).isEqualTo("{\"status\":1}");
      assertThat(header(response, "Access-Control-Allow-Origin")).isEqualTo(PAGE);
    }
    assertThat(newlyStored()).extracting(e -> e.get("event").asText() + " " + e.get("event_id").asText() + " " + e.get("app").asText())
        .containsExactly("$pageview gz-1 mobile", "$pageleave beacon-1 mobile", "$snapshot s-1 mobile");
  }

  @Test
  void withoutATrustedProxyTheAddressIsTheConnectionsPeerWhateverTheHeadersSay() throws Exception {
    HttpResponse<String> response = capture.postTo("/v1/events", "{\"event\":\"e\",\"ip\":\"6.6.6.6\"}", "application/json",
        "Authorization", "Bearer " + WEB_KEY, "X-Forwarded-For", "203.0.113.9", "Forwarded", "for=198.51.100.1");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(newlyStored().get(0).get("ip").asText()).as("the client's own ip is replaced").isEqualTo("127.0.0.1");
  }

  @Test
  void anAppThatDoesNotStoreAddressesKeepsTheClientsOwnIpField() throws Exception {
    HttpResponse<String> response = capture.postTo("/v1/events", "{\"event\":\"e\",\"ip\":\"kept as sent\"}", "application/json",
        "Authorization", "Bearer " + MOBILE_KEY);

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(newlyStored().get(0).get("ip").asText()).isEqualTo("kept as sent");
  }

  @Test
  void behindATrustedProxyTheAddressIsTheRightmostUntrustedHop() throws Exception {
    try (CaptureFixture behindProxy = CaptureFixture.start(dir.resolve("proxied"), c -> c.withTokensFile(dir.resolve("tokens.yaml"))
        .withTrustedProxies(List.of("127.0.0.0/8", "10.0.0.0/8")), s -> s)) {
      String bearer = "Bearer " + WEB_KEY;
      List<HttpResponse<String>> answers = new java.util.ArrayList<>();
      answers.add(behindProxy.postTo("/v1/events", "{\"event\":\"xff\"}", "application/json", "Authorization", bearer,
          "X-Forwarded-For", "1.1.1.1, 203.0.113.9, 10.0.0.5"));
      answers.add(behindProxy.postTo("/v1/events", "{\"event\":\"forwarded\"}", "application/json", "Authorization", bearer,
          "Forwarded", "for=\"[2001:db8::7]:4711\";proto=https"));
      answers.add(behindProxy.postTo("/v1/events", "{\"event\":\"none\"}", "application/json", "Authorization", bearer));
      answers.add(behindProxy.postTo("/v1/batch", "{\"batch\":[{\"type\":\"track\",\"event\":\"segment\",\"userId\":\"u\"},"
          + "{\"type\":\"track\",\"event\":\"own\",\"userId\":\"u\",\"context\":{\"ip\":\"192.0.2.1\"}}]}", "text/plain",
          "Authorization", basic(WEB_KEY), "X-Forwarded-For", "203.0.113.10"));
      String posthog = "{\"api_key\":\"" + WEB_KEY + "\",\"batch\":[{\"event\":\"ph\",\"distinct_id\":\"d\"},"
          + "{\"event\":\"ph own\",\"distinct_id\":\"d\",\"properties\":{\"$ip\":\"192.0.2.2\"}}]}";
      answers.add(behindProxy.postTo("/batch/", posthog, "application/json", "X-Forwarded-For", "203.0.113.11"));
      answers.add(behindProxy.postTo("/batch/?ip=0", posthog.replace("\"event\":\"ph", "\"event\":\"ip=0"), "application/json", "X-Forwarded-For", "203.0.113.11"));

      assertThat(answers).allSatisfy(a -> assertThat(a.statusCode()).as(a.body()).isEqualTo(200));
      List<JsonNode> stored = behindProxy.storedJson();
      assertThat(stored).extracting(e -> e.get("event").asText() + " " + e.path("ip").asText("-")).containsExactly(
          "xff 203.0.113.9", "forwarded 2001:db8::7", "none 127.0.0.1", "segment 203.0.113.10", "own 203.0.113.10",
          "ph 203.0.113.11", "ph own 203.0.113.11", "ip=0 -", "ip=0 own -");
      assertThat(stored.get(3).get("context").get("ip").asText()).as("Segment's context.ip").isEqualTo("203.0.113.10");
      assertThat(stored.get(4).get("context").get("ip").asText()).as("the client's context.ip kept").isEqualTo("192.0.2.1");
      assertThat(stored.get(5).get("properties").get("$ip").asText()).as("PostHog's $ip").isEqualTo("203.0.113.11");
      assertThat(stored.get(6).get("properties").get("$ip").asText()).as("a server SDK's $ip kept").isEqualTo("192.0.2.2");
      assertThat(stored.get(7).path("properties").has("$ip")).as("ip=0: no address").isFalse();
    }
  }
}
