package dev.tributary.server;

import static dev.tributary.server.KafkaTopics.eventIds;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tributary.spool.Spool;
import dev.tributary.spool.SpoolConfig;
import dev.tributary.spool.SpoolInspector;
import dev.tributary.testkit.KafkaExtension;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class DrainCommandTest {
  @RegisterExtension static final KafkaExtension kafka = KafkaExtension.broker();

  @TempDir Path dir;

  record Result(int exit, String out, String err) {}

  static Result run(Object command, String... args) {
    StringWriter out = new StringWriter(), err = new StringWriter();
    CommandLine cli = new CommandLine(command);
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    int exit = cli.execute(args);
    return new Result(exit, out.toString(), err.toString());
  }

  static Result drain(String... args) {
    Result r = run(new DrainCommand(), args);
    System.out.print(r.out());
    return r;
  }

  static List<String> ids(String prefix, int count) {
    List<String> out = new ArrayList<>();
    for (int n = 0; n < count; n++) out.add(prefix + "-" + n);
    return out;
  }

  static void writeClosedSpool(Path spoolDir, String prefix, int count, int padding) throws Exception {
    try (Spool spool = Spool.open(SpoolConfig.defaults(spoolDir).withSegmentBytes(4L << 20))) {
      List<byte[]> batch = new ArrayList<>();
      for (int n = 0; n < count; n++) {
        batch.add(KafkaTopics.event(prefix + "-" + n, padding));
        if (batch.size() == 1000 || n == count - 1) {
          spool.append(batch).get();
          batch = new ArrayList<>();
        }
      }
    }
  }

  static long forwarderPosition(Path spoolDir) throws Exception {
    return SpoolInspector.examine(spoolDir, SpoolInspector.Progress.NONE).cursors().stream().filter(c -> c.name().equals("forwarder"))
        .mapToLong(SpoolInspector.CursorReport::position).findFirst().orElse(0);
  }

  @Test
  void aSpoolIsRefusedWhileItsOwnerLivesAndDrainedIntoKafkaOnceEachAfterTheOwnerIsKilled() throws Exception {
    Path spool = dir.resolve("node-1").resolve("spool");
    Files.createDirectories(spool);
    try (ChildJvm owner = ChildJvm.start(dir.resolve("owner.log"), ChildJvm.SpoolOwner.class, spool.toString(), "5000", "k")) {
      owner.awaitOutput("ready");

      Result refused = drain("--spool", spool.toString(), "--kafka", kafka.bootstrapServers(), "--topic", "orphan");
      assertThat(refused.exit()).isEqualTo(ExitCodes.FAILURE);
      assertThat(refused.err()).contains("held by a live process (PID " + owner.process.pid() + ")");

      owner.kill();
    }
    Result drained = drain("--spool", spool.toString(), "--kafka", kafka.bootstrapServers(), "--topic", "orphan", "--remove",
        "--progress-interval-ms", "1");

    assertThat(drained.exit()).as(drained.err()).isEqualTo(ExitCodes.OK);
    assertThat(drained.out()).contains("drained spool", "5,000 records", "0 dead letter(s)", "removed " + spool).hasLineCount(1);
    assertThat(drained.err().lines()).as(drained.err()).isNotEmpty().allMatch(l -> l.startsWith("tributary drain: "));
    assertThat(drained.err().lines().toList().getLast()).startsWith("tributary drain: 5,000 / 5,000 records (100%)").contains(", in ");
    assertThat(spool).doesNotExist();
    var records = KafkaTopics.readAll(kafka.bootstrapServers(), "orphan");
    assertThat(records).extracting(r -> KafkaTopics.header(r, "event_id")).containsExactlyInAnyOrderElementsOf(ids("k", 5000));
    assertThat(records).extracting(r -> KafkaTopics.header(r, "capture_node")).containsOnly("node-1");
  }

  @Test
  void aDrainStoppedBySigtermLosesNothingAndTheNextRunFinishesIt() throws Exception {
    Path spool = dir.resolve("node-2").resolve("spool");
    int count = 40_000;
    writeClosedSpool(spool, "s", count, 200);
    // Uncompressed 2 KiB batches, one request at a time: slow enough to stop it half way.
    try (ChildJvm drain = ChildJvm.start(dir.resolve("drain.log"), Tributary.class, "drain", "--spool", spool.toString(),
        "--kafka", kafka.bootstrapServers(), "--topic", "stopped", "--producer-property", "compression.type=none",
        "--producer-property", "batch.size=2048")) {
      Awaitility.await("forwarding under way").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(20))
          .until(() -> forwarderPosition(spool) > 0);
      int exit = drain.terminate();
      System.out.println(drain.output());
      assertThat(exit).isEqualTo(ExitCodes.DRAIN_INCOMPLETE);
      assertThat(drain.output()).contains("NOT fully drained (SIGTERM)", "The spool is intact");
    }
    long stoppedAt = forwarderPosition(spool);
    assertThat(stoppedAt).isBetween(1L, count - 1L);

    Result rest = drain("--spool", spool.toString(), "--kafka", kafka.bootstrapServers(), "--topic", "stopped");

    assertThat(rest.exit()).as(rest.err()).isEqualTo(ExitCodes.OK);
    assertThat(rest.out()).contains(String.format("%,d records", count - stoppedAt), "can be removed");
    List<String> inKafka = eventIds(kafka.bootstrapServers(), "stopped");
    assertThat(new HashSet<>(inKafka)).containsExactlyInAnyOrderElementsOf(ids("s", count));
    Set<String> seen = new HashSet<>();
    List<String> duplicated = inKafka.stream().filter(id -> !seen.add(id)).toList();
    System.out.printf("stopped at %d of %d; %d duplicates in Kafka: %s%n", stoppedAt, count, duplicated.size(), duplicated);
    // The stop gives the producer 5 s, then fails what it still holds; only the one request then in
    // flight (2 KiB here) can have reached Kafka unacknowledged, and it is sent again.
    assertThat(duplicated).hasSizeLessThanOrEqualTo(10)
        .allSatisfy(id -> assertThat(Long.parseLong(id.substring(2))).isGreaterThanOrEqualTo(stoppedAt));
  }

  @Test
  void watchDrainsSpoolsThatAppearOrAreReleasedAndLeavesHeldOnesAlone() throws Exception {
    Path root = Files.createDirectories(dir.resolve("root"));
    Path held = root.resolve("node-a").resolve("spool");
    Spool live = Spool.open(SpoolConfig.defaults(held));
    try (ChildJvm watch = ChildJvm.start(dir.resolve("watch.log"), Tributary.class, "drain", "--watch", root.toString(),
        "--kafka", kafka.bootstrapServers(), "--topic", "watched", "--scan-interval", "1s")) {
      live.append(List.of(KafkaTopics.event("a-0", 10), KafkaTopics.event("a-1", 10))).get();
      watch.awaitOutput("spool " + held + " is held by a live process");

      Path staged = dir.resolve("staging").resolve("node-b");
      writeClosedSpool(staged.resolve("spool"), "b", 3000, 100);
      Files.move(staged, root.resolve("node-b"));
      Awaitility.await("node-b's events in Kafka").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1))
          .until(() -> topicHolds("watched", 3000));
      assertThat(new HashSet<>(eventIds(kafka.bootstrapServers(), "watched"))).isEqualTo(Set.copyOf(ids("b", 3000)));

      live.close();
      Awaitility.await("node-a's events in Kafka once its owner let go").atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofSeconds(1)).until(() -> topicHolds("watched", 3002));

      assertThat(watch.terminate()).as(watch.output()).isZero();
      System.out.println(watch.output());
      assertThat(watch.output()).contains("drained spool " + root.resolve("node-b").resolve("spool"), "drained spool " + held,
          "watch of " + root + " stopped (SIGTERM)");
    } finally {
      live.close();
    }
    // The dead-letter spools the drains created beside each spool were not forwarded as events.
    assertThat(eventIds(kafka.bootstrapServers(), "watched")).hasSize(3002).contains("a-0", "a-1");
    assertThat(root.resolve("node-b").resolve("dead-letters")).isDirectory();
  }

  private static boolean topicHolds(String topic, int records) {
    try {
      return eventIds(kafka.bootstrapServers(), topic).size() >= records;
    } catch (RuntimeException e) {
      return false;
    }
  }

  @Test
  void aMissingOrNonSpoolDirectoryIsRefusedAndNothingIsCreated() throws Exception {
    Path missing = dir.resolve("nope");
    Result r = drain("--spool", missing.toString(), "--kafka", "127.0.0.1:1");
    assertThat(r.exit()).isEqualTo(ExitCodes.FAILURE);
    assertThat(r.err()).contains("no spool at " + missing);
    assertThat(missing).doesNotExist();

    Path empty = Files.createDirectories(dir.resolve("empty"));
    r = drain("--spool", empty.toString(), "--kafka", "127.0.0.1:1");
    assertThat(r.exit()).isEqualTo(ExitCodes.FAILURE);
    assertThat(r.err()).contains("is not a spool directory");
    assertThat(empty).isEmptyDirectory();

    r = drain("--spool", empty.toString(), "--watch", empty.toString(), "--kafka", "127.0.0.1:1");
    assertThat(r.exit()).isEqualTo(ExitCodes.USAGE);
  }

  @Test
  void drainAndReplayTakeTheirKafkaSettingsFromTheFileAndTheEnvironmentWithProducerPropertiesPassedThrough() throws Exception {
    Path file = dir.resolve("drain.yaml");
    Files.writeString(file, "topic: events.{event}\ndrain_timeout: 1m30s\nkafka_producer:\n  security.protocol: SASL_SSL\n"
        + "  sasl.jaas.config: x password=\"${DRAIN_TEST_PW}\";\n");
    DrainSettings s = DrainSettings.resolve(DrainSettings.DRAIN_SCHEMA, file,
        java.util.Map.of("TRIBUTARY_KAFKA", "k:9092", "DRAIN_TEST_PW", "pw-7"), java.util.Map.of("scan_interval", "1m"),
        java.util.Map.of("compression.type", "zstd"));
    assertThat(s.kafka()).isEqualTo("k:9092");
    assertThat(s.topic()).isEqualTo("events.{event}");
    assertThat(s.drainTimeout()).isEqualTo(Duration.ofSeconds(90));
    assertThat(s.scanInterval()).isEqualTo(Duration.ofMinutes(1));
    assertThat(s.producerProperties()).containsEntry("sasl.jaas.config", "x password=\"pw-7\";")
        .containsEntry("compression.type", "zstd").containsEntry("security.protocol", "SASL_SSL");
    assertThat(s.describe()).contains("drain_timeout: 1m30s   # config file " + file, "kafka: k:9092   # environment variable TRIBUTARY_KAFKA")
        .doesNotContain("pw-7");

    Result noKafka = drain("--spool", dir.toString());
    assertThat(noKafka.exit()).isEqualTo(ExitCodes.USAGE);
    assertThat(noKafka.err()).contains("kafka is not set; set it (--kafka, TRIBUTARY_KAFKA or 'kafka:' in the config file)");
    Files.writeString(file, "drain_timeout: 1m30s\n");
    Result replayKey = run(new DeadLettersCommand(), "replay", "--dir", dir.toString(), "--kafka", "k:9092", "--config", file.toString());
    assertThat(replayKey.exit()).as("replay has no drain_timeout").isEqualTo(ExitCodes.USAGE);
    assertThat(replayKey.err()).contains("unknown key 'drain_timeout' for tributary dead-letters;");
    Result badInterval = drain("--spool", dir.toString(), "--kafka", "k:9092", "--scan-interval", "0s");
    assertThat(badInterval.exit()).isEqualTo(ExitCodes.USAGE);
    assertThat(badInterval.err()).contains("setting 'scan_interval' from flag --scan-interval: invalid value '0s'");
  }
}
