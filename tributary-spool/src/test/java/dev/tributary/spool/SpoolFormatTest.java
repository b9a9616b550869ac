package dev.tributary.spool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import ch.qos.logback.classic.Level;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Damages spool files byte by byte and checks that opening and reading give the outcome
 * docs/spool-format.md promises for that damage.
 */
class SpoolFormatTest {

  @TempDir Path dir;

  /** Ways to damage one record; each keeps the record's length unless it says otherwise. */
  enum Damage {
    PAYLOAD_BIT, CRC_BIT, OFFSET_BIT, TIME_BIT, FLAGS_BIT,
    /** a length above 16 MiB: impossible, so the reader cannot skip the record by its length. */
    LENGTH_HIGH_BIT,
    /** a length one more than written: the record runs into the next one or past the end. */
    LENGTH_LOW_BIT;

    void apply(byte[] bytes, SegmentFile.Entry e) {
      int at = (int) e.position();
      switch (this) {
        case PAYLOAD_BIT -> bytes[at + SegmentFile.HEADER + e.length() / 2] ^= 0x10;
        case CRC_BIT -> bytes[at + 2] ^= 0x01;
        case OFFSET_BIT -> bytes[at + SegmentFile.OFFSET_AT + 7] ^= 0x04;
        case TIME_BIT -> bytes[at + SegmentFile.TIME_AT + 6] ^= 0x20;
        case FLAGS_BIT -> bytes[at + SegmentFile.FLAGS_AT] ^= 0x02;
        case LENGTH_HIGH_BIT -> bytes[at + SegmentFile.LENGTH_AT] ^= 0x40;
        case LENGTH_LOW_BIT -> bytes[at + SegmentFile.LENGTH_AT + 3] ^= 0x01;
      }
    }
  }

  // ---- torn tails: truncated back to the last complete batch ----

  @ParameterizedTest(name = "cut {0} bytes into the last record")
  @ValueSource(ints = {1, 4, 8, 9, 17, 25, 26, 27, 60, -1})
  void lastRecordCutShortIsTruncatedAway(int cut) throws IOException, InterruptedException {
    List<Long> offsets = write(singles(10));
    Path segment = SegmentFile.lastSegment(dir);
    SegmentFile.Entry last = lastEntry(segment);
    long keep = last.position() + (cut < 0 ? last.size() - 1 : cut);
    truncate(segment, keep);
    // The first bytes of a record are its CRC, which covers the append time: about one run in 256
    // cuts after a zero byte, which recovery cannot tell from preallocated space (an INFO log).
    Level expected = allZero(Files.readAllBytes(segment), (int) last.position()) ? Level.INFO : Level.WARN;

    try (LogCapture logs = new LogCapture(); Spool spool = Spool.open(config())) {
      assertThat(spool.nextOffset()).as("the cut record's offset is free again").isEqualTo(offsets.get(9));
      assertThat(payloads(readAll(spool))).containsExactlyElementsOf(strings(singles(10).subList(0, 9)));
      assertThat(logs.at(expected)).as("a " + expected + " says how many bytes were cut")
          .anyMatch(m -> m.contains(String.valueOf(keep - last.position())));
      assertThat(spool.append(text("after")).join()).isEqualTo(offsets.get(9));
    }
    assertThat(SegmentFile.corruptFiles(dir)).as("a torn tail is not corruption").isEmpty();
    assertThat(Files.size(segment)).as("the new record starts where the cut one did").isEqualTo(last.position() + SegmentFile.HEADER + 5);
    try (Spool spool = Spool.open(config())) {
      assertThat(payloads(readAll(spool))).hasSize(10).endsWith("after");
    }
  }

  @Test
  void onlyRecordCutInItsHeaderLeavesAnEmptySpoolThatWorks() throws IOException, InterruptedException {
    List<Long> offsets = write(singles(1));
    Path segment = SegmentFile.lastSegment(dir);
    truncate(segment, 10);
    try (Spool spool = Spool.open(config())) {
      assertThat(spool.nextOffset()).isEqualTo(offsets.get(0));
      assertThat(readAll(spool)).isEmpty();
      assertThat(spool.append(text("fresh")).join()).isEqualTo(offsets.get(0));
    }
    try (Spool spool = Spool.open(config())) {
      assertThat(payloads(readAll(spool))).containsExactly("fresh");
    }
  }

