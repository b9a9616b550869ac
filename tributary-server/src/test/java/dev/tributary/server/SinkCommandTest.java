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
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
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

  /**
   * As an orchestrator starts things, all at once: the sink before Kafka answers, then before its
   * topic exists. It waits, not ready and saying why, never creates the topic it reads, and lands
   * the events once capture has created the topic.
   */
  @Test
  void aSinkStartedBeforeKafkaAndItsTopicWaitsNotReadySayingWhyThenLandsTheEvents() throws Exception {
    int capturePort = ServeProcess.freePort();
    int sinkPort = ServeProcess.freePort();
    kafka.firstBroker().stopGracefully();
    try (ServeProcess sink = ServeProcess.start(dir.resolve("sink.log"), Map.of(), "sink", "--kafka", kafka.bootstrapServers(),
        "--topics", "late.events", "--lake", dir.resolve("lake").toString(), "--port", String.valueOf(sinkPort), "--group", "sink-late",
        "--max-file-age", "1s")) {
      long started = System.nanoTime();
      HttpResponse<String> unreachable = awaitReadiness(sinkPort, "Kafka at " + kafka.bootstrapServers() + " unreachable");
      long saidMillis = (System.nanoTime() - started) / 1_000_000;
      System.out.printf("sink start to 'Kafka unreachable' in /health/ready: %d ms%n", saidMillis);
      assertThat(saidMillis).as("said within a few seconds of the start").isLessThan(15_000);
      assertThat(unreachable.statusCode()).isEqualTo(503);
      assertThat(unreachable.body()).contains("\"status\":\"not_ready\"", "\"reason\":\"sink: Kafka at");
      Awaitility.await("the log says so").atMost(Duration.ofSeconds(10)).until(() -> sink.output().contains("unreachable"));

      kafka.firstBroker().restart();
      HttpResponse<String> waiting = awaitReadiness(sinkPort, "waiting for topics late.events to exist");
      assertThat(waiting.statusCode()).isEqualTo(503);
      assertThat(topics()).as("a topic the sink only reads is never created").doesNotContain("late.events");

      try (ServeProcess serve = ServeProcess.start(dir.resolve("serve.log"), Map.of(), "serve", "--port", String.valueOf(capturePort),
          "--data-dir", dir.resolve("data").toString(), "--kafka", kafka.bootstrapServers(), "--topic", "late.events")) {
        serve.awaitReady(capturePort);
        StringBuilder body = new StringBuilder();
        for (int i = 0; i < 300; i++) body.append("{\"event\":\"signup\",\"event_id\":\"late-").append(i).append("\"}\n");
        assertThat(post(capturePort, body.toString())).isEqualTo(200);
        sink.awaitReady(sinkPort);
        Awaitility.await("300 events in the lake").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250))
            .until(() -> metrics(sinkPort).contains("tributary_lake_events_written_total 300.0"));
        assertThat(serve.terminate(Duration.ofSeconds(60))).isZero();
      }
      assertThat(sink.alive()).isTrue();
      assertThat(sink.terminate(Duration.ofSeconds(60))).isZero();
      assertThat(sink.output().split("unreachable", -1)).as("logged once, not once per retry").hasSize(2);
    } finally {
      if (!kafka.firstBroker().isRunning()) kafka.firstBroker().restart();
    }
    assertThat(LakeFiles.eventIdCounts(dir.resolve("lake"))).hasSize(300).allSatisfy((id, n) -> assertThat(n).as(id).isEqualTo(1));
  }

  private static java.util.Set<String> topics() throws Exception {
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
      return admin.listTopics().names().get(30, java.util.concurrent.TimeUnit.SECONDS);
    }
  }

  private static HttpResponse<String> awaitReadiness(int port, String text) {
    return Awaitility.await("/health/ready saying " + text).atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
        .ignoreExceptions().until(() -> HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health/ready")).build(),
            HttpResponse.BodyHandlers.ofString()), r -> r.body().contains(text));
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
