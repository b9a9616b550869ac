package dev.tributary.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The official Node SDKs of Segment ({@code @segment/analytics-node}) and PostHog
 * ({@code posthog-node}), changed in nothing but their host, send a few hundred events each to a
 * real {@code tributary serve}; after a SIGTERM DuckDB finds every one of them in the lake, once,
 * with the mapped fields and the SDK's own ids. The SDKs come from the npm registry
 * ({@link NodeSdks}); without node or the registry this test is skipped and says why.
 */
class IngestSdkTest {

  private static final String SEGMENT_KEY = "segment_write_key_0123456789";
  private static final String POSTHOG_KEY = "phc_project_key_0123456789abcdef";
  private static final int EVENTS = 300;
  private static final ObjectMapper JSON = new ObjectMapper();
  private Path sdks;

  @TempDir Path dir;

  @BeforeEach
  void installedSdks() throws Exception {
    sdks = NodeSdks.installed();
  }

  @Test
  void eventsSentByTheOfficialSdksLandInTheLakeOnceWithTheirIds() throws Exception {
    int port = ServeProcess.freePort();
    Path data = dir.resolve("data");
    Path tokens = Files.writeString(dir.resolve("tokens.yaml"),
        "apps:\n  shop:\n    tokens: [\"" + SEGMENT_KEY + "\"]\n  web:\n    tokens: [\"" + POSTHOG_KEY + "\"]\n");
    String url = "http://127.0.0.1:" + port;
    JsonNode segment;
    JsonNode posthog;
    try (ServeProcess server = ServeProcess.start(dir.resolve("serve.log"), Map.of(), "serve", "--port", String.valueOf(port),
        "--data-dir", data.toString(), "--tokens-file", tokens.toString())) {
      server.awaitReady(port);
      Process segmentSdk = node("segment-sdk.cjs", url, SEGMENT_KEY, dir.resolve("segment.ndjson"), dir.resolve("segment.log"));
      Process posthogSdk = node("posthog-sdk.cjs", url, POSTHOG_KEY, dir.resolve("posthog.ndjson"), dir.resolve("posthog.log"));
      segment = summary(segmentSdk, dir.resolve("segment.log"));
      posthog = summary(posthogSdk, dir.resolve("posthog.log"));
      sendTwice(url + "/v1/batch", "{\"batch\":[{\"type\":\"track\",\"event\":\"Retried\",\"userId\":\"r\",\"messageId\":\"segment-retry-1\"}]}",
          "Basic " + Base64.getEncoder().encodeToString((SEGMENT_KEY + ":").getBytes(StandardCharsets.UTF_8)));
      sendTwice(url + "/batch/", "{\"api_key\":\"" + POSTHOG_KEY + "\",\"batch\":[{\"event\":\"retried\",\"distinct_id\":\"r\","
          + "\"uuid\":\"0190aaaa-0000-7000-8000-0000000000ff\"}]}", null);
      assertThat(server.terminate(Duration.ofSeconds(60))).as("exit code after SIGTERM").isZero();
    }

    assertThat(segment.get("messages").asInt()).isEqualTo(EVENTS);
    assertThat(posthog.get("events").asInt()).isEqualTo(EVENTS);
    assertFlushedBySizeAndByTime(segment);
    assertFlushedBySizeAndByTime(posthog);
    assertThat(posthog.get("gzip").asBoolean()).as("posthog-node compressed its batches").isTrue();

    Map<String, List<JsonNode>> lake = LakeEvents.byId(data);
    assertLanded(lake, dir.resolve("segment.ndjson"), "shop", "segment");
    assertLanded(lake, dir.resolve("posthog.ndjson"), "web", "posthog");
    assertThat(lake.get("segment-retry-1")).as("a retried Segment batch lands once").hasSize(1);
    assertThat(lake.get("0190aaaa-0000-7000-8000-0000000000ff")).as("a retried PostHog batch lands once").hasSize(1);
    assertThat(lake.values().stream().mapToInt(List::size).sum()).isEqualTo(2 * EVENTS + 2);
  }

  private Process node(String script, String url, String key, Path out, Path log) throws Exception {
    Path source = Path.of("src", "test", "node", script).toAbsolutePath();
    ProcessBuilder pb = new ProcessBuilder("node", source.toString(), url, key, String.valueOf(EVENTS), out.toString())
        .redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().put("NODE_PATH", sdks.resolve("node_modules").toString());
    return pb.start();
  }

  /** Waits for an SDK script and returns the JSON summary it printed last. */
  private static JsonNode summary(Process sdk, Path log) throws Exception {
    if (!sdk.waitFor(180, TimeUnit.SECONDS)) {
      sdk.destroyForcibly();
      throw new AssertionError("the SDK script did not finish within 180 s:\n" + Files.readString(log));
    }
    String output = Files.readString(log);
    assertThat(sdk.exitValue()).as("SDK script exit code; output:\n%s", output).isZero();
    List<String> lines = output.lines().filter(l -> l.startsWith("{")).toList();
    return JSON.readTree(lines.get(lines.size() - 1));
  }

  private static void assertFlushedBySizeAndByTime(JsonNode summary) {
    int flushAt = summary.get("flushAt").asInt();
    List<Integer> sizes = new ArrayList<>();
    summary.get("batchSizes").forEach(n -> sizes.add(n.asInt()));
    assertThat(sizes).as("batches of the SDK: some flushed by size, some by time").anyMatch(s -> s >= flushAt).anyMatch(s -> s < flushAt);
  }

  private static void sendTwice(String url, String body, String authorization) throws Exception {
    HttpClient client = HttpClient.newHttpClient();
    for (int i = 0; i < 2; i++) {
      HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString(body));
      if (authorization != null) request.header("Authorization", authorization);
      HttpResponse<String> response = client.send(request.build(), HttpResponse.BodyHandlers.ofString());
      assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    }
  }

  private static void assertLanded(Map<String, List<JsonNode>> lake, Path sent, String app, String protocol) throws Exception {
    List<String> lines = Files.readAllLines(sent).stream().filter(l -> !l.isBlank()).toList();
    assertThat(lines).hasSize(EVENTS);
    for (String line : lines) {
      JsonNode wire = JSON.readTree(line);
      String id = wire.get("id").asText();
      assertThat(lake.get(id)).as("lake rows of %s event %s", protocol, id).hasSize(1);
      JsonNode row = lake.get(id).get(0);
      assertThat(row.path("event").asText()).isEqualTo(wire.get("event").asText());
      assertThat(row.path("distinct_id").asText()).isEqualTo(wire.get("distinct_id").asText());
      assertThat(row.path("app").asText()).isEqualTo(app);
      assertThat(row.path("protocol").asText()).isEqualTo(protocol);
      assertThat(row.path("timestamp").asText()).matches("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z");
    }
  }
}
