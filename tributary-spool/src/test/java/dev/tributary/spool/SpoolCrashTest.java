package dev.tributary.spool;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kills a real child JVM ({@link SpoolCrashChild}) with SIGKILL at random moments and checks
 * what a restart finds. Replay a run with {@code -Dspool.crash.seed=N}; the seed is printed.
 */
class SpoolCrashTest {

  private static final long SEED = Long.getLong("spool.crash.seed", System.nanoTime());
  private static final int ROUNDS = Integer.getInteger("spool.crash.rounds", 30);
  private static final Duration CHILD_START = Duration.ofSeconds(60);
  private static final String VERIFIER = "verifier";

  @Test
  void killedAppenderKeepsEveryAcknowledgedRecordIntact(@TempDir Path tmp) throws Exception {
    System.out.println("killedAppender: seed " + SEED + " (replay with -Dspool.crash.seed=" + SEED + ")");
    Random random = new Random(SEED);
    SpoolConfig config = SpoolCrashChild.config(tmp.resolve("spool"), 64 << 10);
    Map<Long, Long> ackedIdByOffset = new HashMap<>();
    long nextBeforeRound;
    try (Spool spool = Spool.open(config)) {
      spool.cursor(VERIFIER).close();
      nextBeforeRound = spool.nextOffset();
    }
    long totalAcked = 0;
    int tornTails = 0;
    int trimmedTails = 0;
    for (int round = 0; round < ROUNDS; round++) {
      String where = "round " + round + " (seed " + SEED + ")";
      List<String> lines;
      try (ChildJvm child = ChildJvm.start(tmp.resolve("child-" + round + ".err"), "append", config.directory().toString(),
          String.valueOf(config.segmentBytes()), String.valueOf((round + 1) * 1_000_000_000_000L),
          String.valueOf(random.nextLong()), "4")) {
        child.awaitLine("ack ", CHILD_START);
        Thread.sleep(50 + random.nextInt(351)); // the random moment of the kill
        lines = child.kill();
      }
      int acked = recordAcknowledged(lines, nextBeforeRound, ackedIdByOffset, where);
      assertThat(acked).as("%s: the child acknowledged appends before it was killed", where).isPositive();
      totalAcked += acked;
      try (LogCapture logs = new LogCapture(); Spool spool = Spool.open(config)) {
        tornTails += (int) logs.at(Level.WARN).stream().filter(m -> m.contains("torn")).count();
        trimmedTails += (int) logs.at(Level.INFO).stream().filter(m -> m.contains("trimmed")).count();
        assertThat(logs.at(Level.ERROR)).as("%s: errors logged at recovery", where).isEmpty();
        assertThat(SegmentFile.corruptFiles(config.directory())).as("%s: a kill is not corruption", where).isEmpty();
        long next = spool.nextOffset();
        long maxAcked = ackedIdByOffset.keySet().stream().mapToLong(Long::longValue).max().orElseThrow();
        assertThat(next).as("%s: next offset after reopen", where).isGreaterThan(maxAcked).isGreaterThanOrEqualTo(nextBeforeRound);
        try (SpoolCursor verifier = spool.cursor(VERIFIER)) {
          verifyReadable(verifier, next, ackedIdByOffset, where);
          // The next round reads this round's records again, after one more crash and recovery.
          if (nextBeforeRound > verifier.committed()) verifier.acknowledge(nextBeforeRound - 1);
          long keepFrom = nextBeforeRound;
          ackedIdByOffset.keySet().removeIf(offset -> offset < keepFrom);
        }
        verifyFilesOnDisk(config.directory(), where);
        nextBeforeRound = next;
      }
    }
    System.out.println("killedAppender: " + ROUNDS + " rounds, " + totalAcked + " acknowledged records checked, "
        + tornTails + " torn tails truncated and " + trimmedTails + " preallocated tails trimmed at reopen");
  }

