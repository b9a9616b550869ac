package dev.tributary.spool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * Random sequences of appends, polls, acknowledgements, rewinds, rolls and reopenings, each
 * step checked against a model that is just a list of records and a position per cursor, and
 * against the segment files as docs/spool-format.md describes them. Replay a run with
 * {@code -Dspool.seed=N}; the seed is printed. {@code -Dspool.sequences=N} sets how many.
 */
class SpoolModelTest {

  private static final long SEED = Long.getLong("spool.seed", System.nanoTime());
  private static final int SEQUENCES = Integer.getInteger("spool.sequences", 200);
  /** Replays only this sequence of the seed's run, leaving its directory for inspection. */
  private static final int ONLY = Integer.getInteger("spool.sequence", -1);
  private static final Duration WAIT = Duration.ofSeconds(10);

  @Test
  void randomOperationsAgreeWithTheModel(@TempDir(cleanup = CleanupMode.ON_SUCCESS) Path tmp) throws Exception {
    System.out.println("SpoolModelTest: seed " + SEED + " (replay with -Dspool.seed=" + SEED + ")");
    Random seeds = new Random(SEED);
    Coverage coverage = new Coverage();
    for (int i = 0; i < SEQUENCES; i++) {
      Path dir = tmp.resolve("sequence-" + i);
      Sequence sequence = new Sequence(dir, new Random(seeds.nextLong()), coverage);
      if (ONLY >= 0 && i != ONLY) continue;
      try {
        sequence.play();
      } catch (Throwable t) {
        throw new AssertionError("sequence " + i + " failed (replay with -Dspool.seed=" + SEED + "), config "
            + sequence.config + ", its last steps:\n" + sequence.history(), t);
      } finally {
        sequence.closeQuietly();
      }
      if (ONLY < 0) deleteRecursively(dir);
    }
    System.out.println("SpoolModelTest: " + coverage);
    if (ONLY >= 0) return;
    assertThat(coverage.rolls).as("segments rolled").isPositive();
    assertThat(coverage.deletedSegments).as("acknowledged segments deleted").isPositive();
    assertThat(coverage.oversizedBatches).as("batches larger than a segment").isPositive();
    assertThat(coverage.reopens).as("reopenings").isPositive();
    assertThat(coverage.refusedFull).as("appends refused as full").isPositive();
    assertThat(coverage.acceptedAfterFull).as("refused appends accepted after acknowledgements").isPositive();
  }

  @Test
  void fullSpoolRefusesAtOnceChangingNothingAndAcceptsAgainOnceCursorsAcknowledge(@TempDir Path dir) throws Exception {
    SpoolConfig config = new SpoolConfig(dir, 4096, 16384, FsyncPolicy.NEVER);
    try (Spool spool = Spool.open(config); SpoolCursor lake = spool.cursor("lake")) {
      byte[] payload = new byte[1000];
      long recordBytes = SegmentFile.HEADER + payload.length;
      CompletableFuture<Long> refused = null;
      for (int i = 0; i < 100 && refused == null; i++) {
        long free = spool.freeBytes();
        CompletableFuture<Long> f = spool.append(payload);
        if (free < recordBytes) refused = f;
        else get(f);
      }
      assertThat(refused).as("a 16 KiB spool refuses appends").isNotNull();
      long next = spool.nextOffset();
      long bytes = spool.usage().bytes();
      assertThat(refused.isDone()).as("refused at once").isTrue();
      assertThat(refused).failsWithin(Duration.ZERO).withThrowableThat().havingCause().isInstanceOf(SpoolFullException.class);
      assertThat(bytes + recordBytes).as("refused only when it would pass the maximum").isGreaterThan(config.maxBytes());
      assertThat(spool.nextOffset()).as("a refused append takes no offset").isEqualTo(next);

      while (lake.position() < next) lake.poll(100, Long.MAX_VALUE, WAIT);
      lake.acknowledge(next - 1);
      await().atMost(WAIT).until(() -> spool.freeBytes() >= recordBytes);
      long offset = get(spool.append(payload));
      assertThat(offset).isEqualTo(next);
      assertThat(lake.poll(10, Long.MAX_VALUE, WAIT)).extracting(SpoolRecord::offset).containsExactly(next);
    }
  }

