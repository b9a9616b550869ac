package dev.tributary.server;

import static dev.tributary.server.DrainCommandTest.run;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tributary.kafka.DeadLetters;
import dev.tributary.server.DrainCommandTest.Result;
import dev.tributary.spool.Spool;
import dev.tributary.spool.SpoolConfig;
import dev.tributary.testkit.KafkaExtension;
import dev.tributary.testkit.TopicConfigs;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

class DeadLettersCommandTest {
  @RegisterExtension static final KafkaExtension kafka = KafkaExtension.broker().withProperty("message.max.bytes", "100000");

  @TempDir Path dir;

  static Result deadLetters(String... args) {
    Result r = run(new DeadLettersCommand(), args);
    System.out.print(r.out());
    System.out.print(r.err());
    return r;
  }

  @Test
  void aRecordTooLargeForKafkaIsListedShownAndReplayedOnceTheTopicTakesIt() throws Exception {
    byte[] huge = incompressible("huge", 180_000);
    Path spool = dir.resolve("node-1").resolve("spool");
    try (Spool s = Spool.open(SpoolConfig.defaults(spool))) {
      List<byte[]> records = new ArrayList<>();
      for (int n = 0; n < 5; n++) records.add(KafkaTopics.event("small-" + n, 10));
      records.add(huge);
      for (int n = 5; n < 10; n++) records.add(KafkaTopics.event("small-" + n, 10));
      s.append(records).get();
    }
    Path dead = dir.resolve("node-1").resolve("dead-letters");

    Result drained = run(new DrainCommand(), "--spool", spool.toString(), "--kafka", kafka.bootstrapServers(), "--topic", "big");
    assertThat(drained.exit()).as(drained.err()).isZero();
    assertThat(drained.out()).contains("11 records", "1 dead letter(s) in " + dead, "tributary dead-letters list --dir " + dead);
    assertThat(KafkaTopics.eventIds(kafka.bootstrapServers(), "big")).hasSize(10).doesNotContain("huge");

    Result list = deadLetters("list", "--dir", dead.toString());
    assertThat(list.exit()).isZero();
    assertThat(list.out()).contains("big", String.valueOf(huge.length), "RecordTooLargeException", "1 dead letter(s) in " + dead);
    assertThat(list.out().lines().skip(1).findFirst().orElseThrow()).startsWith("0 ");

    Result show = deadLetters("show", "--dir", dead.toString(), "0");
    assertThat(show.exit()).isZero();
    assertThat(show.out()).contains("spool offset:  5", "topic:         big", "error:         org.apache.kafka.common.errors.RecordTooLargeException");
    assertThat(show.out().lines().toList()).contains(new String(huge, StandardCharsets.UTF_8));
    Result absent = deadLetters("show", "--dir", dead.toString(), "7");
    assertThat(absent.exit()).isEqualTo(ExitCodes.FAILURE);
    assertThat(absent.err()).contains("no dead letter at offset 7");

    try (DeadLetters held = DeadLetters.open(dead)) {
      Result refused = deadLetters("list", "--dir", dead.toString());
      assertThat(refused.exit()).isEqualTo(ExitCodes.FAILURE);
      assertThat(refused.err()).contains("held by a running process (PID " + ProcessHandle.current().pid() + ")");
    }

    Result stillTooLarge = deadLetters("replay", "--dir", dead.toString(), "--kafka", kafka.bootstrapServers(), "--topic", "big");
    assertThat(stillTooLarge.exit()).isEqualTo(ExitCodes.FAILURE);
    assertThat(stillTooLarge.out()).contains("0 delivered to Kafka, 1 refused again", "1 left in " + dead);
    assertThat(deadLetters("list", "--dir", dead.toString()).out()).contains("RecordTooLargeException", "1 dead letter(s)");

    TopicConfigs.set(kafka.bootstrapServers(), "big", "max.message.bytes", "2000000");
    // one file for replay and list alike: replay's Kafka keys do not trouble list
    Path config = Files.writeString(dir.resolve("dead-letters.yaml"),
        "dead_letters: " + dead + "\nkafka: " + kafka.bootstrapServers() + "\ntopic: big\n");
    Result replayed = deadLetters("replay", "--config", config.toString());

    assertThat(replayed.exit()).as(replayed.err()).isZero();
    assertThat(replayed.out()).contains("replayed 1 of 1 dead letter(s)", "1 delivered to Kafka, 0 refused again", "0 left");
    assertThat(deadLetters("list", "--config", config.toString()).out()).contains("0 dead letter(s) in " + dead);
    assertThat(KafkaTopics.eventIds(kafka.bootstrapServers(), "big")).hasSize(11).containsOnlyOnce("huge");
  }

