package dev.tributary.spool;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The local durable log. Many threads append; one writer thread writes what they handed it as
 * one batch and makes it durable with one {@code force} (group commit). Named cursors read in
 * order and acknowledge durably; a segment every cursor has acknowledged is deleted.
 *
 * <p>The directory holds segment files ({@link RecordFormat}), {@code cursors/} with one
 * {@link CursorCheckpoint} per cursor, and {@code spool.lock}. See docs/spool-format.md.
 */
public final class Spool implements Closeable {
  private static final Logger log = LoggerFactory.getLogger(Spool.class);
  private static final Pattern CURSOR_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
  static final String CURSORS_DIR = "cursors";

  private final SpoolConfig config;
  private final Path dir;
  private final Path cursorsDir;
  private final SpoolLock lock;
  private final ConcurrentSkipListMap<Long, Segment> segments;
  private final Map<String, Long> committed = new ConcurrentHashMap<>();
  private final Map<String, SpoolCursor> openCursors = new ConcurrentHashMap<>();
  private final AtomicLong usedBytes = new AtomicLong();
  private final Object appended = new Object();
  private final GroupCommitWriter writer;
  private final Thread writerThread;
  private volatile long readableEnd;
  private volatile boolean closed;
  private volatile CommitObserver commits = CommitObserver.NONE;

  /** Told of each commit and fsync, on the thread that made it (the writer, or an appender with fsync never): it must be quick. */
  interface CommitObserver {
    CommitObserver NONE = new CommitObserver() {
      @Override public void committed(int appends) {}
      @Override public void forced(long nanos) {}
    };

    void committed(int appends);

    void forced(long nanos);
  }

  private Spool(SpoolConfig config, SpoolLock lock, ConcurrentSkipListMap<Long, Segment> segments, long nextOffset,
      Map<String, Long> positions) throws IOException {
    this.config = config;
    this.dir = config.directory();
    this.cursorsDir = dir.resolve(CURSORS_DIR);
    this.lock = lock;
    this.segments = segments;
    this.readableEnd = nextOffset;
    this.committed.putAll(positions);
    Segment active = segments.lastEntry().getValue();
    segments.values().forEach(s -> usedBytes.addAndGet(s.readableBytes()));
    this.writer = new GroupCommitWriter(dir, config, active, active.readableBytes(), nextOffset, new WriterEvents());
    this.writerThread = Thread.ofPlatform().name("tributary-spool-writer").daemon().start(writer);
    deleteAcknowledgedSegmentsOrWarn();
  }

  /** Opens (creating if needed) the spool in {@code config.directory()}, recovering its tail. */
  public static Spool open(SpoolConfig config) throws IOException {
    Path dir = config.directory();
    Files.createDirectories(dir.resolve(CURSORS_DIR));
    SpoolLock lock = SpoolLock.acquire(dir);
    ConcurrentSkipListMap<Long, Segment> segments = new ConcurrentSkipListMap<>();
    try {
      long next = openSegments(dir, segments);
      Map<String, Long> positions = readCheckpoints(dir.resolve(CURSORS_DIR), segments.firstKey());
      long acknowledgedEnd = positions.values().stream().mapToLong(Long::longValue).max().orElse(next);
      if (acknowledgedEnd > next) {
        log.warn("spool {}: cursors acknowledged up to offset {} but the log ends at {} (records lost to a machine crash "
            + "under fsync {}); new appends start at {} so that no offset is reused", dir, acknowledgedEnd, next,
            config.fsync(), acknowledgedEnd);
        next = createSegment(dir, segments, acknowledgedEnd);
      }
      Spool spool = new Spool(config, lock, segments, next, positions);
      log.info("spool {} opened: {}, offsets {}..{}, fsync {}", dir, Quantity.of(segments.size(), "segment"),
          segments.firstKey(), next, config.fsync());
      return spool;
    } catch (IOException | RuntimeException e) {
      for (Segment s : segments.values()) s.close();
      lock.close();
      throw e;
    }
  }

  /** Opens every segment, recovers the last one, and returns the next offset to append. */
  private static long openSegments(Path dir, ConcurrentSkipListMap<Long, Segment> segments) throws IOException {
    List<Path> files = segmentFiles(dir);
    if (files.isEmpty()) {
      return createSegment(dir, segments, 0);
    }
    for (int i = 0; i < files.size() - 1; i++) {
      Segment s = Segment.openSealed(files.get(i));
      segments.put(s.baseOffset(), s);
    }
    Path last = files.getLast();
    SegmentRecovery.Result r = SegmentRecovery.recover(last, Segment.baseOf(last));
    Segment tail = Segment.openScanned(last, r.validBytes(), r.nextOffset());
    segments.put(tail.baseOffset(), tail);
    if (r.nextFreeOffset() > r.nextOffset()) {
      return createSegment(dir, segments, r.nextFreeOffset());
    }
    return r.nextOffset();
  }