  @ParameterizedTest
  @EnumSource(value = Damage.class, names = {"PAYLOAD_BIT", "CRC_BIT", "OFFSET_BIT", "LENGTH_HIGH_BIT", "LENGTH_LOW_BIT"})
  void damagedLastRecordIsATornTail(Damage damage) throws IOException, InterruptedException {
    List<Long> offsets = write(singles(10));
    Path segment = SegmentFile.lastSegment(dir);
    SegmentFile.Entry last = lastEntry(segment);
    byte[] bytes = Files.readAllBytes(segment);
    damage.apply(bytes, last);
    Files.write(segment, bytes);

    try (Spool spool = Spool.open(config())) {
      assertThat(spool.nextOffset()).isEqualTo(offsets.get(9));
      assertThat(payloads(readAll(spool))).containsExactlyElementsOf(strings(singles(10).subList(0, 9)));
    }
    assertThat(SegmentFile.corruptFiles(dir)).as("nothing valid follows, so it is a torn tail").isEmpty();
    assertThat(Files.readAllBytes(segment)).as("truncated to the end of the last whole record")
        .isEqualTo(Arrays.copyOf(bytes, (int) last.position()));
  }

  @Test
  void zeroFilledTailIsTruncatedAndAppendsContinue() throws IOException, InterruptedException {
    List<Long> offsets = write(singles(10));
    Path segment = SegmentFile.lastSegment(dir);
    byte[] original = Files.readAllBytes(segment);
    Files.write(segment, new byte[8192], StandardOpenOption.APPEND);

    try (Spool spool = Spool.open(config())) {
      assertThat(spool.nextOffset()).isEqualTo(offsets.get(9) + 1);
      assertThat(payloads(readAll(spool))).containsExactlyElementsOf(strings(singles(10)));
    }
    assertThat(Files.readAllBytes(segment)).as("the zeros are gone, the records untouched").isEqualTo(original);
    assertThat(SegmentFile.corruptFiles(dir)).isEmpty();
    try (Spool spool = Spool.open(config())) {
      assertThat(spool.append(text("after zeros")).join()).isEqualTo(offsets.get(9) + 1);
    }
    try (Spool spool = Spool.open(config())) {
      assertThat(payloads(readAll(spool))).hasSize(11).endsWith("after zeros");
    }
  }

  enum BatchCut { INSIDE_LAST_RECORD, BEFORE_LAST_RECORD, AFTER_FIRST_RECORD, END_FLAG_CLEARED }

  @ParameterizedTest
  @EnumSource(BatchCut.class)
  void batchWithoutItsEndOfBatchRecordIsDroppedWhole(BatchCut cut) throws IOException, InterruptedException {
    List<List<byte[]>> batches = new ArrayList<>(singles(5));
    batches.add(List.of(text("b0-" + "y".repeat(60)), text("b1"), text("b2"), text("b3"), text("b4-" + "y".repeat(60))));
    List<Long> offsets = write(batches);
    Path segment = SegmentFile.lastSegment(dir);
    List<SegmentFile.Entry> records = SegmentFile.read(segment).records();
    assertThat(records).as("records on disk").hasSize(10);
    SegmentFile.Entry batchStart = records.get(5);
    SegmentFile.Entry batchEnd = records.get(9);
    assertThat(records.subList(5, 9)).as("only a batch's last record has END_OF_BATCH").noneMatch(SegmentFile.Entry::endOfBatch);
    assertThat(batchEnd.endOfBatch()).isTrue();
    switch (cut) {
      case INSIDE_LAST_RECORD -> truncate(segment, batchEnd.position() + SegmentFile.HEADER + 30);
      case BEFORE_LAST_RECORD -> truncate(segment, batchEnd.position());
      case AFTER_FIRST_RECORD -> truncate(segment, records.get(6).position());
      case END_FLAG_CLEARED -> {
        byte[] bytes = Files.readAllBytes(segment);
        bytes[(int) batchEnd.position() + SegmentFile.FLAGS_AT] = 0;
        SegmentFile.resealRecord(bytes, (int) batchEnd.position());
        Files.write(segment, bytes);
      }
    }
    long cutSize = Files.size(segment);

    try (LogCapture logs = new LogCapture(); Spool spool = Spool.open(config())) {
      assertThat(spool.nextOffset()).as("the batch's offsets are free again").isEqualTo(offsets.get(5));
      assertThat(payloads(readAll(spool))).containsExactlyElementsOf(strings(singles(5)));
      assertThat(logs.at(Level.WARN)).anyMatch(m -> m.contains(String.valueOf(cutSize - batchStart.position())));
    }
    assertThat(Files.size(segment)).isEqualTo(batchStart.position());
    assertThat(SegmentFile.corruptFiles(dir)).isEmpty();
  }

