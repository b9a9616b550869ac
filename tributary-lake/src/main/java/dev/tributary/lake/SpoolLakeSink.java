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
 * lands each event exactly once in the lake (see docs/lake.md for why that holds after any crash).
 *
 * <p>Per record, in this order: place it (event partition, or {@code _errors}); skip it if a
 * completed file of that partition already covers its offset (only while replaying offsets an
 * earlier run may have written); drop it if its {@code event_id} landed within the dedup window;
 * otherwise append it to the partition's open file. The cursor is acknowledged only up to the
 * first offset of the oldest open file − 1. Any I/O failure abandons the open files and starts
 * over from the acknowledged position, exactly as a restart would.
 */
public final class SpoolLakeSink implements AutoCloseable {

  static final String CURSOR = "lake";
  static final String FILE_PREFIX = "part";
  static final int MAX_POLL_RECORDS = 10_000;
  static final long MAX_POLL_BYTES = 16L << 20;
  static final long MAX_POLL_WAIT_NANOS = TimeUnit.MILLISECONDS.toNanos(250);
  /** Slack for clocks and for events received slightly before the spool stamped them. */
  static final Duration DEDUP_REBUILD_SLACK = Duration.ofMinutes(1);
  private static final Duration RETRY_PAUSE = Duration.ofSeconds(1);
  private static final Logger log = LoggerFactory.getLogger(SpoolLakeSink.class);

  private final Spool spool;
  private final SpoolCursor cursor;
  private final LakeConfig config;
  private final LakeFileNamer namer = new LakeFileNamer(FILE_PREFIX);
  private final LakeStore store;           // rooted at the lake root
  private final PartitionPath partitions;  // directories relative to it: <table>/event_type=...
  private final LakeWriter writer;
  private final Counter eventsWritten;
  private final Counter duplicatesDropped;
  private final Counter errorRecords;
  private final Counter replaySkipped;
  private final Counter failures;
  private final Thread thread;
  private final CountDownLatch stop = new CountDownLatch(1);
  private final AtomicReference<DrainRequest> drain = new AtomicReference<>();

  private volatile long acknowledged;  // last offset acknowledged; read by the lag gauge
  private CoveredOffsets covered;      // null once past the replay horizon
  private EventIdWindow landed;        // null until the first record of a session

  private SpoolLakeSink(Spool spool, SpoolCursor cursor, LakeConfig config, MeterRegistry registry) {
    this.spool = spool;
    this.cursor = cursor;
    this.config = config;
    this.store = new FileLakeStore(config.root());
    this.partitions = new PartitionPath(Path.of(config.table()), config.pathFormat());
    this.writer = new LakeWriter(store, LakeFormat.NDJSON_GZIP, namer, LakeWriter.Rolls.of(config.rollBytes(), config.rollAge()),
        Counter.builder("tributary.lake.files.completed").description("lake files completed (renamed to their final name)")
            .register(registry));
    this.eventsWritten = Counter.builder("tributary.lake.events.written").description("events appended to lake files")
        .register(registry);
    this.duplicatesDropped = Counter.builder("tributary.lake.duplicates.dropped")
        .description("events dropped because their event_id landed within the dedup window").register(registry);
    this.errorRecords = Counter.builder("tributary.lake.errors.written")
        .description("records that could not be placed, written under _errors").register(registry);
    this.replaySkipped = Counter.builder("tributary.lake.replay.skipped")
        .description("records read again after a restart and skipped because a completed file holds them")
        .register(registry);
    this.failures = Counter.builder("tributary.lake.failures")
        .description("I/O failures after which the sink started over from its acknowledged position").register(registry);
    this.acknowledged = cursor.committed() - 1;
    Gauge.builder("tributary.lake.lag", this, SpoolLakeSink::lag).strongReference(true).baseUnit("records")
        .description("spool records not yet in completed lake files").register(registry);
    this.thread = Thread.ofPlatform().name("lake-sink").daemon(true).unstarted(this::run);
  }