  @Test
  void segmentEveryCursorHadAcknowledgedIsDeletedWhenItRolls(@TempDir Path dir) throws Exception {
    try (Spool spool = Spool.open(new SpoolConfig(dir, 1024, 1L << 30, FsyncPolicy.NEVER)); SpoolCursor lake = spool.cursor("lake")) {
      for (int i = 0; i < 3; i++) get(spool.append(new byte[300]));
      List<SpoolRecord> read = lake.poll(10, Long.MAX_VALUE, WAIT);
      assertThat(read).hasSize(3);
      lake.acknowledge(read.get(2).offset());
      assertThat(SegmentFile.segments(dir)).as("the segment being written stays").hasSize(1);
      long rolledTo = get(spool.append(new byte[300]));
      // The first segment is sealed now and every cursor has acknowledged all of it.
      await().atMost(WAIT).untilAsserted(() -> assertThat(SegmentFile.segments(dir)).as("segments once the first was sealed")
          .extracting(SegmentFile::baseOffset).containsExactly(rolledTo));
    }
  }

  @Test
  void pollWaitsForTheNextAppend(@TempDir Path dir) throws Exception {
    try (Spool spool = Spool.open(SpoolConfig.defaults(dir)); SpoolCursor cursor = spool.cursor("lake")) {
      CompletableFuture<List<SpoolRecord>> polled = new CompletableFuture<>();
      Thread poller = Thread.ofPlatform().start(() -> {
        try {
          polled.complete(cursor.poll(10, Long.MAX_VALUE, Duration.ofSeconds(60)));
        } catch (Exception e) {
          polled.completeExceptionally(e);
        }
      });
      await().atMost(WAIT).until(() -> poller.getState() == Thread.State.WAITING || poller.getState() == Thread.State.TIMED_WAITING);
      long offset = get(spool.append("hello".getBytes()));
      assertThat(polled.get(30, TimeUnit.SECONDS)).singleElement().satisfies(r -> {
        assertThat(r.offset()).isEqualTo(offset);
        assertThat(r.payload()).isEqualTo("hello".getBytes());
      });
    }
  }

  @Test
  void appendAfterCloseFailsWithSpoolClosed(@TempDir Path dir) throws Exception {
    Spool spool = Spool.open(SpoolConfig.defaults(dir));
    spool.close();
    CompletableFuture<Long> f = spool.append("late".getBytes());
    assertThat(f).failsWithin(WAIT).withThrowableThat().havingCause().isInstanceOf(SpoolClosedException.class);
  }