  @Test
  void killedAcknowledgementLeavesTheCursorAtTheOldOrTheNewPosition(@TempDir Path tmp) throws Exception {
    System.out.println("killedAcknowledgement: seed " + SEED + " (replay with -Dspool.crash.seed=" + SEED + ")");
    Random random = new Random(SEED);
    SpoolConfig config = SpoolCrashChild.config(tmp.resolve("spool"), 4096);
    long committed;
    try (Spool spool = Spool.open(config)) {
      List<CompletableFuture<Long>> appends = new ArrayList<>();
      for (int i = 0; i < 400; i++) appends.add(spool.append(twentyByteRecords(50)));
      appends.forEach(CompletableFuture::join);
      try (SpoolCursor cursor = spool.cursor(SpoolCrashChild.CURSOR)) {
        committed = cursor.committed();
      }
    }
    int acknowledgements = 0;
    for (int round = 0; round < ROUNDS; round++) {
      String where = "round " + round + " (seed " + SEED + ")";
      List<String> lines;
      try (ChildJvm child = ChildJvm.start(tmp.resolve("child-" + round + ".err"), "ack", config.directory().toString(),
          String.valueOf(config.segmentBytes()), String.valueOf(random.nextLong()))) {
        child.awaitLine("ack-begin ", CHILD_START);
        Thread.sleep(50 + random.nextInt(351)); // the random moment of the kill
        lines = child.kill();
      }
      long lastDone = committed - 1;
      long lastBegun = committed - 1;
      for (String line : lines) {
        String[] f = line.split(" ");
        long offset = Long.parseLong(f[1]);
        switch (f[0]) {
          case "ack-begin" -> {
            assertThat(lastBegun).as("%s: the child acknowledges forward only", where).isEqualTo(lastDone);
            assertThat(offset).as("%s: %s", where, line).isGreaterThan(lastDone);
            lastBegun = offset;
          }
          case "ack-done" -> {
            assertThat(offset).as("%s: %s", where, line).isEqualTo(lastBegun);
            lastDone = offset;
            acknowledgements++;
          }
          default -> throw new AssertionError(where + ": unexpected child line " + line);
        }
      }
      try (Spool spool = Spool.open(config); SpoolCursor cursor = spool.cursor(SpoolCrashChild.CURSOR)) {
        long after = cursor.committed();
        assertThat(after).as("%s: committed after the kill, with the last acknowledgement done at %d and the last begun at %d",
            where, lastDone, lastBegun).isIn(lastDone + 1, lastBegun + 1);
        assertThat(cursor.position()).as("%s: a reopened cursor reads from its committed position", where).isEqualTo(after);
        assertThat(SegmentFile.checkpointPosition(SegmentFile.checkpoint(config.directory(), SpoolCrashChild.CURSOR)))
            .as("%s: the checkpoint file", where).isEqualTo(after);
        if (after < spool.nextOffset()) {
          List<SpoolRecord> next = cursor.poll(1, Long.MAX_VALUE, Duration.ofSeconds(10));
          assertThat(next).as("%s: the record at the committed position is still there", where)
              .extracting(SpoolRecord::offset).containsExactly(after);
        }
        assertThat(SegmentFile.corruptFiles(config.directory())).as("%s: a kill is not corruption", where).isEmpty();
        committed = after;
      }
    }
    assertThat(acknowledgements).as("acknowledgements completed over all rounds").isGreaterThanOrEqualTo(ROUNDS);
    System.out.println("killedAcknowledgement: " + ROUNDS + " rounds, " + acknowledgements + " acknowledgements completed");
  }