  // ---- corruption: valid records after a damaged one ----

  @ParameterizedTest
  @EnumSource(value = Damage.class, names = {"PAYLOAD_BIT", "CRC_BIT", "OFFSET_BIT", "TIME_BIT", "FLAGS_BIT", "LENGTH_HIGH_BIT"})
  void damagedMiddleRecordIsMovedAsideWithEverythingAfterIt(Damage damage) throws IOException, InterruptedException {
    List<Long> offsets = write(singles(10));
    Path segment = SegmentFile.lastSegment(dir);
    SegmentFile.Entry damaged = SegmentFile.read(segment).records().get(4);
    byte[] bytes = Files.readAllBytes(segment);
    damage.apply(bytes, damaged);
    Files.write(segment, bytes);

    expectMovedAside(segment, bytes, (int) damaged.position(), offsets.get(9), strings(singles(4)));
  }

  @Test
  void damagedRecordInsideABatchMovesTheWholeBatchAside() throws IOException, InterruptedException {
    List<List<byte[]>> batches = new ArrayList<>(singles(3));
    batches.add(List.of(text("b0"), text("b1"), text("b2"), text("b3")));
    batches.addAll(singles(3));
    List<Long> offsets = write(batches);
    Path segment = SegmentFile.lastSegment(dir);
    List<SegmentFile.Entry> records = SegmentFile.read(segment).records();
    byte[] bytes = Files.readAllBytes(segment);
    Damage.PAYLOAD_BIT.apply(bytes, records.get(5));
    Files.write(segment, bytes);

    expectMovedAside(segment, bytes, (int) records.get(3).position(), offsets.get(6), strings(singles(3)));
  }

  private void expectMovedAside(Path segment, byte[] damagedBytes, int from, long highestMovedOffset, List<String> kept)
      throws IOException, InterruptedException {
    String corruptName;
    try (LogCapture logs = new LogCapture(); Spool spool = Spool.open(config())) {
      List<Path> corrupt = SegmentFile.corruptFiles(dir);
      assertThat(corrupt).as(".corrupt files").hasSize(1);
      corruptName = corrupt.get(0).getFileName().toString();
      assertThat(corruptName).as("named <segment>.<position>.corrupt")
          .startsWith(segment.getFileName().toString().substring(0, 20)).endsWith("." + from + ".corrupt");
      assertThat(Files.readAllBytes(corrupt.get(0))).as("the moved bytes, exactly")
          .isEqualTo(Arrays.copyOfRange(damagedBytes, from, damagedBytes.length));
      assertThat(logs.at(Level.ERROR)).as("an ERROR names the file and the byte count")
          .anyMatch(m -> m.contains(corruptName) && m.contains(String.valueOf(damagedBytes.length - from)));
      assertThat(spool.nextOffset()).as("no offset seen in the moved bytes is reused").isGreaterThan(highestMovedOffset);
      assertThat(payloads(readAll(spool))).as("records before the damage").containsExactlyElementsOf(kept);
      assertThat(spool.append(text("after")).join()).isGreaterThan(highestMovedOffset);
    }
    assertThat(Arrays.copyOf(Files.readAllBytes(segment), from)).as("the segment up to the damage is untouched")
        .isEqualTo(Arrays.copyOf(damagedBytes, from));
    try (Spool spool = Spool.open(config())) {
      List<SpoolRecord> all = readAll(spool);
      List<String> expected = new ArrayList<>(kept);
      expected.add("after");
      assertThat(payloads(all)).containsExactlyElementsOf(expected);
      assertThat(all.get(all.size() - 1).offset()).isGreaterThan(highestMovedOffset);
      assertThat(SegmentFile.corruptFiles(dir)).as("a clean reopen moves nothing more").hasSize(1);
    }
  }

