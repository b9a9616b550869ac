package dev.tributary.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The browser SDKs of Segment ({@code @segment/analytics-next}, analytics.js 2.0) and PostHog
 * ({@code posthog-js}), from the npm registry, run in a real headless Chromium on pages served
 * from one loopback origin ({@link PageOrigin}, {@code src/test/browser}) and send to a real
 * {@code tributary serve} on another, so every request is cross-origin as on a real site. The
 * first page sends each event as it is made; the second holds its events until it is left, so
 * they go by the page-unload beacon (analytics.js: a keepalive fetch to {@code /v1/b};
 * posthog-js: {@code navigator.sendBeacon}). After a SIGTERM DuckDB finds each event the SDKs
 * made (as the pages saw them in the SDKs' own hooks) once in the lake, with the SDK's id as
 * {@code event_id} and the mapped fields. Without chromium, node or the registry the test is
 * skipped and says why (and fails on CI).
 */
class BrowserSdkTest {

  private static final String SEGMENT_KEY = "segment_write_key_0123456789";
  private static final String POSTHOG_KEY = "phc_project_key_0123456789abcdef";
  private static final Pattern ACCEPTED = Pattern.compile("tributary_capture_events_accepted_total\\{protocol=\"(\\w+)\"} ([0-9.]+)");
  private static Chromium chromium;
  private Path sdks;

  @TempDir static Path browserDir;
  @TempDir Path dir;

  @BeforeAll
  static void startChromium() throws Exception {
    chromium = Chromium.start(browserDir);
  }

  @AfterAll
  static void stopChromium() throws Exception {
    if (chromium != null) chromium.close();
  }

  @BeforeEach
  void installedSdks() throws Exception {
    sdks = NodeSdks.installed();
  }

  @Test
  void eventsFromBrowserSdksOnAnotherOriginLandOnceWithTheirIds() throws Exception {
    long seed = new Random().nextLong();
    Random random = new Random(seed);
    int events = 3 + random.nextInt(6);
    long run = random.nextLong(1L << 40);
    System.out.println("BrowserSdkTest: seed " + seed + ", " + events + " events per SDK and page, user user-" + run);
    Path data = dir.resolve("data");
    Path tokens = Files.writeString(dir.resolve("tokens.yaml"),
        "apps:\n  shop:\n    tokens: [\"" + SEGMENT_KEY + "\"]\n  web:\n    tokens: [\"" + POSTHOG_KEY + "\"]\n");
    Path modules = sdks.resolve("node_modules");
    Map<String, Path> bundles = Map.of("/sdk/analytics-next.js", modules.resolve("@segment/analytics-next/dist/umd/index.js"),
        "/sdk/posthog.js", modules.resolve("posthog-js/dist/array.js"));
    Map<String, JsonNode> made = new LinkedHashMap<>();
    List<String> failures = new ArrayList<>();
    try (ServeProcess server = ServeProcess.start(dir.resolve("serve.log"), Map.of(), "serve", "--port", "0",
            "--data-dir", data.toString(), "--tokens-file", tokens.toString());
         PageOrigin site = PageOrigin.start(Path.of("src", "test", "browser").toAbsolutePath(), bundles)) {
      int port = server.awaitListening();
      // localhost for the pages, 127.0.0.1 for capture: another origin (and site), as a tracked web site and its collector are.
      chromium.open(URI.create("http://localhost:" + site.port() + "/shop.html?capture=http://127.0.0.1:" + port
          + "&segment=" + SEGMENT_KEY + "&posthog=" + POSTHOG_KEY + "&run=" + run + "&events=" + events));
      Awaitility.await("the pages shop, checkout and bye, in turn").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
          .until(() -> site.done() && site.report("shop") != null && site.report("checkout") != null);
      for (String page : List.of("shop", "checkout")) {
        site.report(page).get("events").forEach(e -> made.put(sdkId(e), e));
        site.report(page).get("failures").forEach(f -> failures.add(page + ": " + f.asText()));
      }
      if (!failures.isEmpty()) System.out.println("BrowserSdkTest: requests that failed as the SDKs saw them:\n" + String.join("\n", failures));
      awaitAccepted(port, made.values(), site, seed);
      assertThat(server.terminate(Duration.ofSeconds(60))).as("exit code after SIGTERM").isZero();
      assertThat(site.logs()).as("errors the pages reported").isEmpty();
    }

    assertThat(made.values()).as("events the pages made (Segment by keepalive fetch and PostHog by sendBeacon as checkout was left)")
        .anyMatch(e -> e.get("payload").path("event").asText().equals("Checkout Step"))
        .anyMatch(e -> e.get("payload").path("event").asText().equals("checkout_left"))
        .anyMatch(e -> e.get("payload").path("event").asText().equals("$pageleave"));
    Map<String, List<JsonNode>> lake = LakeEvents.byId(data);
    List<String> problems = new ArrayList<>();
    for (JsonNode event : made.values()) problems.addAll(landed(lake, event));
    assertThat(problems).as("events the SDKs made (seed %d), not in the lake once with the mapped fields", seed).isEmpty();
    assertThat(lake).as("the lake holds the events the SDKs made, and nothing else").hasSize(made.size());
    assertThat(failures).as("requests that failed as the SDKs saw them (a CORS refusal hides even a 200 from them)").isEmpty();
  }

  /** The SDK's own id of an event a page reported: Segment's messageId, PostHog's uuid. */
  private static String sdkId(JsonNode reported) {
    JsonNode payload = reported.get("payload");
    return reported.get("sdk").asText().equals("segment") ? payload.get("messageId").asText() : payload.get("uuid").asText();
  }

  /**
   * Waits until capture has accepted as many events per protocol as the pages made (the unload
   * beacons may still be on their way when the last page is reached). If they never come the
   * lake check below says which are missing, with the pages' console (CORS refusals) printed here.
   */
  private static void awaitAccepted(int port, Iterable<JsonNode> made, PageOrigin site, long seed) throws Exception {
    Map<String, Integer> expected = new LinkedHashMap<>();
    made.forEach(e -> expected.merge(e.get("sdk").asText(), 1, Integer::sum));
    try {
      Awaitility.await("capture accepting " + expected).atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100))
          .until(() -> {
            Map<String, Integer> accepted = accepted(port);
            return expected.entrySet().stream().allMatch(e -> accepted.getOrDefault(e.getKey(), 0) >= e.getValue());
          });
    } catch (ConditionTimeoutException e) {
      System.out.println("BrowserSdkTest (seed " + seed + "): capture accepted " + accepted(port) + " of " + expected
          + "\npages' console:\n" + chromium.console() + "\npages' errors: " + site.logs());
    }
  }

  private static Map<String, Integer> accepted(int port) throws Exception {
    HttpResponse<String> metrics = HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
    Map<String, Integer> accepted = new LinkedHashMap<>();
    Matcher m = ACCEPTED.matcher(metrics.body());
    while (m.find()) accepted.put(m.group(1), (int) Double.parseDouble(m.group(2)));
    return accepted;
  }

  /**
   * What is wrong with the lake's row of the event (nothing: one row, the SDK's id as event_id,
   * the fields mapped as docs/ingest-protocols.md says).
   */
  private static List<String> landed(Map<String, List<JsonNode>> lake, JsonNode reported) {
    String sdk = reported.get("sdk").asText();
    JsonNode sent = reported.get("payload");
    String id = sdkId(reported);
    String what = sdk + " " + sent.path("type").asText("event") + " '" + sent.path("event").asText() + "' " + id;
    List<JsonNode> rows = lake.getOrDefault(id, List.of());
    if (rows.size() != 1) return List.of(what + ": " + rows.size() + " rows");
    JsonNode row = rows.get(0);
    List<String> mismatches = new ArrayList<>();
    if (sdk.equals("segment")) {
      String type = sent.get("type").asText();
      expect(mismatches, row, "event", type.equals("track") ? sent.get("event").asText() : type);
      expect(mismatches, row, "distinct_id", sent.hasNonNull("userId") ? sent.get("userId").asText() : sent.get("anonymousId").asText());
      expect(mismatches, row, "type", type);
      expect(mismatches, row, "messageId", id);
      expect(mismatches, row, "app", "shop");
      expect(mismatches, row, "protocol", "segment");
      if (type.equals("identify")) expect(mismatches, row.path("traits"), "email", sent.get("traits").get("email").asText());
    } else {
      expect(mismatches, row, "event", sent.get("event").asText());
      expect(mismatches, row, "distinct_id", sent.get("properties").get("distinct_id").asText());
      expect(mismatches, row, "uuid", id);
      expect(mismatches, row, "app", "web");
      expect(mismatches, row, "protocol", "posthog");
    }
    if (sent.path("properties").has("amount")) expect(mismatches, row.path("properties"), "amount", sent.get("properties").get("amount").asText());
    if (!row.path("timestamp").asText().matches("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z")) mismatches.add("timestamp " + row.path("timestamp"));
    return mismatches.isEmpty() ? List.of() : List.of(what + ": " + mismatches + " in " + row);
  }

  private static void expect(List<String> mismatches, JsonNode row, String field, String value) {
    if (!row.path(field).asText().equals(value)) mismatches.add(field + ": expected '" + value + "', stored '" + row.path(field).asText() + "'");
  }
}
