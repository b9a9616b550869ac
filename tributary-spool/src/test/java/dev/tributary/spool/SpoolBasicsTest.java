package dev.tributary.spool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SpoolBasicsTest {
  @TempDir Path dir;

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static List<String> texts(List<SpoolRecord> records) {
    return records.stream().map(r -> new String(r.payload(), StandardCharsets.UTF_8)).toList();
  }

  @Test
  void appendsAreReadBackInOrderAndResumeAfterReopen() throws Exception {
    try (Spool spool = Spool.open(SpoolConfig.defaults(dir))) {
      assertThat(spool.append(bytes("a")).get()).isEqualTo(0);
      assertThat(spool.append(List.of(bytes("b"), bytes("c"))).get()).isEqualTo(1);
      SpoolCursor cursor = spool.cursor("lake");
      List<SpoolRecord> got = cursor.poll(10, 1 << 20, Duration.ofSeconds(1));
      assertThat(texts(got)).containsExactly("a", "b", "c");
      assertThat(got).extracting(SpoolRecord::offset).containsExactly(0L, 1L, 2L);
      cursor.acknowledge(0);
    }
    try (Spool spool = Spool.open(SpoolConfig.defaults(dir))) {
      SpoolCursor cursor = spool.cursor("lake");
      assertThat(cursor.committed()).isEqualTo(1);
      assertThat(texts(cursor.poll(10, 1 << 20, Duration.ZERO))).containsExactly("b", "c");
      assertThat(spool.append(bytes("d")).get()).isEqualTo(3);
    }
  }

  @Test
  void theMetricsCountEachFsyncAndTheAppendsEachCommitMadeDurable() throws Exception {
    MeterRegistry registry = new SimpleMeterRegistry();
    try (Spool spool = Spool.open(SpoolConfig.defaults(dir))) {
      SpoolGauges.bind(spool, registry);
      for (int i = 0; i < 3; i++) spool.append(bytes("one at a time " + i)).get();
      assertThat(registry.get("tributary.spool.fsync").timer().count()).isEqualTo(3);
      DistributionSummary appends = registry.get("tributary.spool.commit.appends").summary();
      assertThat(appends.count()).isEqualTo(3);
      assertThat(appends.totalAmount()).isEqualTo(3);

      List<CompletableFuture<Long>> together = IntStream.range(0, 200).mapToObj(i -> spool.append(bytes("together " + i))).toList();
      CompletableFuture.allOf(together.toArray(CompletableFuture[]::new)).get();
      assertThat(appends.totalAmount()).isEqualTo(203);
      assertThat(registry.get("tributary.spool.fsync").timer().count()).as("one fsync per commit").isEqualTo(appends.count());
      assertThat(registry.get("tributary.spool.fsync").timer().totalTime(TimeUnit.NANOSECONDS)).isPositive();
    }
  }

  @Test
  void withFsyncNeverAnAppendIsWrittenBeforeAppendReturns() throws Exception {
    try (Spool spool = Spool.open(SpoolConfig.defaults(dir).withFsync(FsyncPolicy.NEVER)); SpoolCursor cursor = spool.cursor("lake")) {
      CompletableFuture<Long> appended = spool.append(List.of(bytes("x"), bytes("y")));
      assertThat(appended).as("committed on the caller's thread, no hand-off").isCompletedWithValue(0L);
      assertThat(texts(cursor.poll(10, 1 << 20, Duration.ZERO))).containsExactly("x", "y");
    }
  }

  @Test
  void pollWaitsForNewRecords() throws Exception {
    try (Spool spool = Spool.open(SpoolConfig.defaults(dir))) {
      SpoolCursor cursor = spool.cursor("forwarder");
      CompletableFuture<List<SpoolRecord>> polled = CompletableFuture.supplyAsync(() -> {
        try {
          return cursor.poll(10, 1 << 20, Duration.ofSeconds(10));
        } catch (Exception e) {
          throw new RuntimeException(e);
        }
      });
      spool.append(bytes("late")).get();
      assertThat(texts(polled.get())).containsExactly("late");
    }
  }

  @Test
  void acknowledgedSegmentsAreDeletedAndFullSpoolRecovers() throws Exception {
    SpoolConfig config = SpoolConfig.defaults(dir).withSegmentBytes(4096).withMaxBytes(16384);
    try (Spool spool = Spool.open(config)) {
      SpoolCursor cursor = spool.cursor("lake");
      List<CompletableFuture<Long>> appends = new ArrayList<>();
      byte[] kib = new byte[1000];
      IntStream.range(0, 15).forEach(i -> appends.add(spool.append(kib)));
      for (CompletableFuture<Long> f : appends) f.get();
      assertThatThrownBy(() -> spool.append(kib).get()).isInstanceOf(ExecutionException.class)
          .hasCauseInstanceOf(SpoolFullException.class);
      assertThat(Spool.segmentFiles(dir)).hasSizeGreaterThan(3);
      List<SpoolRecord> all = cursor.poll(100, Long.MAX_VALUE, Duration.ZERO);
      assertThat(all).hasSize(15);
      cursor.acknowledge(all.getLast().offset());
      assertThat(Spool.segmentFiles(dir)).hasSize(1);
      assertThat(spool.append(kib).get()).isEqualTo(15);
      SpoolUsage usage = spool.usage();
      assertThat(usage.cursors()).singleElement().satisfies(lag -> assertThat(lag.records()).isEqualTo(1));
    }
  }

  @Test
  void aSecondOpenIsRefusedNamingTheHolder() throws Exception {
    try (Spool spool = Spool.open(SpoolConfig.defaults(dir))) {
      assertThatThrownBy(() -> Spool.open(SpoolConfig.defaults(dir))).isInstanceOf(SpoolLockedException.class)
          .hasMessageContaining("PID " + ProcessHandle.current().pid());
    }
    assertThat(Files.exists(dir.resolve("spool.lock"))).isTrue();
  }

  @Test
  void anOffsetACursorAcknowledgedIsNeverReusedEvenIfTheLogLostIt() throws Exception {
    try (Spool spool = Spool.open(SpoolConfig.defaults(dir))) {
      spool.append(List.of(bytes("a"), bytes("b"), bytes("c"))).get();
      spool.cursor("lake").acknowledge(2);
    }
    // As after a machine crash under fsync=never: the checkpoint is ahead of the recovered log.
    CursorCheckpoint.write(CursorCheckpoint.fileFor(dir.resolve(Spool.CURSORS_DIR), "lake"), 100);
    try (Spool spool = Spool.open(SpoolConfig.defaults(dir))) {
      assertThat(spool.append(bytes("d")).get()).isEqualTo(100);
      assertThat(texts(spool.cursor("lake").poll(10, 1 << 20, Duration.ZERO))).containsExactly("d");
    }
  }

  @Test
  void recordsLargerThanTheReadBufferAreReadWhole() throws Exception {
    try (Spool spool = Spool.open(SpoolConfig.defaults(dir))) {
      byte[] small = bytes("small");
      byte[] large = new byte[600_000];
      new java.util.Random(7).nextBytes(large);
      spool.append(large).get();
      spool.append(List.of(small, large, small)).get();
      SpoolCursor cursor = spool.cursor("lake");
      List<SpoolRecord> records = new ArrayList<>();
      for (int polls = 0; polls < 8 && records.size() < 4; polls++) {
        records.addAll(cursor.poll(1, Long.MAX_VALUE, Duration.ofMillis(100)));
      }
      assertThat(records).extracting(r -> r.payload().length).containsExactly(600_000, 5, 600_000, 5);
      assertThat(records.get(0).payload()).isEqualTo(large);
      try (var files = Files.list(dir)) {
        assertThat(files.filter(f -> f.toString().endsWith(".corrupt"))).isEmpty();
      }
    }
  }
}