  @Test
  void damageInAnOlderSegmentIsCopiedAsideAndReadersGoOnWithTheNextSegment() throws IOException, InterruptedException {
    List<Long> offsets = write(singles(40), config().withSegmentBytes(1024));
    List<Path> segments = SegmentFile.segments(dir);
    assertThat(segments).as("segments of 1 KiB").hasSizeGreaterThanOrEqualTo(3);
    Path older = segments.get(1);
    SegmentFile.Contents contents = SegmentFile.read(older);
    SegmentFile.Entry damaged = contents.records().get(2);
    byte[] bytes = Files.readAllBytes(older);
    Damage.PAYLOAD_BIT.apply(bytes, damaged);
    Files.write(older, bytes);
    long skipFrom = damaged.offset();
    long skipTo = SegmentFile.baseOffset(segments.get(2));

    try (LogCapture logs = new LogCapture(); Spool spool = Spool.open(config().withSegmentBytes(1024))) {
      List<Long> expected = offsets.stream().filter(o -> o < skipFrom || o >= skipTo).toList();
      assertThat(readAll(spool)).extracting(SpoolRecord::offset).containsExactlyElementsOf(expected);
      List<Path> corrupt = SegmentFile.corruptFiles(dir);
      assertThat(corrupt).hasSize(1);
      assertThat(corrupt.get(0).getFileName().toString()).startsWith(older.getFileName().toString().substring(0, 20))
          .endsWith("." + damaged.position() + ".corrupt");
      assertThat(Files.readAllBytes(corrupt.get(0))).isEqualTo(Arrays.copyOfRange(bytes, (int) damaged.position(), bytes.length));
      assertThat(logs.at(Level.ERROR)).anyMatch(m -> m.contains(corrupt.get(0).getFileName().toString()));
    }
  }

  // ---- a newer format: refuse, change nothing ----

  @ParameterizedTest(name = "{0}-byte segments, unknown version in record {1} of the last segment")
  @CsvSource({"65536, 4", "65536, 9", "1024, 0", "1024, -1"})
  void unknownRecordVersionRefusesToOpenAndChangesNothing(int segmentBytes, int index) throws IOException, InterruptedException {
    SpoolConfig config = config().withSegmentBytes(segmentBytes);
    write(singles(10), config);
    Path segment = SegmentFile.lastSegment(dir);
    byte[] original = Files.readAllBytes(segment);
    List<SegmentFile.Entry> records = SegmentFile.read(segment).records();
    SegmentFile.Entry e = records.get(index < 0 ? records.size() - 1 : index);
    byte[] newer = original.clone();
    newer[(int) e.position() + SegmentFile.VERSION_AT] = 2;
    SegmentFile.resealRecord(newer, (int) e.position());
    Files.write(segment, newer);
    Map<String, String> before = snapshot();

    Throwable thrown = catchThrowable(() -> Spool.open(config).close());
    assertThat(thrown).isInstanceOf(SpoolFormatException.class)
        .hasMessageContaining(segment.getFileName().toString())
        .hasMessageContaining(String.valueOf(e.position()))
        .hasMessageContaining("2");
    assertThat(snapshot()).as("nothing changed, byte for byte").isEqualTo(before);
    assertThat(catchThrowable(() -> Spool.open(config).close())).as("still refused").isInstanceOf(SpoolFormatException.class);
    assertThat(openFilesUnder(dir)).as("a refused open leaves no file open").isEmpty();

    Files.write(segment, original);
    try (Spool spool = Spool.open(config)) {
      assertThat(readAll(spool)).as("the refused open released the lock and left the records").hasSize(10);
    }
  }

  // ---- cursor checkpoints ----

  enum CheckpointDamage { POSITION_BIT, CRC_BIT, TRUNCATED, EMPTY }

