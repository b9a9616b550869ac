package dev.tributary.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tributary.testkit.KafkaExtension;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tributary sink} as a user runs it (child JVMs) against a real broker: events posted to
 * {@code serve --kafka} land in the lake once, with a setting from a {@code TRIBUTARY_*} variable;
 * its HTTP port reports readiness, the partitions and metrics; SIGTERM publishes and exits 0; bad
 * settings exit 2 with a message and start nothing.
 */
class SinkCommandTest {
  @RegisterExtension static final KafkaExtension kafka = KafkaExtension.broker().withProperty("num.partitions", "3");
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  @TempDir Path dir;

  @Test
  void eventsPostedToServeKafkaLandInTheLakeOnceAndSigtermPublishesAndExitsZero() throws Exception {
    int capturePort = ServeProcess.freePort();
    int sinkPort = ServeProcess.freePort();
    Path lake = dir.resolve("lake");
    try (ServeProcess serve = ServeProcess.start(dir.resolve("serve.log"), Map.of(), "serve", "--port",
        String.valueOf(capturePort), "--data-dir", dir.resolve("data").toString(), "--kafka", kafka.bootstrapServers())) {
      serve.awaitReady(capturePort);
      StringBuilder body = new StringBuilder();
      for (int i = 0; i < 2000; i++) {
        body.append("{\"event\":\"").append(i % 2 == 0 ? "signup" : "page_view").append("\",\"event_id\":\"e").append(i)
            .append("\"}\n");
      }
      assertThat(post(capturePort, body.toString())).isEqualTo(200);
      Awaitility.await("2000 events in Kafka").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250))
          .until(() -> get(capturePort, "/metrics").contains("tributary_forwarder_sent_total 2000.0"));
      assertThat(serve.terminate(Duration.ofSeconds(60))).isZero();
    }
    try (ServeProcess sink = ServeProcess.start(dir.resolve("sink.log"), Map.of("TRIBUTARY_MAX_FILE_AGE", "1h"), "sink",
        "--kafka", kafka.bootstrapServers(), "--topics", "/even.s/", "--lake", lake.toString(), "--port",
        String.valueOf(sinkPort), "--group", "sink-e2e")) {
      sink.awaitReady(sinkPort);
      try {
        Awaitility.await("2000 events read by the sink").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250))
            .until(() -> metrics(sinkPort).contains("tributary_lake_events_written_total 2000.0"));
      } catch (org.awaitility.core.ConditionTimeoutException e) {
        throw new AssertionError(e.getMessage() + "; sink output:\n" + sink.output(), e);
      }
      String ready = get(sinkPort, "/health/ready");
      assertThat(ready).contains("\"status\":\"ready\"", "\"topic\":\"events\"", "\"partition\":0", "\"partition\":2",
          "complete_up_to");
      assertThat(metrics(sinkPort)).contains("tributary_lake_complete_up_to_timestamp_seconds{partition=\"0\",topic=\"events\"}");
      AlertRules.assertExported("tributary-lake", metrics(sinkPort));
      assertThat(LakeFiles.completed(lake)).as("files stay open: 1h age from TRIBUTARY_MAX_FILE_AGE").isEmpty();

      assertThat(sink.terminate(Duration.ofSeconds(60))).as("exit code after SIGTERM").isZero();
      assertThat(sink.output()).contains("sink stopped: open files published and offsets committed");
    }
    Map<String, Integer> counts = LakeFiles.eventIdCounts(lake);
    assertThat(counts).hasSize(2000).allSatisfy((id, n) -> assertThat(n).as(id).isEqualTo(1));
    assertThat(LakeFiles.completed(lake)).allMatch(f -> f.getFileName().toString().matches("events\\+[0-2]-\\d{20}-\\d{20}\\.ndjson\\.gz"));
  }

  @Test
  void badSettingsExitTwoWithAMessageAndStartNothing() throws Exception {
    Path log = dir.resolve("bad.log");
    assertThat(ServeProcess.run(log, Map.of(), "sink", "--topics", "events")).isEqualTo(ExitCodes.USAGE);
    assertThat(Files.readString(log)).contains("tributary sink: kafka is not set");
    assertThat(ServeProcess.run(log, Map.of(), "sink", "--kafka", "127.0.0.1:1", "--max-file-age", "2h"))
        .isEqualTo(ExitCodes.USAGE);
    assertThat(Files.readString(log)).contains("setting 'max_file_age' from flag --max-file-age: invalid value '2h'; accepted: "
        + "a duration above 0 and at most 1h");
    assertThat(ServeProcess.run(log, Map.of("TRIBUTARY_FORMAT", "csv"), "sink", "--kafka", "127.0.0.1:1"))
        .isEqualTo(ExitCodes.USAGE);
    assertThat(Files.readString(log)).contains("setting 'format' from environment variable TRIBUTARY_FORMAT: invalid value 'csv'");
    assertThat(ServeProcess.run(log, Map.of(), "sink", "--kafka", "127.0.0.1:1", "--topics", "/[/")).isEqualTo(ExitCodes.USAGE);
    assertThat(Files.readString(log)).contains("topics pattern /[/ is not a valid regex");
  }

  private static int post(int port, String ndjson) throws Exception {
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/events"))
        .header("Content-Type", "application/x-ndjson").POST(HttpRequest.BodyPublishers.ofString(ndjson)).build();
    return HTTP.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  private static String get(int port, String path) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
        HttpResponse.BodyHandlers.ofString()).body();
  }

  private static String metrics(int port) throws Exception {
    return get(port, "/metrics");
  }
}