  /** With {@code never} the appenders commit on their own threads, under the writer's lock; otherwise the writer thread commits. */
  @ParameterizedTest
  @ValueSource(strings = {"always", "never"})
  void concurrentAppendersGetContiguousOffsetsInTheirCallOrder(String fsync, @TempDir Path dir) throws Exception {
    int threads = 8;
    int appendsPerThread = 300;
    Map<Long, byte[]> written = new java.util.concurrent.ConcurrentHashMap<>();
    long first;
    try (Spool spool = Spool.open(SpoolConfig.defaults(dir).withSegmentBytes(64 << 10).withFsync(FsyncPolicy.parse(fsync)))) {
      first = spool.nextOffset();
      List<CompletableFuture<Void>> appenders = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int thread = t;
        appenders.add(CompletableFuture.runAsync(() -> {
          Random random = new Random(thread);
          List<CompletableFuture<Long>> futures = new ArrayList<>();
          List<List<byte[]>> batches = new ArrayList<>();
          for (int i = 0; i < appendsPerThread; i++) {
            List<byte[]> batch = new ArrayList<>();
            int size = random.nextInt(4) == 0 ? 1 + random.nextInt(5) : 1;
            for (int j = 0; j < size; j++) batch.add(("t" + thread + "-" + i + "-" + j + "-" + "p".repeat(random.nextInt(200))).getBytes());
            batches.add(batch);
            futures.add(size == 1 && random.nextBoolean() ? spool.append(batch.get(0)) : spool.append(batch));
          }
          long previous = -1;
          for (int i = 0; i < futures.size(); i++) {
            long offset = futures.get(i).join();
            assertThat(offset).as("one thread's appends get offsets in call order").isGreaterThan(previous);
            previous = offset + batches.get(i).size() - 1;
            for (int j = 0; j < batches.get(i).size(); j++) {
              assertThat(written.put(offset + j, batches.get(i).get(j))).as("offset %d handed out twice", offset + j).isNull();
            }
          }
        }, Thread::startVirtualThread));
      }
      for (CompletableFuture<Void> a : appenders) a.get(60, TimeUnit.SECONDS);
      assertThat(spool.nextOffset()).isEqualTo(first + written.size());
    }
    try (Spool spool = Spool.open(SpoolConfig.defaults(dir).withSegmentBytes(64 << 10)); SpoolCursor cursor = spool.cursor("check")) {
      long expected = first;
      while (expected < first + written.size()) {
        for (SpoolRecord r : cursor.poll(1000, Long.MAX_VALUE, WAIT)) {
          assertThat(r.offset()).isEqualTo(expected);
          assertThat(r.payload()).as("payload at %d", expected).isEqualTo(written.get(expected));
          expected++;
        }
      }
    }
  }

  /** What the random sequences exercised, summed over all of them. */
  static final class Coverage {
    int appends, polls, acknowledgements, rewinds, reopens, rolls, deletedSegments, oversizedBatches;
    int refusedFull, acceptedAfterFull, closedWhileAppending;

    @Override
    public String toString() {
      return "appends=" + appends + " polls=" + polls + " acknowledgements=" + acknowledgements + " rewinds=" + rewinds
          + " reopens=" + reopens + " rolls=" + rolls + " deletedSegments=" + deletedSegments + " oversizedBatches="
          + oversizedBatches + " refusedFull=" + refusedFull + " acceptedAfterFull=" + acceptedAfterFull
          + " closedWhileAppending=" + closedWhileAppending;
    }
  }

  /** One record as the model knows it: appended no earlier than notBefore and no later than notAfter. */
  record Rec(long offset, byte[] payload, boolean endOfBatch, long notBefore, long notAfter) {
    long size() { return SegmentFile.HEADER + payload.length; }
  }

  /** A cursor as the model knows it. */
  static final class ModelCursor {
    final String name;
    SpoolCursor real;
    long position;
    long committed;

    ModelCursor(String name) { this.name = name; }
  }

  /** One random sequence against one spool directory. */
  static final class Sequence {
    final Path dir;
    final Random random;
    final Coverage coverage;
    final SpoolConfig config;
    final List<Rec> records = new ArrayList<>();
    final Map<String, ModelCursor> cursors = new LinkedHashMap<>();
    final Set<Long> openedAt = new HashSet<>();
    final Deque<String> steps = new ArrayDeque<>();
    final Map<Path, SegmentFile.Contents> parsed = new HashMap<>();
    Set<Path> segmentsSeen = Set.of();
    Spool spool;
    long first;
    List<byte[]> refused;

    Sequence(Path dir, Random random, Coverage coverage) {
      this.dir = dir;
      this.random = random;
      this.coverage = coverage;
      long segment = new long[] {1024, 4096, 4096, 4096, 16384}[random.nextInt(5)];
      long max = random.nextBoolean() ? segment * (4 + random.nextInt(5)) : 1L << 30;
      FsyncPolicy fsync = switch (random.nextInt(10)) {
        case 0 -> FsyncPolicy.ALWAYS;
        case 1 -> FsyncPolicy.parse("interval=5");
        default -> FsyncPolicy.NEVER;
      };
      this.config = new SpoolConfig(dir, segment, max, fsync);
    }

    void play() throws Exception {
      step("open " + config);
      spool = Spool.open(config);
      first = spool.nextOffset();
      openedAt.add(first);
      int cursorCount = 1 + random.nextInt(3);
      for (String name : List.of("lake", "forwarder", "audit").subList(0, cursorCount)) {
        ModelCursor c = new ModelCursor(name);
        c.real = spool.cursor(name);
        c.position = c.real.position();
        c.committed = c.real.committed();
        assertThat(c.position).as("a new cursor starts at the oldest record").isEqualTo(first);
        assertThat(c.committed).isEqualTo(first);
        cursors.put(name, c);
      }
      check();
      int operations = 15 + random.nextInt(40);
      for (int i = 0; i < operations; i++) {
        int dice = random.nextInt(100);
        if (dice < 28) append(List.of(payload()));
        else if (dice < 40) append(batch());
        else if (dice < 48) appendSeveral(2 + random.nextInt(4), false);
        else if (dice < 73) poll(someCursor());
        else if (dice < 85) acknowledge(someCursor());
        else if (dice < 88) rewind(someCursor());
        else if (dice < 91) reopenCursor(someCursor());
        else if (dice < 92) reopen();
        else drainAndRetryRefused();
        check();
      }
      reopen();
      check();
      for (ModelCursor c : cursors.values()) drain(c);
      check();
    }

    // ---- operations ----

    private void append(List<byte[]> batch) throws Exception {
      long free = spool.freeBytes();
      long notBefore = System.currentTimeMillis();
      CompletableFuture<Long> f = batch.size() == 1 && random.nextBoolean() ? spool.append(batch.get(0)) : spool.append(batch);
      step("append " + sizes(batch) + " with " + free + " bytes free");
      if (bytes(batch) > free) {
        expectRefused(f, batch);
        return;
      }
      long offset = get(f);
      accept(batch, offset, notBefore);
    }

    /** Several appends in flight at once; with {@code closing}, the spool is closed while they are. */
    private void appendSeveral(int count, boolean closing) throws Exception {
      long notBefore = System.currentTimeMillis();
      List<List<byte[]>> batches = new ArrayList<>();
      List<CompletableFuture<Long>> futures = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        List<byte[]> batch = random.nextBoolean() ? List.of(payload()) : batch();
        long free = spool.freeBytes();
        CompletableFuture<Long> f = spool.append(batch);
        step("append in flight " + sizes(batch) + " with " + free + " bytes free");
        if (bytes(batch) > free) {
          expectRefused(f, batch);
        } else {
          batches.add(batch);
          futures.add(f);
        }
      }
      if (closing) closeSpool();
      for (int i = 0; i < futures.size(); i++) {
        long offset;
        try {
          offset = get(futures.get(i));
        } catch (SpoolClosedException e) {
          assertThat(closing).as("only a close may fail an accepted append").isTrue();
          coverage.closedWhileAppending++;
          continue;
        }
        accept(batches.get(i), offset, notBefore);
      }
    }

    private void accept(List<byte[]> batch, long offset, long notBefore) {
      long notAfter = System.currentTimeMillis();
      assertThat(offset).as("offset of an append of %s", sizes(batch)).isEqualTo(next());
      for (int i = 0; i < batch.size(); i++) {
        records.add(new Rec(offset + i, batch.get(i), i == batch.size() - 1, notBefore, notAfter));
      }
      coverage.appends++;
      if (bytes(batch) > config.segmentBytes()) coverage.oversizedBatches++;
      if (refused != null && refused.equals(batch)) {
        coverage.acceptedAfterFull++;
        refused = null;
      }
    }

    private void expectRefused(CompletableFuture<Long> f, List<byte[]> batch) {
      assertThat(f.isDone()).as("an append that does not fit fails at once").isTrue();
      assertThat(f).failsWithin(Duration.ZERO).withThrowableThat().havingCause().isInstanceOf(SpoolFullException.class);
      coverage.refusedFull++;
      refused = batch;
    }

    private void poll(ModelCursor c) throws Exception {
      long available = next() - c.position;
      int maxRecords = 1 + random.nextInt(20);
      long maxBytes = new long[] {1, 300, 4096, 1 << 20}[random.nextInt(4)];
      Duration timeout = available > 0 ? WAIT : Duration.ofMillis(random.nextInt(3));
      step("poll " + c.name + " at " + c.position + " max " + maxRecords + " records " + maxBytes + " bytes, " + available + " available");
      List<SpoolRecord> got = c.real.poll(maxRecords, maxBytes, timeout);
      coverage.polls++;
      if (available == 0) {
        assertThat(got).as("nothing to read at the end").isEmpty();
        return;
      }
      assertThat(got).as("a poll with records there returns at least one, at most maxRecords").isNotEmpty().hasSizeLessThanOrEqualTo(maxRecords);
      long payloadBytes = 0;
      for (SpoolRecord r : got) {
        assertThat(payloadBytes).as("no record added once maxBytes %d was reached", maxBytes).isLessThanOrEqualTo(maxBytes);
        Rec expected = record(c.position);
        assertThat(r.offset()).as("%s reads in order", c.name).isEqualTo(expected.offset());
        assertThat(r.payload()).as("payload of %d", r.offset()).isEqualTo(expected.payload());
        assertThat(r.appendedAtMillis()).as("append time of %d", r.offset()).isBetween(expected.notBefore(), expected.notAfter());
        payloadBytes += r.payload().length;
        c.position++;
      }
      assertThat(c.real.position()).as("%s position after a poll", c.name).isEqualTo(c.position);
    }

    private void acknowledge(ModelCursor c) throws Exception {
      if (c.position == c.committed) {
        poll(c);
        return;
      }
      long offset = c.committed + (long) (random.nextDouble() * (c.position - c.committed));
      step("acknowledge " + c.name + " " + offset);
      c.real.acknowledge(offset);
      c.committed = offset + 1;
      coverage.acknowledgements++;
      assertThat(c.real.committed()).isEqualTo(c.committed);
      assertThat(c.real.position()).as("acknowledging does not move the read position").isEqualTo(c.position);
    }

    private void rewind(ModelCursor c) {
      step("rewind " + c.name + " from " + c.position + " to " + c.committed);
      c.real.rewind();
      c.position = c.committed;
      coverage.rewinds++;
      assertThat(c.real.position()).isEqualTo(c.committed);
    }

    private void reopenCursor(ModelCursor c) throws IOException {
      step("close and reopen cursor " + c.name);
      c.real.close();
      openCursor(c);
    }

    private void reopen() throws Exception {
      if (random.nextInt(3) == 0) {
        appendSeveral(1 + random.nextInt(4), true);
      } else {
        closeSpool();
      }
      step("reopen");
      spool = Spool.open(config);
      coverage.reopens++;
      openedAt.add(next());
      assertThat(spool.nextOffset()).as("next offset after reopening").isEqualTo(next());
      for (ModelCursor c : cursors.values()) openCursor(c);
    }

    private void closeSpool() {
      step("close");
      for (ModelCursor c : cursors.values()) c.real.close();
      spool.close();
    }

    private void openCursor(ModelCursor c) throws IOException {
      c.real = spool.cursor(c.name);
      c.position = c.committed;
      assertThat(c.real.committed()).as("%s resumes at its committed position", c.name).isEqualTo(c.committed);
      assertThat(c.real.position()).isEqualTo(c.committed);
    }

    private void drainAndRetryRefused() throws Exception {
      for (ModelCursor c : cursors.values()) drain(c);
      if (refused != null) {
        check();
        step("retry the refused append");
        append(refused);
      }
    }

    /** Reads a cursor to the end and acknowledges everything. */
    private void drain(ModelCursor c) throws Exception {
      while (c.position < next()) poll(c);
      if (c.committed < next()) {
        step("acknowledge " + c.name + " " + (next() - 1));
        c.real.acknowledge(next() - 1);
        c.committed = next();
        coverage.acknowledgements++;
      }
    }

    // ---- checks ----

    private void check() {
      assertThat(spool.nextOffset()).as("nextOffset").isEqualTo(next());
      await().atMost(WAIT).pollInSameThread().pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(2)).ignoreExceptions()
          .untilAsserted(this::checkFilesAndUsage);
    }

    /** The segment files hold exactly the retained part of the model, laid out as documented. */
    private void checkFilesAndUsage() throws IOException {
      List<Path> segments = SegmentFile.segments(dir);
      assertThat(segments).as("segment files").isNotEmpty();
      long expected = SegmentFile.baseOffset(segments.get(0));
      long recordBytes = 0;
      long previousSize = -1;
      for (int i = 0; i < segments.size(); i++) {
        Path path = segments.get(i);
        SegmentFile.Contents c = parse(path, i == segments.size() - 1);
        String name = path.getFileName().toString();
        recordBytes += c.validEnd();
        assertThat(c.zerosAfter()).as("%s: only zeros after its last record (at %d of %d)", name, c.validEnd(), c.size()).isTrue();
        assertThat(c.baseOffset()).as("%s is named after its first record", name).isEqualTo(expected);
        List<SegmentFile.Entry> entries = c.records();
        if (entries.isEmpty()) {
          assertThat(i).as("%s: only the last segment may be empty", name).isEqualTo(segments.size() - 1);
          continue;
        }
        for (SegmentFile.Entry e : entries) {
          assertThat(expected).as("%s holds records the model has", name).isLessThan(next());
          Rec m = record(expected);
          assertThat(e.offset()).as("%s: offsets are contiguous", name).isEqualTo(expected);
          assertThat(e.payload()).as("%s: payload of %d", name, expected).isEqualTo(m.payload());
          assertThat(e.version()).isEqualTo(1);
          assertThat(e.flags()).as("%s: flags of %d (END_OF_BATCH on a batch's last record only)", name, expected)
              .isEqualTo(m.endOfBatch() ? SegmentFile.END_OF_BATCH : 0);
          assertThat(e.time()).as("%s: time of %d", name, expected).isBetween(m.notBefore(), m.notAfter());
          expected++;
        }
        assertThat(entries.get(entries.size() - 1).endOfBatch()).as("%s: no batch is split across segments", name).isTrue();
        if (c.validEnd() > config.segmentBytes()) {
          assertThat(entries.stream().filter(SegmentFile.Entry::endOfBatch).count())
              .as("%s is larger than a segment, so it holds one batch alone", name).isEqualTo(1);
        }
        if (previousSize >= 0 && !openedAt.contains(c.baseOffset())) {
          long firstBatch = 0;
          for (SegmentFile.Entry e : entries) {
            firstBatch += e.size();
            if (e.endOfBatch()) break;
          }
          assertThat(previousSize + firstBatch).as("%s: the previous segment rolled only because this batch did not fit", name)
              .isGreaterThan(config.segmentBytes());
        }
        previousSize = c.validEnd();
      }
      assertThat(expected).as("the segments end at the next offset").isEqualTo(next());

      long retainedFrom = SegmentFile.baseOffset(segments.get(0));
      long minCommitted = cursors.values().stream().mapToLong(c -> c.committed).min().orElseThrow();
      assertThat(retainedFrom).as("no record a cursor has not acknowledged is deleted").isLessThanOrEqualTo(minCommitted);
      if (segments.size() > 1) {
        assertThat(SegmentFile.baseOffset(segments.get(1)))
            .as("a segment every cursor acknowledged is deleted (cursors committed at %s)", committedPositions())
            .isGreaterThan(minCommitted);
      }
      checkUsage(segments.size(), recordBytes, retainedFrom);
      countRollsAndDeletions(segments);
    }

    private void checkUsage(int segments, long recordBytes, long retainedFrom) {
      long before = System.currentTimeMillis();
      SpoolUsage u = spool.usage();
      long after = System.currentTimeMillis();
      assertThat(u.segments()).as("usage segments").isEqualTo(segments);
      assertThat(u.bytes()).as("usage bytes: the segments' records").isEqualTo(recordBytes);
      assertThat(u.bytes()).as("bytes within the maximum").isLessThanOrEqualTo(config.maxBytes());
      assertThat(spool.freeBytes()).as("free bytes").isEqualTo(config.maxBytes() - recordBytes);
      assertThat(u.firstOffset()).as("usage firstOffset").isEqualTo(retainedFrom);
      assertThat(u.nextOffset()).as("usage nextOffset").isEqualTo(next());
      assertThat(u.records()).as("usage records").isEqualTo(next() - retainedFrom);
      assertThat(u.maxBytes()).isEqualTo(config.maxBytes());
      assertThat(u.cursors()).extracting(SpoolUsage.CursorLag::name).containsExactlyInAnyOrderElementsOf(cursors.keySet());
      for (SpoolUsage.CursorLag lag : u.cursors()) {
        ModelCursor c = cursors.get(lag.name());
        assertThat(lag.position()).as("lag position of %s", c.name).isEqualTo(c.committed);
        assertThat(lag.records()).as("lag records of %s", c.name).isEqualTo(next() - c.committed);
        long bytes = 0;
        for (long o = c.committed; o < next(); o++) bytes += record(o).size();
        assertThat(lag.bytes()).as("lag bytes of %s", c.name).isEqualTo(bytes);
        if (c.committed == next()) {
          assertThat(lag.oldestAgeMillis()).as("no lag, no age").isZero();
        } else {
          Rec oldest = record(c.committed);
          assertThat(lag.oldestAgeMillis()).as("age of %s's oldest unacknowledged record", c.name)
              .isBetween(before - oldest.notAfter(), after - oldest.notBefore());
        }
      }
    }

    private void countRollsAndDeletions(List<Path> segments) {
      Set<Path> now = new HashSet<>(segments);
      for (Path p : now) if (!segmentsSeen.contains(p) && !segmentsSeen.isEmpty()) coverage.rolls++;
      for (Path p : segmentsSeen) if (!now.contains(p)) coverage.deletedSegments++;
      segmentsSeen = now;
      parsed.keySet().retainAll(now);
    }

    /**
     * A sealed segment (not the last, records to its very end) no longer changes, so its parse is
     * reused while its size holds. Others are read every time: records are written into
     * preallocated zeros, which does not change the file's size.
     */
    private SegmentFile.Contents parse(Path segment, boolean last) throws IOException {
      SegmentFile.Contents known = parsed.get(segment);
      if (!last && known != null && known.wholeFileValid() && known.size() == Files.size(segment)) return known;
      SegmentFile.Contents c = SegmentFile.read(segment);
      parsed.put(segment, c);
      return c;
    }

    // ---- the model ----

    private long next() {
      return first + records.size();
    }

    private Rec record(long offset) {
      return records.get((int) (offset - first));
    }

    private ModelCursor someCursor() {
      List<ModelCursor> all = new ArrayList<>(cursors.values());
      return all.get(random.nextInt(all.size()));
    }

    private byte[] payload() {
      int size = random.nextInt(40) == 0
          ? (int) config.segmentBytes() + 1 + random.nextInt((int) config.segmentBytes())
          : random.nextInt((int) Math.min(4096, config.segmentBytes()) + 1);
      byte[] p = new byte[size];
      random.nextBytes(p);
      return p;
    }

    private List<byte[]> batch() {
      List<byte[]> batch = new ArrayList<>();
      int size = 2 + random.nextInt(5);
      for (int i = 0; i < size; i++) {
        byte[] p = payload();
        batch.add(p.length > 1024 ? Arrays.copyOf(p, random.nextInt(1024)) : p);
      }
      return batch;
    }

    private String committedPositions() {
      return cursors.values().stream().map(c -> c.name + "=" + c.committed).collect(Collectors.joining(", "));
    }

    private void step(String s) {
      steps.addLast(s);
      if (steps.size() > 40) steps.removeFirst();
    }

    String history() {
      return String.join("\n", steps);
    }

    void closeQuietly() {
      try {
        for (ModelCursor c : cursors.values()) if (c.real != null) c.real.close();
        if (spool != null) spool.close();
      } catch (RuntimeException e) {
        // the sequence already failed; its own error is the one to report
      }
    }
  }

  static long bytes(List<byte[]> batch) {
    return batch.stream().mapToLong(p -> SegmentFile.HEADER + p.length).sum();
  }

  static String sizes(List<byte[]> batch) {
    return batch.stream().map(p -> String.valueOf(p.length)).collect(Collectors.joining(",", "[", "]"));
  }

  static long get(CompletableFuture<Long> f) throws Exception {
    try {
      return f.get(WAIT.toSeconds(), TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof Exception cause) throw cause;
      throw e;
    } catch (TimeoutException e) {
      throw new AssertionError("an append did not complete within " + WAIT, e);
    }
  }

  static void deleteRecursively(Path dir) throws IOException {
    if (!Files.exists(dir)) return;
    try (Stream<Path> all = Files.walk(dir)) {
      for (Path p : all.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
  }
}