  private static long createSegment(Path dir, ConcurrentSkipListMap<Long, Segment> segments, long base) throws IOException {
    Path file = Segment.fileFor(dir, base);
    Files.createFile(file);
    Directories.force(dir);
    segments.put(base, Segment.openScanned(file, 0, base));
    return base;
  }

  static List<Path> segmentFiles(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(Segment::isSegment).sorted().toList();
    }
  }

  /** Every cursor's committed position; a damaged checkpoint restarts its cursor at the oldest record. */
  private static Map<String, Long> readCheckpoints(Path cursorsDir, long firstOffset) throws IOException {
    Map<String, Long> positions = new ConcurrentHashMap<>();
    try (Stream<Path> files = Files.list(cursorsDir)) {
      for (Path f : files.toList()) {
        String name = f.getFileName().toString();
        if (name.endsWith(".tmp")) {
          Files.delete(f);
        } else if (name.endsWith(CursorCheckpoint.SUFFIX)) {
          long position = CursorCheckpoint.read(f);
          positions.put(name.substring(0, name.length() - CursorCheckpoint.SUFFIX.length()), Math.max(position, firstOffset));
        }
      }
    }
    return positions;
  }

  /** Appends one record; the future completes with its offset once durable under the policy. */
  public CompletableFuture<Long> append(byte[] payload) {
    return append(List.of(payload));
  }

  /**
   * Appends records atomically: after a crash all of them or none are there. The future
   * completes with the offset of the first once all are durable, or fails at once with
   * {@link SpoolFullException} when they do not fit.
   */
  public CompletableFuture<Long> append(List<byte[]> batch) {
    if (batch.isEmpty()) throw new IllegalArgumentException("an append needs at least one record");
    long bytes = 0;
    for (byte[] payload : batch) {
      if (payload.length > RecordFormat.MAX_PAYLOAD) {
        throw new IllegalArgumentException("record of " + payload.length + " bytes is over the spool's limit of "
            + RecordFormat.MAX_PAYLOAD);
      }
      bytes += RecordFormat.sizeOf(payload);
    }
    long used = usedBytes.addAndGet(bytes);
    if (used > config.maxBytes()) {
      usedBytes.addAndGet(-bytes);
      return CompletableFuture.failedFuture(new SpoolFullException(used - bytes, bytes, config.maxBytes()));
    }
    GroupCommitWriter.Pending pending = new GroupCommitWriter.Pending(batch, bytes);
    if (config.fsync() instanceof FsyncPolicy.Never) writer.commitNow(pending); else writer.submit(pending);
    return pending.done;
  }

  /** Opens the named cursor, at its last acknowledged position (the oldest record for a new one). */
  public SpoolCursor cursor(String name) throws IOException {
    if (!CURSOR_NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("invalid cursor name '" + name + "': use 1-64 of A-Z a-z 0-9 . _ -, starting with a letter or digit");
    }
    ensureOpen();
    Long position = committed.get(name);
    if (position == null) {
      position = firstOffset();
      CursorCheckpoint.write(CursorCheckpoint.fileFor(cursorsDir, name), position);
      committed.put(name, position);
    }
    SpoolCursor cursor = new SpoolCursor(this, name, position);
    if (openCursors.putIfAbsent(name, cursor) != null) {
      throw new IllegalStateException("cursor '" + name + "' is already open");
    }
    return cursor;
  }

  /** The offset the next append will get. */
  public long nextOffset() {
    return readableEnd;
  }

  /** Bytes that can still be appended before appends fail with {@link SpoolFullException}. Cheap. */
  public long freeBytes() {
    return Math.max(0, config.maxBytes() - usedBytes.get());
  }

  public SpoolUsage usage() {
    long end = readableEnd;
    long bytes = segments.values().stream().mapToLong(Segment::readableBytes).sum();
    List<SpoolUsage.CursorLag> lags = new ArrayList<>();
    long now = System.currentTimeMillis();
    committed.forEach((name, position) -> lags.add(lagOf(name, position, end, now)));
    lags.sort((a, b) -> a.name().compareTo(b.name()));
    return new SpoolUsage(bytes, end - firstOffset(), segments.size(), firstOffset(), end, config.maxBytes(), lags);
  }

  private SpoolUsage.CursorLag lagOf(String name, long position, long end, long now) {
    try {
      Segment at = segmentFor(position);
      long bytePosition = at.positionOf(position);
      long bytes = at.readableBytes() - bytePosition;
      for (Segment s : segments.tailMap(at.baseOffset(), false).values()) bytes += s.readableBytes();
      long time = position < end ? at.timeAt(bytePosition) : -1;
      if (time < 0 && position < end) {
        Segment next = segments.higherEntry(at.baseOffset()) == null ? null : segments.higherEntry(at.baseOffset()).getValue();
        time = next == null ? -1 : next.timeAt(0);
      }
      return new SpoolUsage.CursorLag(name, position, Math.max(0, end - position), bytes, time < 0 ? 0 : now - time);
    } catch (IOException e) {
      log.warn("could not compute the lag of cursor {}", name, e);
      return new SpoolUsage.CursorLag(name, position, Math.max(0, end - position), -1, 0);
    }
  }

  void observeCommits(CommitObserver observer) {
    commits = observer;
  }

  public SpoolConfig config() {
    return config;
  }

  /** Waits for appends already handed to the writer, then releases files and the lock. */
  @Override
  public void close() {
    if (closed) return;
    closed = true;
    writer.close();
    try {
      writerThread.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    openCursors.values().forEach(SpoolCursor::close);
    for (Segment s : segments.values()) {
      try {
        s.close();
      } catch (IOException e) {
        log.warn("closing {}", s, e);
      }
    }
    try {
      lock.close();
    } catch (IOException e) {
      log.warn("releasing the spool lock", e);
    }
    synchronized (appended) {
      appended.notifyAll();
    }
  }

  Path directory() {
    return dir;
  }

  long firstOffset() {
    return segments.firstKey();
  }

  Segment segmentFor(long offset) {
    Map.Entry<Long, Segment> e = segments.floorEntry(offset);
    return e != null ? e.getValue() : segments.firstEntry().getValue();
  }

  Segment segmentAfter(Segment s) {
    Map.Entry<Long, Segment> e = segments.higherEntry(s.baseOffset());
    return e == null ? null : e.getValue();
  }

  boolean isClosed() {
    return closed;
  }

  void ensureOpen() throws SpoolClosedException {
    if (closed) throw new SpoolClosedException();
  }

  /** Blocks until records at or after {@code position} are readable, the timeout passes, or the spool closes. */
  void awaitReadable(long position, long timeoutNanos) throws InterruptedException {
    long deadline = System.nanoTime() + timeoutNanos;
    synchronized (appended) {
      long left;
      while (readableEnd <= position && !closed && (left = deadline - System.nanoTime()) > 0) {
        TimeUnit.NANOSECONDS.timedWait(appended, left);
      }
    }
  }

  void acknowledged(String name, long position) throws IOException {
    CursorCheckpoint.write(CursorCheckpoint.fileFor(cursorsDir, name), position);
    committed.put(name, position);
    deleteAcknowledgedSegments();
  }

  void cursorClosed(String name) {
    openCursors.remove(name);
  }

  private void deleteAcknowledgedSegmentsOrWarn() {
    try {
      deleteAcknowledgedSegments();
    } catch (IOException e) {
      log.warn("could not delete acknowledged segments of {}; will retry at the next acknowledgement or roll", dir, e);
    }
  }

  /** Deletes segments every cursor has read past; never the one being written. */
  private synchronized void deleteAcknowledgedSegments() throws IOException {
    long min = committed.values().stream().mapToLong(Long::longValue).min().orElse(Long.MIN_VALUE);
    boolean deleted = false;
    while (segments.size() > 1) {
      Map.Entry<Long, Segment> first = segments.firstEntry();
      Map.Entry<Long, Segment> second = segments.higherEntry(first.getKey());
      if (second.getKey() > min) break;
      Segment s = first.getValue();
      segments.remove(first.getKey());
      s.close();
      Files.deleteIfExists(s.file());
      usedBytes.addAndGet(-s.readableBytes());
      log.debug("deleted acknowledged segment {}", s);
      deleted = true;
    }
    if (deleted) Directories.force(dir);
  }

  private final class WriterEvents implements GroupCommitWriter.Listener {
    @Override public void rolled(Segment newSegment) {
      segments.put(newSegment.baseOffset(), newSegment);
      deleteAcknowledgedSegmentsOrWarn();
    }

    @Override public void published(long nextOffset) {
      readableEnd = nextOffset;
      synchronized (appended) {
        appended.notifyAll();
      }
    }

    @Override public void committed(int appends) {
      commits.committed(appends);
    }

    @Override public void forced(long nanos) {
      commits.forced(nanos);
    }

    @Override public void failed(IOException cause) {
      synchronized (appended) {
        appended.notifyAll();
      }
    }
  }
}