  /** Records the child's {@code ack} lines; returns how many records they acknowledged. */
  private static int recordAcknowledged(List<String> lines, long nextBeforeRound, Map<Long, Long> idByOffset, String where) {
    int records = 0;
    for (String line : lines) {
      String[] f = line.split(" ");
      assertThat(f[0]).as("%s: child line %s", where, line).isEqualTo("ack");
      long first = Long.parseLong(f[1]);
      assertThat(first).as("%s: offsets keep increasing across rounds", where).isGreaterThanOrEqualTo(nextBeforeRound);
      for (int i = 2; i < f.length; i++) {
        Long previous = idByOffset.put(first + i - 2, Long.parseLong(f[i]));
        assertThat(previous).as("%s: offset %d was acknowledged twice", where, first + i - 2).isNull();
        records++;
      }
    }
    return records;
  }

  /** Reads from the verifier's position to the end: every record intact, batches whole, acknowledged ones present. */
  private static void verifyReadable(SpoolCursor verifier, long next, Map<Long, Long> ackedIdByOffset, String where)
      throws IOException, InterruptedException {
    long expected = verifier.position();
    int ackedSeen = 0;
    CrashPayload open = null;
    Map<Long, Long> offsetById = new HashMap<>();
    while (expected < next) {
      List<SpoolRecord> read = verifier.poll(1000, 1 << 20, Duration.ofSeconds(10));
      assertThat(read).as("%s: records from %d to %d are readable", where, expected, next).isNotEmpty();
      for (SpoolRecord r : read) {
        assertThat(r.offset()).as("%s: offsets are contiguous", where).isEqualTo(expected);
        CrashPayload p;
        try {
          p = CrashPayload.decode(r.payload());
        } catch (IllegalArgumentException e) {
          throw new AssertionError(where + ": record " + r.offset() + " is damaged: " + e.getMessage(), e);
        }
        Long acked = ackedIdByOffset.get(r.offset());
        if (acked != null) {
          assertThat(p.id()).as("%s: id of acknowledged record %d", where, r.offset()).isEqualTo(acked);
          ackedSeen++;
        }
        assertThat(offsetById.put(p.id(), r.offset())).as("%s: record id %d stored twice", where, p.id()).isNull();
        if (open == null) {
          assertThat(p.index()).as("%s: record %d must start a batch", where, r.offset()).isZero();
        } else {
          assertThat(p.batchId()).as("%s: record %d continues batch %d", where, r.offset(), open.batchId()).isEqualTo(open.batchId());
          assertThat(p.index()).as("%s: record %d index in its batch", where, r.offset()).isEqualTo(open.index() + 1);
        }
        open = p.index() == p.batchSize() - 1 ? null : p;
        expected++;
      }
    }
    assertThat(open).as("%s: the last batch is whole (all or nothing)", where).isNull();
    assertThat(ackedSeen).as("%s: acknowledged records found again", where).isEqualTo(ackedIdByOffset.size());
  }

  /** Every retained segment holds only whole, valid records whose END_OF_BATCH flags match their payloads. */
  private static void verifyFilesOnDisk(Path directory, String where) throws IOException {
    for (Path segment : SegmentFile.segments(directory)) {
      SegmentFile.Contents c = SegmentFile.read(segment);
      assertThat(c.zerosAfter()).as("%s: %s has bytes after its last valid record at %d of %d", where, segment.getFileName(), c.validEnd(), c.size())
          .isTrue();
      for (SegmentFile.Entry e : c.records()) {
        CrashPayload p = CrashPayload.decode(e.payload());
        assertThat(e.version()).as("%s: version", where).isEqualTo(1);
        assertThat(e.endOfBatch()).as("%s: END_OF_BATCH of record %d", where, e.offset()).isEqualTo(p.index() == p.batchSize() - 1);
      }
      if (!c.records().isEmpty()) {
        assertThat(c.records().get(c.records().size() - 1).endOfBatch()).as("%s: %s ends with a whole batch", where, segment.getFileName()).isTrue();
      }
    }
  }

  private static List<byte[]> twentyByteRecords(int count) {
    List<byte[]> records = new ArrayList<>();
    for (int i = 0; i < count; i++) records.add(new byte[20]);
    return records;
  }
}
