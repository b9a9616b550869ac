package dev.tributary.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tributary.testkit.KafkaExtension;
import dev.tributary.testkit.TopicReader;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code tributary refine} as a user runs it, behind a real {@code serve --kafka}: a client's
 * retries of the same event_id reach the raw topic twice and the refined topic once; health,
 * metrics and SIGTERM; settings refused with exit 2 before anything starts. With a sink behind it,
 * the three hold docs/operations.md's metrics reference true.
 */
class RefineCommandTest {
  @RegisterExtension static final KafkaExtension kafka = KafkaExtension.broker().withProperty("num.partitions", "3");
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  @TempDir Path dir;
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  @Test
  void clientRetriesThroughCaptureLandOnceInTheRefinedTopic() throws Exception {
    int servePort = ServeProcess.freePort();
    int refinePort = ServeProcess.freePort();
    try (ServeProcess serve = ServeProcess.start(dir.resolve("serve.log"), Map.of(), "serve", "--port", String.valueOf(servePort),
        "--data-dir", dir.resolve("data").toString(), "--kafka", kafka.bootstrapServers(), "--topic", "cli.raw", "--lake-too")) {
      serve.awaitReady(servePort);
      for (int i = 0; i < 200; i++) {
        String event = "{\"event\":\"signup\",\"event_id\":\"id-" + i + "\",\"distinct_id\":\"u" + (i % 13) + "\"}";
        assertThat(post(servePort, event)).isEqualTo(200);
        if (i % 4 == 0) assertThat(post(servePort, event)).as("the client's retry after a lost answer").isEqualTo(200);
      }
      Awaitility.await("250 raw records").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(300))
          .until(() -> TopicReader.readAll(kafka.bootstrapServers(), "cli.raw").size() >= 250);

      try (ServeProcess refine = ServeProcess.start(dir.resolve("refine.log"), Map.of("TRIBUTARY_DEDUP_WINDOW", "1h"), "refine",
          "--kafka", kafka.bootstrapServers(), "--input", "cli.raw", "--output", "cli.refined", "--port", String.valueOf(refinePort),
          "--state-dir", dir.resolve("refine").toString(), "--streams-property", "commit.interval.ms=100")) {
        refine.awaitReady(refinePort);
        Awaitility.await("200 refined records").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(300))
            .until(() -> TopicReader.readCommitted(kafka.bootstrapServers(), "cli.refined").size() >= 200);
        assertThat(get(refinePort, "/metrics")).contains("tributary_refine_duplicates_dropped_total 50.0",
            "tributary_refine_streams_state{state=\"RUNNING\"} 1.0", "tributary_refine_end_to_end_delay_seconds_count 200");
        AlertRules.assertExported("tributary-refine", get(refinePort, "/metrics"));
        assertThat(get(refinePort, "/health/live")).contains("RUNNING");
        assertMetricsReferenceHolds(servePort, refinePort);
        assertThat(refine.terminate(Duration.ofSeconds(60))).as("exit status after SIGTERM").isZero();
        assertThat(refine.output()).contains("dedup window 3600 s", "refine closed")
            .as("Kafka Streams' advice at every start is taken").doesNotContain("Processing exception handler is not enabled");
      }
      assertThat(serve.terminate(Duration.ofSeconds(60))).isZero();
    }
    List<ConsumerRecord<byte[], byte[]>> refined = TopicReader.readCommitted(kafka.bootstrapServers(), "cli.refined");
    Map<String, Long> perId = refined.stream().collect(Collectors.groupingBy(r -> TopicReader.header(r, "event_id"), Collectors.counting()));
    assertThat(perId).hasSize(200);
    assertThat(perId.values()).containsOnly(1L);
  }

  /**
   * A rolling deploy restarts refine with SIGTERM: the new instance must not wait out the old
   * member's session (45 s by default) before it gets the partitions, nor find its state corrupted.
   */
  @Test
  void aRefineRestartedAfterSigtermRunsWellWithinTheSessionTimeout() throws Exception {
    int servePort = ServeProcess.freePort();
    int refinePort = ServeProcess.freePort();
    String[] refineArgs = {"refine", "--kafka", kafka.bootstrapServers(), "--input", "restart.raw", "--output", "restart.refined",
        "--port", String.valueOf(refinePort), "--state-dir", dir.resolve("refine").toString(), "--application-id", "restart-refine"};
    try (ServeProcess serve = ServeProcess.start(dir.resolve("serve.log"), Map.of(), "serve", "--port", String.valueOf(servePort),
        "--data-dir", dir.resolve("data").toString(), "--kafka", kafka.bootstrapServers(), "--topic", "restart.raw")) {
      serve.awaitReady(servePort);
      postSignups(servePort, 0, 100);
      try (ServeProcess first = ServeProcess.start(dir.resolve("refine-1.log"), Map.of(), refineArgs)) {
        first.awaitReady(refinePort);
        awaitRefined("restart.refined", 100);
        long signalled = System.nanoTime();
        assertThat(first.terminate(Duration.ofSeconds(60))).as("exit status after SIGTERM").isZero();
        long stopMillis = (System.nanoTime() - signalled) / 1_000_000;
        postSignups(servePort, 100, 200);
        long started = System.nanoTime();
        try (ServeProcess second = ServeProcess.start(dir.resolve("refine-2.log"), Map.of(), refineArgs)) {
          second.awaitReady(refinePort);
          long readyMillis = (System.nanoTime() - started) / 1_000_000;
          System.out.printf("refine restart: SIGTERM to exit %d ms, restarted process start to RUNNING %d ms%n", stopMillis, readyMillis);
          assertThat(readyMillis).as("start to RUNNING after a restart, against a 45 s session timeout").isLessThan(22_500);
          awaitRefined("restart.refined", 200);
          assertThat(second.terminate(Duration.ofSeconds(60))).isZero();
          assertThat(first.output() + second.output()).doesNotContain("corrupted");
        }
      }
      assertThat(serve.terminate(Duration.ofSeconds(60))).isZero();
    }
  }

  /**
   * With serve (--kafka --lake-too) and refine running, and a sink on the refined topic that
   * publishes a file every second: docs/operations.md lists exactly the tributary_ metrics the three
   * export, every latency is a histogram with buckets, and the JVM, process and Kafka client meters
   * are there.
   */
  private void assertMetricsReferenceHolds(int servePort, int refinePort) throws Exception {
    int sinkPort = ServeProcess.freePort();
    try (ServeProcess sink = ServeProcess.start(dir.resolve("sink.log"), Map.of("TRIBUTARY_MAX_FILE_AGE", "1s"), "sink",
        "--kafka", kafka.bootstrapServers(), "--topics", "cli.refined", "--lake", dir.resolve("lake").toString(),
        "--port", String.valueOf(sinkPort), "--group", "metrics-reference")) {
      sink.awaitReady(sinkPort);
      Awaitility.await("a lake file published, and the consumer's lag per partition").atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(300)).until(() -> {
            String text = get(sinkPort, "/metrics");
            return text.contains("tributary_lake_events_written_total 200.0") && !text.contains("tributary_lake_freshness_seconds_count 0")
                && Pattern.compile("(?m)^kafka_consumer_fetch_manager_records_lag\\{.*partition=\"0\",topic=\"cli.refined\"} 0").matcher(text).find();
          });
      Map<String, String> metrics = Map.of("serve", get(servePort, "/metrics"), "refine", get(refinePort, "/metrics"),
          "sink", get(sinkPort, "/metrics"));
      MetricsReference.assertMatches(metrics, Map.of(
          "tributary_forwarder_errors_total", "only after a failed send",
          "tributary_bus_", "no bus runs here",
          "tributary_journal_replicator_", "journal replicate is not started here"));
      metrics.forEach((command, text) -> assertThat(text).as(command + "'s /metrics")
          .containsPattern("(?m)^tributary_build_info\\{command=\"" + command + "\",java_version=\"[^\"]+\",version=\""
              + Pattern.quote(Tributary.VERSION) + "\"} 1")
          .containsPattern("(?m)^jvm_memory_used_bytes\\{").containsPattern("(?m)^process_cpu_usage ")
          .as(command + ": every latency a histogram, which sums across instances; no summaries").doesNotContainPattern("(?m)^# TYPE \\w+ summary$"));
      assertThat(metrics.get("serve")).containsPattern("(?m)^kafka_producer_record_error_total\\{")
          .as("an acknowledgement and a forward per accepted request, in buckets")
          .contains("tributary_capture_ack_seconds_bucket{le=\"0.001\"} ", "tributary_capture_ack_seconds_bucket{le=\"+Inf\"} 250\n",
              "tributary_forwarder_delay_seconds_bucket{le=\"0.1\"} ", "tributary_forwarder_delay_seconds_bucket{le=\"+Inf\"} 250\n");
      assertThat(metrics.get("refine")).containsPattern("(?m)^kafka_consumer_fetch_manager_records_consumed_total\\{")
          .containsPattern("(?m)^kafka_stream_")
          .contains("tributary_refine_end_to_end_delay_seconds_bucket{le=\"1.0\"} ",
              "tributary_refine_end_to_end_delay_seconds_bucket{le=\"+Inf\"} 200\n");
      assertThat(metrics.get("sink")).containsPattern("(?m)^kafka_consumer_fetch_manager_records_consumed_total\\{")
          .containsPattern("(?m)^tributary_lake_freshness_seconds_bucket\\{le=\"60\\.0\"} \\d+$")
          .containsPattern("(?m)^tributary_lake_freshness_seconds_bucket\\{le=\"\\+Inf\"} [1-9]")
          .containsPattern("(?m)^tributary_lake_complete_up_to_timestamp_seconds\\{partition=\"0\",topic=\"cli.refined\"} ");
      assertThat(sink.terminate(Duration.ofSeconds(60))).as("sink's exit status after SIGTERM").isZero();
    }
  }

  @Test
  void wrongSettingsStopTheStartWithStatus2AndSayWhy() throws Exception {
    assertThat(run("refine")).isEqualTo(ExitCodes.USAGE);
    assertThat(err.toString()).contains("kafka is required");
    assertThat(run("refine", "--kafka", "k:9092", "--reorder", "soon")).isEqualTo(ExitCodes.USAGE);
    assertThat(err.toString()).contains("'reorder'", "flag --reorder", "off, or a duration like 20s");
    assertThat(run("refine", "--kafka", "k:9092", "--replication-factor", "0")).isEqualTo(ExitCodes.USAGE);
    assertThat(err.toString()).contains("'replication_factor'", "flag --replication-factor", "broker (the broker's default.replication.factor)");
    assertThat(run("refine", "--kafka", "k:9092", "--input", "a,b", "--output", "b")).isEqualTo(ExitCodes.USAGE);
    assertThat(err.toString()).contains("the output topic 'b' is also an input topic");
    Path file = dir.resolve("refine.yaml");
    Files.writeString(file, "kafka: k:9092\nreorder: 20s\ntopic: events\n");
    assertThat(run("refine", "--config", file.toString())).isEqualTo(ExitCodes.USAGE);
    assertThat(err.toString()).contains("unknown key 'topic'", "input, output");
    assertThat(dir.resolve("tributary-data")).doesNotExist();
  }

  @Test
  void printConfigShowsWhereEachValueCameFrom() throws Exception {
    Path file = dir.resolve("refine.yaml");
    Files.writeString(file, "kafka: k:9092\nreorder: 20s\nkafka_streams:\n  num.stream.threads: 2\n");
    assertThat(run("refine", "--config", file.toString(), "--port", "9100", "--print-config")).isZero();
    assertThat(out.toString()).contains("reorder: 20s   # config file", "port: 9100   # flag --port", "dedup_window: 24h   # default",
        "output: events.refined   # default", "replication_factor: broker   # default", "num.stream.threads: 2   # config file");
  }

  /** As an orchestrator starts the stages, all at once: refine before capture has created the raw topic. */
  @Test
  void refineStartedBeforeItsInputTopicWaitsNotReadyAndSaysWhyThenRefines() throws Exception {
    int servePort = ServeProcess.freePort();
    int refinePort = ServeProcess.freePort();
    try (ServeProcess refine = ServeProcess.start(dir.resolve("refine.log"), Map.of(), "refine", "--kafka", kafka.bootstrapServers(),
        "--input", "early.raw", "--output", "early.refined", "--port", String.valueOf(refinePort), "--state-dir", dir.resolve("refine").toString(),
        "--application-id", "early-refine")) {
      HttpResponse<String> waiting = awaitReadiness(refinePort, "waiting for input topic 'early.raw' to exist");
      assertThat(waiting.statusCode()).isEqualTo(503);
      assertThat(waiting.body()).contains("\"status\":\"not_ready\"", "streams: waiting for input topic 'early.raw' to exist on "
          + kafka.bootstrapServers());
      assertThat(refine.alive()).as("refine waits rather than exits").isTrue();
      try (ServeProcess serve = ServeProcess.start(dir.resolve("serve.log"), Map.of(), "serve", "--port", String.valueOf(servePort),
          "--data-dir", dir.resolve("data").toString(), "--kafka", kafka.bootstrapServers(), "--topic", "early.raw")) {
        serve.awaitReady(servePort);
        postSignups(servePort, 0, 50);
        refine.awaitReady(refinePort);
        awaitRefined("early.refined", 50);
        assertThat(serve.terminate(Duration.ofSeconds(60))).isZero();
      }
      assertThat(refine.terminate(Duration.ofSeconds(60))).isZero();
      String log = refine.output();
      assertThat(log).contains("the input topics [early.raw] exist now");
      assertThat(log.split("waiting for input topic 'early.raw'", -1)).as("the wait is logged once, not once per retry").hasSize(2);
    }
  }

  /**
   * Partitions added to the raw topic move keys (murmur2(key) mod partitions), so a copy sent after
   * the change can land in another partition than its original, whose dedup state never saw it; and
   * Kafka Streams stops refine at once, its dedup changelog having the old count. The test shows both,
   * that a restarted refine then waits saying why rather than crash-looping, and the way out of
   * docs/refine.md ("Adding partitions"): refine's changelog and state deleted, its committed offsets
   * kept; events sent after the change are then deduplicated again, copies that straddle it are not.
   */
  @Test
  void partitionsAddedToTheRawTopicStopRefineWhichWaitsSayingWhyAndDedupsNewEventsOnceItsStateIsRebuilt() throws Exception {
    int servePort = ServeProcess.freePort();
    int refinePort = ServeProcess.freePort();
    String bootstrap = kafka.bootstrapServers();
    // Both clients notice the new partitions within a second, not at the default 5 minutes.
    String[] refineArgs = {"refine", "--kafka", bootstrap, "--input", "grow.raw", "--output", "grow.refined", "--port",
        String.valueOf(refinePort), "--state-dir", dir.resolve("refine").toString(), "--application-id", "grow-refine",
        "--streams-property", "metadata.max.age.ms=1000", "--streams-property", "commit.interval.ms=100"};
    try (ServeProcess serve = ServeProcess.start(dir.resolve("serve.log"), Map.of(), "serve", "--port", String.valueOf(servePort),
        "--data-dir", dir.resolve("data").toString(), "--kafka", bootstrap, "--topic", "grow.raw", "--partitions", "2",
        "--producer-property", "metadata.max.age.ms=1000")) {
      serve.awaitReady(servePort);
      try (ServeProcess refine = ServeProcess.start(dir.resolve("refine-1.log"), Map.of(), refineArgs)) {
        refine.awaitReady(refinePort);
        assertThat(post(servePort, signups("before", 100))).isEqualTo(200);
        awaitRefined("grow.refined", 100);
        try (Admin admin = Admin.create(Map.<String, Object>of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
          admin.createPartitions(Map.of("grow.raw", NewPartitions.increaseTo(4))).all().get();
        }
        assertThat(refine.awaitExit(Duration.ofSeconds(60))).as("refine's exit status once it sees the new partitions").isEqualTo(1);
        assertThat(refine.output()).contains("Existing internal topic grow-refine-dedup-changelog has invalid partitions: expected: 4; actual: 2");
      }
      int[] probes = {0};
      Awaitility.await("the forwarder writing to the new partitions").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
          .until(() -> {
            assertThat(post(servePort, signups("probe" + probes[0]++, 1))).isEqualTo(200);
            return TopicReader.readAll(bootstrap, "grow.raw").stream().anyMatch(r -> r.partition() >= 2);
          });
      assertThat(post(servePort, signups("before", 100))).as("a client retrying the first 100 after the change").isEqualTo(200);
      assertThat(post(servePort, signups("after", 100))).isEqualTo(200);
      assertThat(post(servePort, signups("after", 100))).as("its retries of events sent after the change").isEqualTo(200);

      try (ServeProcess refine = ServeProcess.start(dir.resolve("refine-2.log"), Map.of(), refineArgs)) {
        HttpResponse<String> waiting = awaitReadiness(refinePort, "partitions were added to the input");
        assertThat(waiting.statusCode()).isEqualTo(503);
        assertThat(waiting.body()).contains("the input topics [grow.raw] have 4 partitions, refine's state (grow-refine-dedup-changelog) 2");
        assertThat(refine.alive()).as("refine waits for the operator rather than exits").isTrue();
        assertThat(refine.terminate(Duration.ofSeconds(60))).isZero();
      }
      try (Admin admin = Admin.create(Map.<String, Object>of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
        admin.deleteTopics(List.of("grow-refine-dedup-changelog")).all().get();
      }
      try (var files = Files.walk(dir.resolve("refine"))) {
        for (Path f : files.sorted(java.util.Comparator.reverseOrder()).toList()) Files.delete(f);
      }
      try (ServeProcess refine = ServeProcess.start(dir.resolve("refine-3.log"), Map.of(), refineArgs)) {
        refine.awaitReady(refinePort);
        awaitRefined("grow.refined", 300 + probes[0]);
        assertThat(refine.terminate(Duration.ofSeconds(60))).isZero();
      }
      assertThat(serve.terminate(Duration.ofSeconds(60))).isZero();
    }
    Map<String, Long> refined = TopicReader.readCommitted(bootstrap, "grow.refined").stream()
        .collect(Collectors.groupingBy(r -> TopicReader.header(r, "event_id"), Collectors.counting()));
    Map<String, Set<Integer>> rawPartitions = TopicReader.readAll(bootstrap, "grow.raw").stream().collect(Collectors.groupingBy(
        r -> TopicReader.header(r, "event_id"), Collectors.mapping(ConsumerRecord::partition, Collectors.toSet())));
    long moved = rawPartitions.entrySet().stream().filter(e -> e.getKey().startsWith("before-") && e.getValue().size() > 1).count();
    System.out.printf("partition growth 2 -> 4: %d of 100 retries straddling it landed in another partition than their original%n", moved);
    assertThat(moved).as("copies moved to another partition, which dedup per partition cannot see").isPositive();
    assertThat(refined.entrySet().stream().filter(e -> e.getKey().startsWith("after-"))).as("events sent after the change, each twice")
        .hasSize(100).allMatch(e -> e.getValue() == 1);
    assertThat(refined.entrySet().stream().filter(e -> e.getKey().startsWith("before-"))).as("copies straddling the change")
        .hasSize(100).allMatch(e -> e.getValue() == 2);
  }

  /** A JSON array of {@code count} signups, event_id {@code <prefix>-<n>}, distinct_id {@code user-<n>}. */
  private static String signups(String prefix, int count) {
    return java.util.stream.IntStream.range(0, count).mapToObj(i -> "{\"event\":\"signup\",\"event_id\":\"" + prefix + "-" + i
        + "\",\"distinct_id\":\"user-" + i + "\"}").collect(Collectors.joining(",", "[", "]"));
  }

  private static HttpResponse<String> awaitReadiness(int port, String text) {
    return Awaitility.await("/health/ready saying " + text).atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
        .ignoreExceptions().until(() -> HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health/ready")).build(),
            HttpResponse.BodyHandlers.ofString()), r -> r.body().contains(text));
  }

  private static void postSignups(int port, int from, int to) throws Exception {
    for (int i = from; i < to; i++) {
      assertThat(post(port, "{\"event\":\"signup\",\"event_id\":\"id-" + i + "\",\"distinct_id\":\"u" + (i % 13) + "\"}")).isEqualTo(200);
    }
  }

  private static void awaitRefined(String topic, int count) {
    Awaitility.await(count + " refined records in " + topic).atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(300))
        .until(() -> TopicReader.readCommitted(kafka.bootstrapServers(), topic).size() >= count);
  }

  private int run(String... args) {
    CommandLine cli = Tributary.commandLine();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    return cli.execute(args);
  }

  private static int post(int port, String json) throws Exception {
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/events"))
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json)).build();
    return HTTP.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  private static String get(int port, String path) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
        HttpResponse.BodyHandlers.ofString()).body();
  }
}
