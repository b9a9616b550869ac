package dev.tributary.lake;

import dev.tributary.spool.Spool;
import dev.tributary.spool.SpoolClosedException;
import dev.tributary.spool.SpoolCursor;
import dev.tributary.spool.SpoolRecord;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded lake sink: one thread reads the spool through the cursor {@value #CURSOR} and
 * lands each event exactly once in the lake, a directory or S3, in any {@link LakeFormat} (see
 * docs/lake.md for why that holds after any crash).
 *
 * <p>It is the lake core ({@link SourceLanding}: placement, the offset rule, files, error lines,
 * meters) plus the spool cursor and the event_id window: a placed event whose {@code event_id}
 * landed within the dedup window is dropped. The cursor is acknowledged only up to the first
 * offset of the oldest open file − 1. Any I/O failure abandons the open files and starts over
 * from the acknowledged position, exactly as a restart would.
 */
public final class SpoolLakeSink implements AutoCloseable {

  static final String CURSOR = "lake";
  static final int MAX_POLL_RECORDS = 10_000;
  static final long MAX_POLL_BYTES = 16L << 20;
  static final long MAX_POLL_WAIT_NANOS = TimeUnit.MILLISECONDS.toNanos(250);
  /**
   * After a poll that did not fill a batch the sink waits this long before the next one, so that
   * it wakes some 40 times a second rather than at every spool commit (thousands under load, each
   * a context switch taken from capture's threads on a small machine). Events reach completed
   * lake files no sooner than the roll age anyway.
   */
  static final long LINGER_MILLIS = 25;
  /** Records whose envelopes are read ahead of their window lookups; the slots prefetched for them stay in the CPU's caches until used. */
  static final int CHUNK = 256;
  /** Slack for clocks and for events received slightly before the spool stamped them. */
  static final Duration DEDUP_REBUILD_SLACK = Duration.ofMinutes(1);
  private static final Duration RETRY_PAUSE = Duration.ofSeconds(1);
  private static final Logger log = LoggerFactory.getLogger(SpoolLakeSink.class);

  private final Spool spool;
  private final SpoolCursor cursor;
  private final LakeConfig config;
  private final LakeTable table;
  private final Counter duplicatesDropped;
  private final Thread thread;
  private final CountDownLatch stop = new CountDownLatch(1);
  private final AtomicReference<DrainRequest> drain = new AtomicReference<>();
  private final Placement[] placements = new Placement[CHUNK];  // landChunk's, between its two passes
  private final long[] fingerprints = new long[CHUNK];

  private volatile long acknowledged;  // last offset acknowledged; read by the lag gauge
  private SourceLanding landing;       // one per session
  private EventIdWindow landed;        // null until the first record of a session

  private SpoolLakeSink(Spool spool, SpoolCursor cursor, LakeConfig config, LakeStore store, MeterRegistry registry) {
    this.spool = spool;
    this.cursor = cursor;
    this.config = config;
    this.table = new LakeTable(store, config.table(), config.pathFormat(), config.target().format(),
        LakeWriter.Rolls.of(config.rollBytes(), config.rollAge()), LakeMeters.register(registry));
    this.duplicatesDropped = Counter.builder(LakeMeters.PREFIX + "duplicates.dropped")
        .description("events dropped because their event_id landed within the dedup window").register(registry);
    this.acknowledged = cursor.committed() - 1;
    Gauge.builder(LakeMeters.PREFIX + "lag", this, SpoolLakeSink::lag).strongReference(true).baseUnit("records")
        .description("spool records not yet in completed lake files").register(registry);
    this.thread = Thread.ofPlatform().name("lake-sink").daemon(true).unstarted(this::run);
  }

  /** Opens the lake and the cursor {@value #CURSOR} and starts the sink thread, which recovers and then follows the spool. */
  public static SpoolLakeSink start(Spool spool, LakeConfig config, MeterRegistry registry) throws IOException {
    LakeStore store = config.target().open(config.uploadDir());
    SpoolLakeSink sink;
    try {
      sink = new SpoolLakeSink(spool, spool.cursor(CURSOR), config, store, registry);
    } catch (IOException | RuntimeException e) {
      store.close();
      throw e;
    }
    log.info("lake sink writing {} (files roll at {} bytes or {} s, dedup window {} s), from spool offset {}",
        config.target().describeTable(config.table()), config.rollBytes(), config.rollAge().toSeconds(),
        config.dedupWindow().toSeconds(), sink.acknowledged + 1);
    sink.thread.start();
    return sink;
  }

  /**
   * Lands everything the spool holds as of this call, completes every open file and acknowledges.
   * Returns false when that did not finish within {@code timeout} (or the sink is stopped); the
   * sink keeps running either way.
   */
  public boolean drain(Duration timeout) {
    if (!thread.isAlive()) return false;
    DrainRequest request = new DrainRequest(spool.nextOffset(), new CompletableFuture<>());
    drain.set(request);
    try {
      request.done().get(timeout.toNanos(), TimeUnit.NANOSECONDS);
      return true;
    } catch (TimeoutException | ExecutionException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** Stops the thread. Open files are deleted; their records stay in the spool and are read again on restart. */
  @Override
  public void close() {
    stop.countDown();
    try {
      thread.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private long lag() {
    return Math.max(0, spool.nextOffset() - acknowledged - 1);
  }

  private boolean stopping() {
    return stop.getCount() == 0;
  }

  private void run() {
    try {
      while (!stopping()) {
        try {
          session();
        } catch (SpoolClosedException e) {
          log.warn("spool closed under the lake sink; it stops");
          return;
        } catch (IOException | RuntimeException e) {
          // a bug must not silently stop the lake either: log it, start over, and keep trying
          log.error("lake sink failed; abandoning open files and reading again from spool offset {}", acknowledged + 1, e);
          table.meters().failures().increment();
          if (landing != null) landing.writer.abandonAll();
          stop.await(RETRY_PAUSE.toMillis(), TimeUnit.MILLISECONDS);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      if (landing != null) landing.writer.abandonAll();
      cursor.close();
      table.store().close();
      DrainRequest pending = drain.getAndSet(null);
      if (pending != null) pending.done().completeExceptionally(new IllegalStateException("lake sink stopped"));
    }
  }

  /** Recovery and then the steady state: the same code path after a start and after a failure. */
  private void session() throws IOException, InterruptedException {
    cursor.rewind();
    acknowledged = cursor.committed() - 1;
    landing = new SourceLanding(table, SourceLanding.Source.SPOOL, "", cursor.committed(), spool.nextOffset());
    landed = null;
    while (!stopping()) {
      List<SpoolRecord> batch = cursor.poll(MAX_POLL_RECORDS, MAX_POLL_BYTES, pollWait());
      if (!batch.isEmpty() && landed == null) landed = rebuildDedup(batch.getFirst());
      for (int from = 0; from < batch.size(); from += CHUNK) landChunk(batch.subList(from, Math.min(batch.size(), from + CHUNK)));
      landing.writer.completeDue(System.nanoTime());
      serveDrain();
      acknowledge();
      if (batch.size() < MAX_POLL_RECORDS && drain.get() == null) stop.await(LINGER_MILLIS, TimeUnit.MILLISECONDS);
    }
  }

  /**
   * Reads the envelope of every record of {@code records} first, then places, checks against the
   * window and lands each in offset order: the window's cache misses for the whole chunk go out
   * together ({@link EventIdWindow#prefetch}) instead of one after another.
   */
  private void landChunk(List<SpoolRecord> records) throws IOException {
    int n = records.size();
    for (int i = 0; i < n; i++) {
      placements[i] = Placement.of(records.get(i).payload());
      fingerprints[i] = placements[i] instanceof Placement.Event e && e.eventId() != null ? landed.fingerprint(e.eventId()) : 0;
    }
    landed.prefetch(fingerprints, n);
    for (int i = 0; i < n; i++) {
      land(records.get(i), placements[i], fingerprints[i]);
      placements[i] = null;
    }
  }

  /** {@code fingerprint} is 0 for a record without event_id. */
  private void land(SpoolRecord r, Placement placement, long fingerprint) throws IOException {
    SourceLanding.Placed placed = landing.place(r.offset(), placement, r.appendedAtMillis());
    if (placed == null) return;
    long receivedAt = placement instanceof Placement.Event e ? e.receivedAt().toEpochMilli() : 0;
    if (fingerprint != 0 && landed.contains(fingerprint, receivedAt)) {
      duplicatesDropped.increment();
      return;
    }
    landing.land(placed, r.offset(), r.payload(), r.appendedAtMillis(), System.nanoTime());
    if (fingerprint != 0) landed.add(fingerprint, receivedAt);
  }

  private EventIdWindow rebuildDedup(SpoolRecord first) throws IOException {
    Instant since = Instant.ofEpochMilli(first.appendedAtMillis()).minus(config.dedupWindow()).minus(DEDUP_REBUILD_SLACK);
    return LandedEvents.read(table.store(), Path.of(config.table()), config.pathFormat(),
        new LakeFileNamer(SourceLanding.Source.SPOOL.filePrefix(), table.format(), ""), since,
        config.dedupWindow().toMillis(), config.dedupMaxEntries());
  }

  /** Everything below the oldest open file, and below the read position, is in completed files. */
  private void acknowledge() throws IOException {
    long through = Math.min(landing.writer.oldestOpenOffset(), cursor.position()) - 1;
    if (through > acknowledged) {
      cursor.acknowledge(through);
      acknowledged = through;
    }
  }

  private void serveDrain() throws IOException {
    DrainRequest request = drain.get();
    if (request == null || cursor.position() < request.target()) return;
    landing.writer.completeAll();
    acknowledge();
    drain.compareAndSet(request, null);
    request.done().complete(null);
  }

  private Duration pollWait() {
    long untilRoll = landing.writer.nextDeadlineNanos() - System.nanoTime();
    return Duration.ofNanos(Math.max(TimeUnit.MILLISECONDS.toNanos(1), Math.min(untilRoll, MAX_POLL_WAIT_NANOS)));
  }

  private record DrainRequest(long target, CompletableFuture<Void> done) {}
}