  @Test
  void aLongReplayShowsItsProgressOnStderrWhileStdoutKeepsOnlyTheResult() throws Exception {
    int count = 60; // about 25 a second (replay sends one at a time and waits for each); the producer alone starts in more than 10 ms
    Path spool = dir.resolve("node-2").resolve("spool");
    try (Spool s = Spool.open(SpoolConfig.defaults(spool))) {
      List<byte[]> records = new ArrayList<>();
      for (int n = 0; n < count; n++) records.add(("{\"event_id\":\"untyped-" + n + "\",\"distinct_id\":\"u\"}").getBytes(StandardCharsets.UTF_8));
      s.append(records).get();
    }
    Path dead = dir.resolve("node-2").resolve("dead-letters");
    // without an event type, events.{event} routes nowhere: every record is set aside
    Result drained = run(new DrainCommand(), "--spool", spool.toString(), "--kafka", kafka.bootstrapServers(), "--topic", "events.{event}");
    assertThat(drained.out()).as(drained.err()).contains(count + " dead letter(s) in " + dead);

    Result replayed = deadLetters("replay", "--dir", dead.toString(), "--kafka", kafka.bootstrapServers(), "--topic", "untyped",
        "--progress-interval-ms", "10");

    assertThat(replayed.exit()).as(replayed.err()).isZero();
    assertThat(replayed.out()).matches("replayed 60 of 60 dead letter\\(s\\) in \\d+\\.\\d s: 60 delivered to Kafka, 0 refused again; 0 left in "
        + java.util.regex.Pattern.quote(dead.toString()) + "\n");
    List<String> lines = replayed.err().lines().toList();
    assertThat(lines).hasSizeGreaterThanOrEqualTo(2);
    java.util.regex.Pattern reading = java.util.regex.Pattern.compile(
        "tributary dead-letters replay: ([\\d,]+) / 60 records \\((\\d+)%\\), [\\d,]+ records/s(, ETA \\S+|, in \\d+\\.\\d s)?; 0 refused again");
    long last = 0;
    for (String line : lines) {
      var m = reading.matcher(line);
      assertThat(m.matches()).as(line).isTrue();
      long done = Long.parseLong(m.group(1).replace(",", ""));
      assertThat(done).isBetween(last, (long) count);
      assertThat(Long.parseLong(m.group(2))).isEqualTo(100 * done / count);
      last = done;
    }
    assertThat(lines.getLast()).contains("60 / 60 records (100%)", ", in ");
    assertThat(KafkaTopics.eventIds(kafka.bootstrapServers(), "untyped")).hasSize(count);
  }

  @Test
  void aMissingDirectoryOrACaptureSpoolIsRefusedClearlyAndLeftAsItWas() throws Exception {
    Path missing = dir.resolve("none");
    Result r = deadLetters("list", "--dir", missing.toString());
    assertThat(r.exit()).isEqualTo(ExitCodes.FAILURE);
    assertThat(r.err()).contains("no dead letters at " + missing);
    assertThat(missing).doesNotExist();

    Path capture = dir.resolve("spool");
    try (Spool s = Spool.open(SpoolConfig.defaults(capture))) {
      s.append(KafkaTopics.event("e-1", 1)).get();
      s.cursor("forwarder").close();
    }
    r = deadLetters("replay", "--dir", capture.toString(), "--kafka", kafka.bootstrapServers());
    assertThat(r.exit()).isEqualTo(ExitCodes.FAILURE);
    assertThat(r.err()).contains(capture + " is a capture spool, not a dead-letter spool");
    assertThat(capture.resolve("cursors").resolve("replay.cursor")).doesNotExist();

    Path empty = Files.createDirectories(dir.resolve("empty"));
    r = deadLetters("show", "--dir", empty.toString(), "0");
    assertThat(r.err()).contains("is not a spool directory");
    assertThat(empty).isEmptyDirectory();
  }

  @Test
  void listAndShowTakeTheDirectoryFromTheFileOrTheEnvironmentAndRefuseAnUnknownKey() throws Exception {
    Path fromFile = dir.resolve("from-file");
    Path config = Files.writeString(dir.resolve("dl.yaml"), "dead_letters: " + fromFile + "\n");
    for (List<String> sub : List.of(List.of("list"), List.of("show", "0"))) {
      List<String> args = new ArrayList<>(sub);
      args.addAll(List.of("--config", config.toString(), "--print-config"));
      Result printed = deadLetters(args.toArray(String[]::new));
      assertThat(printed.exit()).as(printed.err()).isZero();
      assertThat(printed.out()).contains("dead_letters: " + fromFile + "   # config file " + config);
    }
    Result shown = deadLetters("show", "--config", config.toString(), "0");
    assertThat(shown.exit()).isEqualTo(ExitCodes.FAILURE);
    assertThat(shown.err()).contains("no dead letters at " + fromFile);
    Path flag = dir.resolve("from-flag");
    assertThat(deadLetters("list", "--config", config.toString(), "--dir", flag.toString(), "--print-config").out())
        .contains("dead_letters: " + flag + "   # flag --dead-letters");

    DrainSettings env = DrainSettings.resolveWithoutKafka(DrainSettings.DEAD_LETTERS_SCHEMA, null,
        Map.of("TRIBUTARY_DEAD_LETTERS", fromFile.toString()), Map.of(), Map.of());
    assertThat(env.deadLetters()).isEqualTo(fromFile);
    assertThat(env.describe()).contains("dead_letters: " + fromFile + "   # environment variable TRIBUTARY_DEAD_LETTERS");

    Files.writeString(config, "dead_letter: " + fromFile + "\n");
    Result typo = deadLetters("list", "--config", config.toString());
    assertThat(typo.exit()).isEqualTo(ExitCodes.USAGE);
    assertThat(typo.err()).contains("unknown key 'dead_letter' for tributary dead-letters", "did you mean dead_letters?");
    Result none = deadLetters("show", "0");
    assertThat(none.exit()).isEqualTo(ExitCodes.USAGE);
    assertThat(none.err()).contains("dead_letters is not set; set it (--dir, TRIBUTARY_DEAD_LETTERS");
  }

  /** An event whose blob zstd cannot shrink below the broker's 100 000-byte limit (under the spool cursor's 256 KiB read buffer). */
  static byte[] incompressible(String eventId, int blobBytes) {
    byte[] random = new byte[blobBytes];
    new Random(42).nextBytes(random);
    return ("{\"event\":\"big\",\"event_id\":\"" + eventId + "\",\"blob\":\"" + Base64.getEncoder().encodeToString(random) + "\"}")
        .getBytes(StandardCharsets.UTF_8);
  }
}
