package dev.tributary.lake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LakeWriterTest {

  @TempDir Path root;
  private final LakeFileNamer namer = new LakeFileNamer("part", LakeFormat.NDJSON_GZIP, "");
  private final LakeMeters meters = LakeMeters.register(new SimpleMeterRegistry());

  private static byte[] line(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private LakeWriter writer(long rollBytes, Duration rollAge, LakeMeters meters) {
    return new LakeWriter(new FileLakeStore(root), LakeFormat.NDJSON_GZIP, namer, LakeWriter.Rolls.of(rollBytes, rollAge),
        meters);
  }

  @Test
  void aCompletedFileHoldsExactlyItsRecordsUnderItsOffsetName() throws Exception {
    LakeWriter w = writer(1 << 20, Duration.ofMinutes(1), meters);
    Path a = root.resolve("a/dt=2026-11-23/hour=15");
    w.append(Path.of("a/dt=2026-11-23/hour=15"), 3, line("{\"n\":3}"), 0, 0);
    w.append(Path.of("a/dt=2026-11-23/hour=15"), 5, line("{\"n\":5}"), 0, 0);
    assertThat(LakeFiles.temporary(root)).containsExactly(a.resolve(".part-00000000000000000003.ndjson.gz.tmp"));
    assertThat(LakeFiles.completed(root)).isEmpty();
    assertThat(w.oldestOpenOffset()).isEqualTo(3);

    w.completeAll();

    Path done = a.resolve("part-00000000000000000003-00000000000000000005.ndjson.gz");
    assertThat(LakeFiles.all(root)).containsExactly(done);
    assertThat(LakeFiles.lines(done)).containsExactly("{\"n\":3}", "{\"n\":5}");
    assertThat(w.oldestOpenOffset()).isEqualTo(Long.MAX_VALUE);
    assertThat(meters.filesCompleted().count()).isEqualTo(1);
  }

  @Test
  void freshnessIsTheAgeOfAFilesFirstEventWhenItIsPublishedAndErrorFilesHaveNone() throws Exception {
    LakeWriter w = writer(1 << 20, Duration.ofMinutes(1), meters);
    long now = System.currentTimeMillis();
    w.append(Path.of("a"), 0, line("{}"), now - 90_000, 0);
    w.append(Path.of("a"), 1, line("{}"), now - 10_000, 0);
    w.appendError(Path.of("_errors"), 2, line("{}"), 0);
    w.completeAll();

    assertThat(meters.filesCompleted().count()).isEqualTo(2);
    assertThat(meters.freshness().count()).isEqualTo(1);
    assertThat(meters.freshness().max(TimeUnit.SECONDS)).isBetween(90.0, 150.0);
  }

  @Test
  void rollsWhenAFileReachesTheSizeBound() throws Exception {
    LakeWriter w = writer(20, Duration.ofMinutes(1), meters);
    for (int i = 0; i < 7; i++) w.append(Path.of("p"), i, line("{\"n\":" + i + "}"), 0, 0); // 8 bytes a line
    assertThat(LakeFiles.completed(root)).extracting(p -> p.getFileName().toString()).containsExactly(
        "part-00000000000000000000-00000000000000000002.ndjson.gz",
        "part-00000000000000000003-00000000000000000005.ndjson.gz");
    assertThat(w.oldestOpenOffset()).isEqualTo(6);
  }

  @Test
  void completesFilesOnceTheyReachTheAgeBound() throws Exception {
    long second = 1_000_000_000L;
    LakeWriter w = writer(1 << 20, Duration.ofSeconds(60), meters);
    w.append(Path.of("old"), 1, line("{}"), 0, 0);
    w.append(Path.of("young"), 2, line("{}"), 0, 30 * second);
    assertThat(w.nextDeadlineNanos()).isEqualTo(60 * second);
    w.completeDue(59 * second);
    assertThat(LakeFiles.completed(root)).isEmpty();
    w.completeDue(60 * second);
    assertThat(LakeFiles.completed(root)).extracting(p -> root.relativize(p).toString())
        .containsExactly("old/part-00000000000000000001-00000000000000000001.ndjson.gz");
    assertThat(w.oldestOpenOffset()).isEqualTo(2);
    assertThat(w.nextDeadlineNanos()).isEqualTo(90 * second);
  }

  @Test
  void recordRulesCompleteFilesAtTheSameRecordsWhateverTheClock() throws Exception {
    LakeWriter w = new LakeWriter(new FileLakeStore(root), LakeFormat.NDJSON_GZIP, new LakeFileNamer("t+0", LakeFormat.NDJSON_GZIP, ""),
        new LakeWriter.Rolls(1 << 20, 3, Duration.ofMinutes(5), Duration.ofDays(1)), meters);
    long minute = 60_000;
    w.append(Path.of("a"), 0, line("{}"), 0, 0);
    w.append(Path.of("b"), 1, line("{}"), 1 * minute, 0);
    w.append(Path.of("a"), 2, line("{}"), 2 * minute, 999_000_000_000L); // the clock never completes a file here
    w.append(Path.of("a"), 3, line("{}"), 3 * minute, 0);                 // third record of a: complete
    assertThat(LakeFiles.completed(root)).extracting(p -> root.relativize(p).toString())
        .containsExactly("a/t+0-00000000000000000000-00000000000000000003.ndjson.gz");
    w.append(Path.of("a"), 4, line("{}"), 6 * minute, 0);                 // b's first was 5 min before: complete b
    assertThat(LakeFiles.completed(root)).extracting(p -> root.relativize(p).toString())
        .containsExactly("a/t+0-00000000000000000000-00000000000000000003.ndjson.gz",
            "b/t+0-00000000000000000001-00000000000000000001.ndjson.gz");
    assertThat(w.oldestOpenOffset()).isEqualTo(4);
    w.abandonAll();
  }

  @Test
  void errorLinesAreGzipNdjsonWhateverTheEventFormat() throws Exception {
    LakeWriter w = new LakeWriter(new FileLakeStore(root), LakeFormat.NDJSON_ZSTD, new LakeFileNamer("t+0", LakeFormat.NDJSON_ZSTD, "ab12"),
        LakeWriter.Rolls.of(1 << 20, Duration.ofMinutes(1)), meters);
    w.append(Path.of("e"), 0, line("{}"), 0, 0);
    w.appendError(Path.of("_errors"), 1, line("{\"reason\":\"x\"}"), 0);
    assertThat(LakeFiles.temporary(root)).extracting(p -> p.getFileName().toString())
        .containsExactlyInAnyOrder(".t+0-00000000000000000000.ndjson.zst.ab12.tmp", ".t+0-00000000000000000001.ndjson.gz.ab12.tmp");
    w.completeAll();
    assertThat(LakeFiles.lines(root.resolve("_errors/t+0-00000000000000000001-00000000000000000001.ndjson.gz")))
        .containsExactly("{\"reason\":\"x\"}");
    assertThat(new LakeFileNamer("t+0", LakeFormat.PARQUET, "").coveredRange("t+0-00000000000000000000-00000000000000000000.ndjson.zst"))
        .as("offsets are covered whatever the format of the file").isPresent();
  }

  @Test
  void anOffsetNotAboveTheLastAppendedIsRefusedUntilTheWriterIsAbandoned() throws Exception {
    LakeWriter w = writer(1 << 20, Duration.ofMinutes(1), meters);
    w.append(Path.of("p"), 5, line("{}"), 0, 0);
    assertThatThrownBy(() -> w.append(Path.of("q"), 5, line("{}"), 0, 0)).isInstanceOf(IllegalStateException.class)
        .hasMessage("offset 5 appended after offset 5: a lake writer takes the records of its source in increasing offset order");
    assertThatThrownBy(() -> w.append(Path.of("p"), 4, line("{}"), 0, 0)).isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("offset 4 appended after offset 5");
    w.abandonAll();  // the source is read again from its acknowledged position
    w.append(Path.of("p"), 3, line("{}"), 0, 0);
    w.completeAll();
    assertThat(LakeFiles.all(root)).extracting(p -> p.getFileName().toString())
        .containsExactly("part-00000000000000000003-00000000000000000003.ndjson.gz");
  }

  @Test
  void abandoningDeletesOpenFilesAndKeepsCompletedOnes() throws Exception {
    LakeWriter w = writer(1 << 20, Duration.ofMinutes(1), meters);
    w.append(Path.of("p"), 1, line("{}"), 0, 0);
    w.completeAll();
    w.append(Path.of("p"), 2, line("{}"), 0, 0);
    w.append(Path.of("q"), 3, line("{}"), 0, 0);
    w.abandonAll();
    assertThat(LakeFiles.all(root)).extracting(p -> p.getFileName().toString())
        .containsExactly("part-00000000000000000001-00000000000000000001.ndjson.gz");
    assertThat(w.openFiles()).isZero();
  }

  @Test
  void openingOneFilePastTheBoundCompletesTheOldest() throws Exception {
    LakeWriter w = writer(1 << 20, Duration.ofMinutes(1), meters);
    for (int i = 0; i <= LakeFormat.NDJSON_GZIP.maxOpenFiles(); i++) w.append(Path.of("t" + i), i, line("{}"), 0, i);
    assertThat(w.openFiles()).isEqualTo(LakeFormat.NDJSON_GZIP.maxOpenFiles());
    assertThat(LakeFiles.completed(root)).extracting(p -> root.relativize(p).toString())
        .isEqualTo(List.of("t0/part-00000000000000000000-00000000000000000000.ndjson.gz"));
    w.abandonAll();
  }

  @Test
  void parquetKeepsFewerFilesOpenBecauseEachHoldsARowGroupInMemory() throws Exception {
    LakeWriter w = new LakeWriter(new FileLakeStore(root), LakeFormat.PARQUET, namer,
        LakeWriter.Rolls.of(1 << 20, Duration.ofMinutes(1)), meters);
    int bound = LakeFormat.PARQUET.maxOpenFiles();
    for (int i = 0; i <= bound; i++) {
      w.append(Path.of("t" + i), i, line("{\"event\":\"e\",\"received_at\":\"2026-11-23T10:00:00.000Z\"}"), 0, i);
    }
    assertThat(bound).isLessThan(LakeFormat.NDJSON_GZIP.maxOpenFiles());
    assertThat(w.openFiles()).isEqualTo(bound);
    assertThat(LakeFiles.all(root)).extracting(p -> root.relativize(p).toString())
        .contains("t0/part-00000000000000000000-00000000000000000000.parquet")
        .noneMatch(name -> name.startsWith("t1/") && name.endsWith(".parquet"));
    w.abandonAll();
  }
}