  @ParameterizedTest
  @EnumSource(CheckpointDamage.class)
  void damagedCheckpointRestartsTheCursorFromTheOldestRecord(CheckpointDamage damage) throws IOException, InterruptedException {
    List<Long> offsets = write(singles(10));
    acknowledge("lake", offsets.get(5));
    acknowledge("other", offsets.get(2));
    Path checkpoint = SegmentFile.checkpoint(dir, "lake");
    byte[] bytes = Files.readAllBytes(checkpoint);
    switch (damage) {
      case POSITION_BIT -> bytes[12] ^= 0x01;
      case CRC_BIT -> bytes[0] ^= 0x01;
      case TRUNCATED -> bytes = Arrays.copyOf(bytes, 10);
      case EMPTY -> bytes = new byte[0];
    }
    Files.write(checkpoint, bytes);

    try (LogCapture logs = new LogCapture(); Spool spool = Spool.open(config())) {
      try (SpoolCursor lake = spool.cursor("lake"); SpoolCursor other = spool.cursor("other")) {
        assertThat(lake.committed()).as("restarts from the oldest retained record").isEqualTo(offsets.get(0));
        assertThat(lake.position()).isEqualTo(offsets.get(0));
        assertThat(drain(lake)).as("records are delivered again, never lost").extracting(SpoolRecord::offset).containsExactlyElementsOf(offsets);
        assertThat(other.committed()).as("the other cursor keeps its position").isEqualTo(offsets.get(2) + 1);
      }
      assertThat(logs.at(Level.ERROR)).anyMatch(m -> m.contains("lake"));
    }
  }

  @Test
  void unknownCheckpointVersionIsRefusedAndChangesNothing() throws IOException, InterruptedException {
    List<Long> offsets = write(singles(10));
    acknowledge("lake", offsets.get(5));
    Path checkpoint = SegmentFile.checkpoint(dir, "lake");
    byte[] bytes = Files.readAllBytes(checkpoint);
    bytes[4] = 2;
    SegmentFile.resealCheckpoint(bytes);
    Files.write(checkpoint, bytes);
    Map<String, String> before = snapshot();

    // Checkpoints may be read when the spool opens or when the cursor is opened: either must refuse.
    Throwable thrown = catchThrowable(() -> {
      try (Spool spool = Spool.open(config())) {
        spool.cursor("lake");
      }
    });
    assertThat(thrown).isInstanceOf(SpoolFormatException.class).hasMessageContaining("lake");
    assertThat(snapshot()).as("nothing changed, byte for byte").isEqualTo(before);
    assertThat(openFilesUnder(dir)).as("a refused open leaves no file open").isEmpty();
  }

  @Test
  void leftoverTemporaryCheckpointDoesNotMoveTheCursor() throws IOException, InterruptedException {
    List<Long> offsets = write(singles(10));
    acknowledge("lake", offsets.get(5));
    Path checkpoint = SegmentFile.checkpoint(dir, "lake");
    byte[] newer = Files.readAllBytes(checkpoint);
    ByteBuffer.wrap(newer).putLong(5, offsets.get(8) + 1);
    SegmentFile.resealCheckpoint(newer);
    // A crash between writing the temporary file and renaming it: the old position holds.
    Files.write(checkpoint.resolveSibling("lake.cursor.tmp"), Arrays.copyOf(newer, 15));

    try (Spool spool = Spool.open(config()); SpoolCursor lake = spool.cursor("lake")) {
      assertThat(lake.committed()).isEqualTo(offsets.get(5) + 1);
      lake.acknowledge(offsets.get(7));
    }
    assertThat(SegmentFile.checkpointPosition(checkpoint)).isEqualTo(offsets.get(7) + 1);
  }

  @Test
  void acknowledgementWritesTheDocumentedCheckpoint() throws IOException, InterruptedException {
    List<Long> offsets = write(singles(10));
    long before = System.currentTimeMillis();
    acknowledge("lake", offsets.get(3));
    byte[] bytes = Files.readAllBytes(SegmentFile.checkpoint(dir, "lake"));
    assertThat(SegmentFile.checkpointPosition(SegmentFile.checkpoint(dir, "lake"))).isEqualTo(offsets.get(3) + 1);
    assertThat(ByteBuffer.wrap(bytes).getLong(13)).as("acknowledgement time").isBetween(before, System.currentTimeMillis());
  }