  /** Opens the cursor {@value #CURSOR} and starts the sink thread, which recovers and then follows the spool. */
  public static SpoolLakeSink start(Spool spool, LakeConfig config, MeterRegistry registry) throws IOException {
    SpoolLakeSink sink = new SpoolLakeSink(spool, spool.cursor(CURSOR), config, registry);
    log.info("lake sink writing {} (files roll at {} bytes or {} s, dedup window {} s), from spool offset {}",
        config.tableDir(), config.rollBytes(), config.rollAge().toSeconds(), config.dedupWindow().toSeconds(),
        sink.acknowledged + 1);
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
          failures.increment();
          writer.abandonAll();
          stop.await(RETRY_PAUSE.toMillis(), TimeUnit.MILLISECONDS);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      writer.abandonAll();
      cursor.close();
      DrainRequest pending = drain.getAndSet(null);
      if (pending != null) pending.done().completeExceptionally(new IllegalStateException("lake sink stopped"));
    }
  }

  /** Recovery and then the steady state: the same code path after a start and after a failure. */
  private void session() throws IOException, InterruptedException {
    cursor.rewind();
    acknowledged = cursor.committed() - 1;
    covered = new CoveredOffsets(store, namer, cursor.committed(), spool.nextOffset());
    landed = null;
    while (!stopping()) {
      List<SpoolRecord> batch = cursor.poll(MAX_POLL_RECORDS, MAX_POLL_BYTES, pollWait());
      if (!batch.isEmpty() && landed == null) landed = rebuildDedup(batch.getFirst());
      for (SpoolRecord r : batch) place(r);
      if (covered != null && covered.pastHorizon(cursor.position())) covered = null;
      writer.completeDue(System.nanoTime());
      serveDrain();
      acknowledge();
    }
  }

  private void place(SpoolRecord r) throws IOException {
    Placement placement = Placement.of(r.payload());
    Path dir = switch (placement) {
      case Placement.Event e -> partitions.ofEvent(e.type(), e.receivedAt());
      case Placement.Unplaceable u -> partitions.ofError(r.appendedAtMillis());
    };
    if (covered != null && covered.covers(dir, r.offset())) {
      replaySkipped.increment();
      return;
    }
    switch (placement) {
      case Placement.Event e -> {
        long receivedAt = e.receivedAt().toEpochMilli();
        if (e.eventId() != null && landed.contains(e.eventId(), receivedAt)) {
          duplicatesDropped.increment();
          return;
        }
        writer.append(dir, r.offset(), e.line(), System.nanoTime());
        if (e.eventId() != null) landed.add(e.eventId(), receivedAt);
        eventsWritten.increment();
      }
      case Placement.Unplaceable u -> {
        writer.append(dir, r.offset(), ErrorLine.of(u.reason(), r.offset(), r.appendedAtMillis(), r.payload()),
            System.nanoTime());
        errorRecords.increment();
        log.debug("spool offset {} written to _errors: {}", r.offset(), u.reason());
      }
    }
  }

  private EventIdWindow rebuildDedup(SpoolRecord first) throws IOException {
    Instant since = Instant.ofEpochMilli(first.appendedAtMillis()).minus(config.dedupWindow()).minus(DEDUP_REBUILD_SLACK);
    return LandedEvents.read(config.tableDir(), config.pathFormat(), namer, since, config.dedupWindow().toMillis(), config.dedupMaxEntries());
  }

  /** Everything below the oldest open file, and below the read position, is in completed files. */
  private void acknowledge() throws IOException {
    long through = Math.min(writer.oldestOpenOffset(), cursor.position()) - 1;
    if (through > acknowledged) {
      cursor.acknowledge(through);
      acknowledged = through;
    }
  }

  private void serveDrain() throws IOException {
    DrainRequest request = drain.get();
    if (request == null || cursor.position() < request.target()) return;
    writer.completeAll();
    acknowledge();
    drain.compareAndSet(request, null);
    request.done().complete(null);
  }

  private Duration pollWait() {
    long untilRoll = writer.nextDeadlineNanos() - System.nanoTime();
    return Duration.ofNanos(Math.max(TimeUnit.MILLISECONDS.toNanos(1), Math.min(untilRoll, MAX_POLL_WAIT_NANOS)));
  }

  private record DrainRequest(long target, CompletableFuture<Void> done) {}
}
