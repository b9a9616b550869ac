package dev.tributary.spool;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The spool's only writer. Appenders hand it batches; it takes everything waiting, writes it
 * with as few system calls as it can, makes it durable with one {@code force}, then completes
 * every appender's future. Under load the batches grow, so one fsync serves many appends.
 */
final class GroupCommitWriter implements Runnable {
  private static final Logger log = LoggerFactory.getLogger(GroupCommitWriter.class);
  private static final int BUFFER_BYTES = 1 << 20;
  private static final int MAX_APPENDS_PER_COMMIT = 8192;
  private static final long IDLE_WAIT_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

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

    void failed(IOException cause);
  }

  private final BlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
  private final List<Pending> batch = new ArrayList<>();
  private final ByteBuffer buffer = ByteBuffer.allocateDirect(BUFFER_BYTES);
  private final Path dir;
  private final SpoolConfig config;
  private final Listener listener;
  private Segment active;
  private FileChannel out;
  private long writePosition;
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

  /** Stops taking appends; the thread finishes what is queued and exits. */
  synchronized void close() {
    closing = true;
  }

  @Override
  public void run() {
    try {
      while (!(closing && queue.isEmpty())) {
        Pending first = queue.poll(waitNanos(), TimeUnit.NANOSECONDS);
        if (first == null) {
          forceIfDue();
          continue;
        }
        batch.add(first);
        queue.drainTo(batch, MAX_APPENDS_PER_COMMIT - 1);
        commit();
        batch.clear();
      }
      if (unforced) force();
      out.close();
    } catch (IOException e) {
      fail(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      fail(new IOException("spool writer interrupted", e));
    }
  }

  private void commit() throws IOException {
    for (Pending p : batch) {
      if (writePosition + buffer.position() > 0 && writePosition + buffer.position() + p.bytes > config.segmentBytes()) {
        roll();
      }
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
    for (Pending p : batch) {
      p.done.complete(p.firstOffset);
    }
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
    flushBuffer();
    if (!(config.fsync() instanceof FsyncPolicy.Never)) force();
    publish();
    out.close();
    Path file = Segment.fileFor(dir, nextOffset);
    out = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    Directories.force(dir);
    active = Segment.openScanned(file, 0, nextOffset);
    writePosition = 0;
    listener.rolled(active);
  }

  private void force() throws IOException {
    out.force(false);
    lastForceNanos = System.nanoTime();
    unforced = false;
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

  private synchronized void fail(IOException e) {
    log.error("spool writer failed; the spool refuses appends until it is reopened", e);
    failure = e;
    listener.failed(e);
    for (Pending p : batch) p.done.completeExceptionally(e);
    Pending p;
    while ((p = queue.poll()) != null) p.done.completeExceptionally(e);
  }
}