  @Test
  void recordsOnDiskFollowTheDocumentedLayout() throws IOException {
    long before = System.currentTimeMillis();
    List<Long> offsets = write(List.of(List.of(text("one")), List.of(text("two"), text("three")), List.of(new byte[0])));
    long after = System.currentTimeMillis();
    Path segment = SegmentFile.lastSegment(dir);
    SegmentFile.Contents c = SegmentFile.read(segment);
    assertThat(c.wholeFileValid()).as("every byte belongs to a valid record").isTrue();
    assertThat(SegmentFile.baseOffset(segment)).isEqualTo(offsets.get(0));
    assertThat(c.records()).extracting(SegmentFile.Entry::offset).containsExactlyElementsOf(offsets);
    assertThat(offsets).as("contiguous").containsExactly(offsets.get(0), offsets.get(0) + 1, offsets.get(0) + 2, offsets.get(0) + 3);
    assertThat(c.records()).extracting(SegmentFile.Entry::flags).containsExactly(1, 0, 1, 1);
    assertThat(c.records()).extracting(SegmentFile.Entry::version).containsOnly(1);
    assertThat(c.records()).extracting(SegmentFile.Entry::time).allMatch(t -> t >= before && t <= after);
    assertThat(c.records()).extracting(e -> new String(e.payload(), StandardCharsets.UTF_8)).containsExactly("one", "two", "three", "");
  }

  // ---- the lock ----

  @Test
  void secondOpenInTheSameProcessIsRefusedNamingThePid() throws IOException {
    String pid = String.valueOf(ProcessHandle.current().pid());
    long next;
    try (Spool first = Spool.open(config())) {
      List<String> openBefore = openFilesUnder(dir);
      Throwable thrown = catchThrowable(() -> Spool.open(config()).close());
      assertThat(thrown).isInstanceOf(SpoolLockedException.class).hasMessageContaining(pid);
      assertThat(openFilesUnder(dir)).as("a refused open leaves no file open").isEqualTo(openBefore);
      assertThat(Files.readString(dir.resolve("spool.lock"))).as("the lock file holds the PID").contains(pid);
      long offset = first.append(text("still mine")).join();
      next = first.nextOffset();
      assertThat(next).as("the holder keeps working").isEqualTo(offset + 1);
    }
    try (Spool again = Spool.open(config())) {
      assertThat(again.nextOffset()).isEqualTo(next);
    }
  }

  @Test
  void refusedOpenInTheSameProcessDoesNotReleaseTheHoldersLock() throws Exception {
    try (Spool holder = Spool.open(config())) {
      assertThat(catchThrowable(() -> Spool.open(config()).close())).isInstanceOf(SpoolLockedException.class);
      // POSIX locks belong to the process: closing any descriptor of the file can drop them.
      try (ChildJvm child = ChildJvm.start(dir.resolveSibling(dir.getFileName() + "-child.err"), "try-open", dir.toString())) {
        assertThat(child.linesAfterExit()).as("another process opening the spool")
            .singleElement().asString().startsWith("refused").contains(String.valueOf(ProcessHandle.current().pid()));
      }
      assertThat(holder.append(text("still held")).join()).isNotNegative();
    }
  }

  @Test
  void openHeldByAnotherProcessIsRefusedNamingItsPidUntilThatProcessDies() throws Exception {
    try (ChildJvm child = ChildJvm.start(dir.resolveSibling(dir.getFileName() + "-child.err"), "hold", dir.toString())) {
      String held = child.awaitLine("held ", Duration.ofSeconds(60));
      assertThat(held).isEqualTo("held " + child.pid());
      Throwable thrown = catchThrowable(() -> Spool.open(config()).close());
      assertThat(thrown).isInstanceOf(SpoolLockedException.class).hasMessageContaining(String.valueOf(child.pid()));
      child.kill();
    }
    // The dead holder's lock file is still there; the OS lock is gone, so it must not block.
    try (Spool spool = Spool.open(config())) {
      assertThat(Files.readString(dir.resolve("spool.lock"))).contains(String.valueOf(ProcessHandle.current().pid()));
      assertThat(spool.append(text("mine now")).join()).isNotNegative();
    }
  }

