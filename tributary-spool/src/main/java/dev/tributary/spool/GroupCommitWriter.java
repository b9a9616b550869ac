package dev.tributary.spool;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The spool's writer. Appenders hand it batches; it takes everything waiting, writes it
 * with as few system calls as it can, makes it durable with one {@code force}, then completes
 * the appenders' futures itself. Under load the batches grow, so one fsync serves many appends.
 *
 * <p>Completing on this thread costs a microsecond or two per append; handing the futures to a
 * thread of their own cost a wake-up of that thread per commit, which measured more (docs/
 * benchmarks.md, "Capture and the bus against Chukcha"). So whatever an appender chains on its
 * future runs here and must not block: capture's answer moves to its event loop at once.
 *
 * <p>With fsync {@code never} there is nothing to wait for, and the appender commits on its own
 * thread under the writer's lock ({@link #commitNow}): the hand-off to this thread and the
 * completion back were two wake-ups per request; capture at 16 connections answered 24,500
 * requests/s with them and 34,500 without (docs/benchmarks.md). {@code always} and
 * {@code interval} keep the thread, whose commit carries every append that arrived during the
 * previous fsync.
 *
 * <p>The segment being written is preallocated with zeros ahead of the write position, in
 * steps of {@value #PREALLOCATE_BYTES} bytes, so that most commits' fdatasync flushes data
 * only and no file-size metadata (on ext4 that halves its latency for 64 KiB commits).
 * Recovery trims the zero tail; a segment is truncated to its data when it is sealed. The zeros
 * go out {@value #ZERO_WRITE_BYTES} bytes per write: Linux (ext4 since 6.16) caches a write in a
 * folio as large as the write, and every later small write into a folio walks all its blocks, so
 * 1 MiB zero writes made each 1 KiB append into them cost 2.0 µs against 0.8 µs
 * (docs/benchmarks.md, "Preallocation in 64 KiB writes").
 */
final class GroupCommitWriter implements Runnable {
  private static final Logger log = LoggerFactory.getLogger(GroupCommitWriter.class);
  private static final int BUFFER_BYTES = 1 << 20;
  private static final int MAX_APPENDS_PER_COMMIT = 8192;
  private static final long IDLE_WAIT_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
  static final int PREALLOCATE_BYTES = 4 << 20;
  static final int ZERO_WRITE_BYTES = 64 << 10;
  private static final ByteBuffer ZEROS = ByteBuffer.allocateDirect(ZERO_WRITE_BYTES);

  /** One append call waiting for the writer. */
  static final class Pending {
    final List<byte[]> records;
    final long bytes;
    final CompletableFuture<Long> done = new CompletableFuture<>();
    long firstOffset;

    Pending(List<byte[]> records, long bytes) {
      this.records = records;
      this.bytes = bytes;
    }
  }

  /** What the writer tells the spool. */
  interface Listener {
    void rolled(Segment newSegment);

    void published(long nextOffset);

    /** A commit of {@code appends} appends was written, and forced if the policy forces each. */
    void committed(int appends);

    /** A force of the segment took {@code nanos}. */
    void forced(long nanos);

    void failed(IOException cause);
  }

  /** Queued by {@link #close}, and by a roll with fsync {@code never}, so the writer notices at once; it holds no records. */
  private static final Pending WAKE_UP = new Pending(List.of(), 0);

  private final BlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
  /** Segments an appender sealed with fsync {@code never}, for this thread to force and close. */
  private final Queue<FileChannel> sealing = new ConcurrentLinkedQueue<>();
  /**
   * Held while the file is written (and forced): by the writer thread, and by appenders that
   * commit on their own thread. Not this object's monitor, which {@link #submit} takes: an appender
   * handing over an append must not wait for the fsync under way.
   */
  private final Object commitLock = new Object();
  private final List<Pending> batch = new ArrayList<>();
  private final ByteBuffer buffer = ByteBuffer.allocateDirect(BUFFER_BYTES);
  private final Path dir;
  private final SpoolConfig config;
  private final Listener listener;
  private Segment active;
  private FileChannel out;
  private long writePosition;
  private long allocatedBytes;
  private long nextOffset;
  private long lastForceNanos = System.nanoTime();
  private boolean unforced;
  private volatile boolean closing;
  private volatile IOException failure;

  GroupCommitWriter(Path dir, SpoolConfig config, Segment active, long writePosition, long nextOffset, Listener listener)
      throws IOException {
    this.dir = dir;
    this.config = config;
    this.listener = listener;
    this.active = active;
    this.writePosition = writePosition;
    this.nextOffset = nextOffset;
    this.out = FileChannel.open(active.file(), StandardOpenOption.WRITE);
    this.allocatedBytes = out.size();
  }

  synchronized void submit(Pending pending) {
    IOException failed = failure;
    if (failed != null) {
      pending.done.completeExceptionally(failed);
    } else if (closing) {
      pending.done.completeExceptionally(new SpoolClosedException());
    } else {
      queue.add(pending);
    }
  }

  /**
   * Commits {@code pending} on the caller's thread, for a policy that does not wait for the device
   * ({@code never}): a write to the page cache costs less than handing the append to the writer
   * thread and its completion back, two wake-ups.
   */
  void commitNow(Pending pending) {
    List<Pending> one = List.of(pending);
    synchronized (commitLock) {
      IOException failed = failure;
      if (failed != null) {
        pending.done.completeExceptionally(failed);
        return;
      }
      if (closing) {
        pending.done.completeExceptionally(new SpoolClosedException());
        return;
      }
      try {
        commit(one);
      } catch (IOException e) {
        fail(e, one);
        return;
      }
    }
    complete(one);
  }

  /** Stops taking appends; the thread finishes what is queued and exits. */
  synchronized void close() {
    closing = true;
    queue.add(WAKE_UP);
  }

  @Override
  public void run() {
    try {
      while (!(closing && queue.isEmpty())) {
        Pending first = queue.poll(waitNanos(), TimeUnit.NANOSECONDS);
        if (first == WAKE_UP) {
          sealHandedOver();
          continue;
        }
        synchronized (commitLock) {
          if (first == null) {
            forceIfDue();
            continue;
          }
          batch.add(first);
          queue.drainTo(batch, MAX_APPENDS_PER_COMMIT - 1);
          commit(batch);
        }
        complete(batch);
        batch.clear();
      }
      synchronized (commitLock) {
        sealHandedOver();
        seal();
        out.close();
      }
    } catch (IOException e) {
      fail(e, batch);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      fail(new IOException("spool writer interrupted", e), batch);
    }
  }

  /**
   * Completes the appends of a commit outside the writer's lock: what they chain runs here, and an
   * appender committing on its own thread should not wait for it.
   */
  private static void complete(List<Pending> committed) {
    for (Pending p : committed) p.done.complete(p.firstOffset);
  }

  private void commit(List<Pending> appends) throws IOException {
    long bytes = 0;
    for (Pending p : appends) {
      if (writePosition + buffer.position() > 0 && writePosition + buffer.position() + p.bytes > config.segmentBytes()) {
        roll();
        bytes = 0;
      }
      bytes += p.bytes;
      preallocate(writePosition + bytes);
      p.firstOffset = nextOffset;
      encode(p);
    }
    flushBuffer();
    unforced = true;
    if (config.fsync() instanceof FsyncPolicy.Always) {
      force();
    } else {
      forceIfDue();
    }
    publish();
    listener.committed(appends.size());
  }

  /** Makes sure the file has zeros up to at least {@code end}, within the segment's size where possible. */
  private void preallocate(long end) throws IOException {
    if (end <= allocatedBytes) return;
    long target = Math.max(end, Math.min(config.segmentBytes(), allocatedBytes + PREALLOCATE_BYTES));
    while (allocatedBytes < target) {
      ByteBuffer zeros = ZEROS.duplicate().limit((int) Math.min(ZEROS.capacity(), target - allocatedBytes));
      allocatedBytes += out.write(zeros, allocatedBytes);
    }
  }

  /** Cuts the preallocated zeros off and forces: the segment now holds exactly its records. */
  private void seal() throws IOException {
    truncateToData();
    out.force(true);
    unforced = false;
  }

  private void truncateToData() throws IOException {
    flushBuffer();
    out.truncate(writePosition);
    allocatedBytes = writePosition;
  }

  /**
   * Forces and closes the segments an appender sealed with fsync {@code never}, and the directory
   * that now names their successors. On the appender's thread, forcing 64 MiB of data the page
   * cache had not yet written back held its event loop, and the other behind the lock, for tens of
   * milliseconds at each roll (docs/benchmarks.md). Nothing waits for it under {@code never}.
   */
  private void sealHandedOver() throws IOException {
    FileChannel sealed;
    boolean any = false;
    while ((sealed = sealing.poll()) != null) {
      try (FileChannel c = sealed) {
        c.force(true);
      }
      any = true;
    }
    if (any) Directories.force(dir);
  }

  private void encode(Pending p) throws IOException {
    long time = System.currentTimeMillis();
    int last = p.records.size() - 1;
    for (int i = 0; i <= last; i++) {
      byte[] payload = p.records.get(i);
      int size = RecordFormat.sizeOf(payload);
      active.indexRecord(nextOffset, writePosition + buffer.position());
      if (size > buffer.capacity()) {
        flushBuffer();
        ByteBuffer big = ByteBuffer.allocate(size);
        RecordFormat.write(big, nextOffset, time, i == last, payload);
        writeFully(big.flip());
      } else {
        if (size > buffer.remaining()) flushBuffer();
        RecordFormat.write(buffer, nextOffset, time, i == last, payload);
      }
      nextOffset++;
    }
  }

  private void flushBuffer() throws IOException {
    buffer.flip();
    writeFully(buffer);
    buffer.clear();
  }

  private void writeFully(ByteBuffer src) throws IOException {
    while (src.hasRemaining()) {
      writePosition += out.write(src, writePosition);
    }
  }

  private void roll() throws IOException {
    boolean onAppendersThread = config.fsync() instanceof FsyncPolicy.Never;
    if (onAppendersThread) truncateToData(); else seal();
    publish();
    FileChannel sealed = out;
    Path file = Segment.fileFor(dir, nextOffset);
    out = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    if (onAppendersThread) {
      sealing.add(sealed);
      queue.add(WAKE_UP);
    } else {
      sealed.close();
      Directories.force(dir);
    }
    active = Segment.openScanned(file, 0, nextOffset);
    writePosition = 0;
    allocatedBytes = 0;
    listener.rolled(active);
  }

  private void force() throws IOException {
    long started = System.nanoTime();
    out.force(false);
    lastForceNanos = System.nanoTime();
    unforced = false;
    listener.forced(lastForceNanos - started);
  }

  private void forceIfDue() throws IOException {
    if (unforced && config.fsync() instanceof FsyncPolicy.Interval interval
        && System.nanoTime() - lastForceNanos >= interval.interval().toNanos()) {
      force();
    }
  }

  private long waitNanos() {
    if (unforced && config.fsync() instanceof FsyncPolicy.Interval interval) {
      return Math.max(0, interval.interval().toNanos() - (System.nanoTime() - lastForceNanos));
    }
    return IDLE_WAIT_NANOS;
  }

  private void publish() {
    active.publish(writePosition, nextOffset);
    listener.published(nextOffset);
  }

  private synchronized void fail(IOException e, List<Pending> inCommit) {
    log.error("spool writer failed; the spool refuses appends until it is reopened", e);
    failure = e;
    listener.failed(e);
    for (Pending p : inCommit) p.done.completeExceptionally(e);
    Pending p;
    while ((p = queue.poll()) != null) p.done.completeExceptionally(e);
  }
}
