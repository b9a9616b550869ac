package dev.tributary.lake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tributary.spool.Spool;
import dev.tributary.spool.SpoolConfig;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SpoolLakeSinkTest {

  private static final Instant T0 = Instant.parse("2026-11-23T14:58:00.000Z");
  private static final Duration DRAIN = Duration.ofSeconds(30);

  @TempDir Path tmp;
  private Spool spool;
  private Path lake;
  private Path table;
  private MeterRegistry registry;
  private LakeConfig config;

  @BeforeEach
  void open() throws Exception {
    spool = Spool.open(SpoolConfig.defaults(tmp.resolve("spool")));
    lake = tmp.resolve("lake");
    table = lake.resolve("events");
    registry = new SimpleMeterRegistry();
    config = LakeConfig.defaults(LakeTarget.directory(lake));
  }

  @AfterEach
  void closeSpool() {
    spool.close();
  }

  private void append(byte[]... payloads) throws Exception {
    spool.append(List.of(payloads)).get();
  }

  private SpoolLakeSink start(LakeConfig c) throws Exception {
    return SpoolLakeSink.start(spool, c, registry);
  }

  private double count(String meter) {
    return registry.get(meter).counter().count();
  }

  @Test
  void eventsLandPartitionedByTypeAndHourWithExactlyTheirBytes() throws Exception {
    List<String> sent = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      String json = Events.json(i % 3 == 0 ? "signup" : "page_view", "e" + i, T0.plusSeconds(i), i);
      sent.add(json);
      append(json.getBytes(StandardCharsets.UTF_8));
    }
    try (SpoolLakeSink sink = start(config)) {
      assertThat(sink.drain(DRAIN)).isTrue();
    }
    assertThat(LakeFiles.temporary(lake)).isEmpty();
    Map<String, List<String>> byPartition = new TreeMap<>();
    for (Path f : LakeFiles.completed(table)) {
      byPartition.computeIfAbsent(table.relativize(f.getParent()).toString(), k -> new ArrayList<>())
          .addAll(LakeFiles.lines(f));
    }
    assertThat(byPartition.keySet()).containsExactly(
        "event_type=page_view/dt=2026-11-23/hour=14", "event_type=page_view/dt=2026-11-23/hour=15",
        "event_type=signup/dt=2026-11-23/hour=14", "event_type=signup/dt=2026-11-23/hour=15");
    Map<String, List<String>> expected = sent.stream().collect(Collectors.groupingBy(json -> {
      var e = (Placement.Event) Placement.of(json.getBytes(StandardCharsets.UTF_8));
      return table.relativize(new PartitionPath(table).ofEvent(e.type(), e.receivedAt())).toString();
    }, TreeMap::new, Collectors.toList()));
    assertThat(byPartition).isEqualTo(expected);
    assertThat(count("tributary.lake.events.written")).isEqualTo(300);
    assertThat(count("tributary.lake.files.completed")).isEqualTo(4);
    assertThat(registry.get("tributary.lake.lag").gauge().value()).isZero();
  }

  @Test
  void filesRollAtTheSizeBoundAndTogetherHoldEveryRecordInOrder() throws Exception {
    List<String> sent = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      String json = Events.json("click", "e" + i, T0, i);
      sent.add(json);
      append(json.getBytes(StandardCharsets.UTF_8));
    }
    try (SpoolLakeSink sink = start(config.withRollBytes(2_000))) {
      assertThat(sink.drain(DRAIN)).isTrue();
    }
    List<Path> files = LakeFiles.completed(table);
    assertThat(files).hasSizeGreaterThan(5);
    for (Path f : files) {
      assertThat(LakeFiles.lines(f).stream().mapToInt(l -> l.length() + 1).sum()).isLessThan(2_000 + 200);
    }
    assertThat(LakeFiles.completedLines(table)).containsExactlyElementsOf(sent);
  }

  @Test
  void anIdleOpenFileIsCompletedOnceItReachesTheAgeBound() throws Exception {
    SpoolLakeSink sink = start(config.withRollAge(Duration.ofMillis(300)));
    try {
      append(Events.bytes("click", "a", T0, 1), Events.bytes("click", "b", T0, 2));
      await().atMost(Duration.ofSeconds(10)).until(() -> LakeFiles.completedLines(table).size() == 2);
      assertThat(LakeFiles.temporary(table)).isEmpty();
      await().atMost(Duration.ofSeconds(10)).until(() -> registry.get("tributary.lake.lag").gauge().value() == 0);
    } finally {
      sink.close();
    }
  }

  @Test
  void aRestartAfterAnAbruptCloseLandsEveryRecordOnce() throws Exception {
    // "slow" keeps one file open from the first offset, so nothing can be acknowledged, while
    // "fast" completes many files: a restart re-reads them all and must skip what is landed.
    LakeConfig small = config.withRollBytes(1_500);
    List<String> ids = new ArrayList<>();
    append(Events.bytes("slow", "s0", T0, 0));
    ids.add("s0");
    for (int i = 0; i < 100; i++) {
      append(Events.bytes("fast", "f" + i, T0, i));
      ids.add("f" + i);
    }
    SpoolLakeSink first = start(small);
    await().atMost(Duration.ofSeconds(10)).until(() -> count("tributary.lake.events.written") == 101);
    first.close();
    assertThat(LakeFiles.completed(table.resolve("event_type=fast"))).isNotEmpty();
    assertThat(LakeFiles.all(table.resolve("event_type=slow"))).as("abandoned open file").isEmpty();

    registry = new SimpleMeterRegistry();
    try (SpoolLakeSink sink = start(small)) {
      assertThat(sink.drain(DRAIN)).isTrue();
    }
    assertThat(count("tributary.lake.replay.skipped")).isPositive();
    assertThat(count("tributary.lake.duplicates.dropped")).isZero();
    assertThat(eventIds()).containsExactlyInAnyOrderElementsOf(ids);
    assertThat(LakeFiles.temporary(lake)).isEmpty();
  }

  @Test
  void aLeftoverTemporaryFileIsDeletedAndItsRecordsLandOnce() throws Exception {
    append(Events.bytes("click", "a", T0, 1), Events.bytes("click", "b", T0, 2));
    Path dir = new PartitionPath(table).ofEvent("click", T0);
    java.nio.file.Files.createDirectories(dir);
    java.nio.file.Files.writeString(dir.resolve(new LakeFileNamer("part", LakeFormat.NDJSON_GZIP, "").temporaryName(0)), "torn");
    try (SpoolLakeSink sink = start(config)) {
      assertThat(sink.drain(DRAIN)).isTrue();
    }
    assertThat(LakeFiles.temporary(lake)).isEmpty();
    assertThat(eventIds()).containsExactly("a", "b");
  }

  @Test
  void aFailingLakeDirectoryIsRetriedAndOnceFixedEveryEventLandsOnce() throws Exception {
    java.nio.file.Files.createDirectories(table);
    Path blocker = java.nio.file.Files.writeString(table.resolve("event_type=b"), "a file where a directory must go");
    append(Events.bytes("a", "a1", T0, 1), Events.bytes("b", "b1", T0, 2), Events.bytes("a", "a2", T0, 3));
    SpoolLakeSink sink = start(config.withRollBytes(1));  // "a1" completes before "b1" fails
    try {
      await().atMost(Duration.ofSeconds(10)).until(() -> count("tributary.lake.failures") >= 1);
      java.nio.file.Files.delete(blocker);
      assertThat(sink.drain(DRAIN)).isTrue();
    } finally {
      sink.close();
    }
    assertThat(eventIds()).containsExactly("a1", "a2", "b1");
    assertThat(count("tributary.lake.replay.skipped")).isPositive();
  }

  @Test
  void aClientRetryWithinTheWindowLandsOnceAlsoAcrossARestart() throws Exception {
    // the dedup window is rebuilt from events received shortly before the spool's oldest
    // unacknowledged record, so these events are received "now"
    Instant now = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
    append(Events.bytes("click", "x", now, 1));
    append(Events.bytes("click", "x", now.plusSeconds(30), 2));  // retry: new offset, same event_id
    try (SpoolLakeSink sink = start(config)) {
      assertThat(sink.drain(DRAIN)).isTrue();
    }
    assertThat(count("tributary.lake.duplicates.dropped")).isEqualTo(1);

    append(Events.bytes("click", "x", now.plusSeconds(60), 3));  // after a restart: known from the lake
    append(Events.bytes("click", "y", now.plusSeconds(60), 4));
    append(Events.bytes("click", "x", now.plusSeconds(11 * 60), 5));  // outside the window: a new event
    registry = new SimpleMeterRegistry();
    try (SpoolLakeSink sink = start(config)) {
      assertThat(sink.drain(DRAIN)).isTrue();
    }
    assertThat(count("tributary.lake.duplicates.dropped")).isEqualTo(1);
    assertThat(LakeFiles.completedLines(table)).extracting(l -> l.replaceAll(".*\"n\":(\\d+).*", "$1"))
        .containsExactlyInAnyOrder("1", "4", "5");
  }

  @Test
  void unplaceableRecordsGoToErrorsWithTheirReasonAndDoNotBlockTheRest() throws Exception {
    append("not json\nat all".getBytes(StandardCharsets.UTF_8));
    append("{\"event_id\":\"no-type\",\"received_at\":\"2026-11-23T14:58:00.000Z\"}".getBytes(StandardCharsets.UTF_8));
    append("{\"event\":\"t\",\"event_id\":\"no-time\"}".getBytes(StandardCharsets.UTF_8));
    append(new byte[] {(byte) 0xff, (byte) 0xfe});
    append(Events.bytes("click", "ok", T0, 1));
    try (SpoolLakeSink sink = start(config)) {
      assertThat(sink.drain(DRAIN)).isTrue();
    }
    assertThat(eventIds()).containsExactly("ok");
    List<Path> errorFiles = LakeFiles.completed(table.resolve("_errors"));
    assertThat(errorFiles).hasSize(1);
    assertThat(table.relativize(errorFiles.getFirst().getParent()).toString()).matches("_errors/dt=\\d{4}-\\d{2}-\\d{2}");
    List<String> errors = LakeFiles.lines(errorFiles.getFirst());
    assertThat(errors).hasSize(4);
    assertThat(errors.get(0)).startsWith("{\"reason\":\"malformed JSON").contains("\"offset\":0", "\"payload\":\"not json\\nat all\"");
    assertThat(errors.get(1)).contains("missing or non-string 'event'", "\"offset\":1", "no-type");
    assertThat(errors.get(2)).contains("missing or non-string 'received_at'", "\"offset\":2");
    assertThat(errors.get(3)).contains("\"offset\":3", "\"payload_base64\":\"//4=\"");
    assertThat(count("tributary.lake.errors.written")).isEqualTo(4);
  }

  private List<String> eventIds() {
    return LakeFiles.completedLines(table).stream()
        .filter(l -> !l.startsWith("{\"reason\""))
        .map(l -> l.replaceAll(".*\"event_id\":\"([^\"]*)\".*", "$1"))
        .sorted().toList();
  }
}