  // ---- helpers ----

  private SpoolConfig config() {
    return new SpoolConfig(dir, 64 << 10, 1 << 30, FsyncPolicy.ALWAYS);
  }

  private List<Long> write(List<List<byte[]>> batches) throws IOException {
    return write(batches, config());
  }

  /** Appends each batch, closes the spool, and returns the offset of every record. */
  private static List<Long> write(List<List<byte[]>> batches, SpoolConfig config) throws IOException {
    List<Long> offsets = new ArrayList<>();
    try (Spool spool = Spool.open(config)) {
      for (List<byte[]> batch : batches) {
        long first = spool.append(batch).join();
        for (int i = 0; i < batch.size(); i++) offsets.add(first + i);
      }
    }
    return offsets;
  }

  private void acknowledge(String cursor, long offset) throws IOException, InterruptedException {
    try (Spool spool = Spool.open(config()); SpoolCursor c = spool.cursor(cursor)) {
      while (c.position() <= offset) {
        assertThat(c.poll(100, Long.MAX_VALUE, Duration.ofSeconds(10))).isNotEmpty();
      }
      c.acknowledge(offset);
    }
  }

  private static int readers;

  /** Every record from the oldest, through a new cursor. */
  private static List<SpoolRecord> readAll(Spool spool) throws IOException, InterruptedException {
    try (SpoolCursor c = spool.cursor("reader-" + readers++)) {
      return drain(c);
    }
  }

  private static List<SpoolRecord> drain(SpoolCursor c) throws IOException, InterruptedException {
    List<SpoolRecord> all = new ArrayList<>();
    while (true) {
      List<SpoolRecord> some = c.poll(1000, Long.MAX_VALUE, Duration.ZERO);
      if (some.isEmpty()) return all;
      all.addAll(some);
    }
  }

  private static List<List<byte[]>> singles(int n) {
    List<List<byte[]>> batches = new ArrayList<>();
    for (int i = 0; i < n; i++) batches.add(List.of(text("record-" + i + "-" + "x".repeat(100 + 2 * (i % 5)))));
    return batches;
  }

  private static byte[] text(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static List<String> strings(List<List<byte[]>> batches) {
    return batches.stream().flatMap(List::stream).map(b -> new String(b, StandardCharsets.UTF_8)).toList();
  }

  private static List<String> payloads(List<SpoolRecord> records) {
    return records.stream().map(r -> new String(r.payload(), StandardCharsets.UTF_8)).toList();
  }

  private static SegmentFile.Entry lastEntry(Path segment) throws IOException {
    List<SegmentFile.Entry> records = SegmentFile.read(segment).records();
    return records.get(records.size() - 1);
  }

  private static void truncate(Path file, long size) throws IOException {
    byte[] bytes = Files.readAllBytes(file);
    Files.write(file, Arrays.copyOf(bytes, (int) size));
  }

  /** Files under {@code root} this process has open, as Linux lists them in /proc/self/fd. */
  private static List<String> openFilesUnder(Path root) throws IOException {
    List<String> open = new ArrayList<>();
    try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
      for (Path fd : fds.toList()) {
        try {
          Path target = Files.readSymbolicLink(fd);
          if (target.startsWith(root.toRealPath())) open.add(target.toString());
        } catch (IOException e) {
          // the descriptor was closed while listing (it was the listing's own)
        }
      }
    }
    return open.stream().sorted().toList();
  }

  /** Every file but the lock (whose PID a refused open may rewrite), by SHA-256. */
  private Map<String, String> snapshot() throws IOException {
    Map<String, String> files = new TreeMap<>();
    try (Stream<Path> all = Files.walk(dir)) {
      for (Path p : all.filter(Files::isRegularFile).toList()) {
        if (p.getFileName().toString().equals("spool.lock")) continue;
        files.put(dir.relativize(p).toString(), sha256(Files.readAllBytes(p)));
      }
    }
    return files;
  }

  private static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static boolean allZero(byte[] bytes, int from) {
    for (int i = from; i < bytes.length; i++) {
      if (bytes[i] != 0) return false;
    }
    return true;
  }
}
