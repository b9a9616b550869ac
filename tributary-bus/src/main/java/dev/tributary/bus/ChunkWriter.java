package dev.tributary.bus;

import dev.tributary.spool.FsyncPolicy;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The writer of chunk files, for every category (group commit). It takes every write
 * waiting, appends each body whole to its category's chunk, forces each chunk it touched once,
 * publishes the new sizes, then completes the writes: under load one fsync serves many writes.
 * Between writes it completes chunks past the rotation interval and applies retention. With fsync
 * {@code never} there is no fsync to share: writers write on their own thread ({@link #writeNow}).
 * The chunk file layout is documented on {@link Category}.
 */
final class ChunkWriter implements Runnable {
  private static final Logger LOG = LoggerFactory.getLogger(ChunkWriter.class);
  private static final int MAX_WRITES_PER_COMMIT = 4096;

  /** One {@code /write} waiting for the writer. */
  record Append(String category, byte[] body, int length, CompletableFuture<Void> done) {}

  private static final Append WAKE_UP = new Append("", new byte[0], 0, new CompletableFuture<>());

  private final BlockingQueue<Append> queue = new LinkedBlockingQueue<>();
  /**
   * Held while chunks are written, forced, rotated or trimmed: by this thread, and by writers that
   * write on their own thread ({@link #writeNow}). Not this object's monitor, which {@link #submit}
   * takes: handing over a write must not wait for the fsync under way.
   */
  private final Object commitLock = new Object();
  private final List<Append> batch = new ArrayList<>();
  private final Set<Category> touched = new LinkedHashSet<>();
  private final BusConfig config;
  private final Function<String, Category> categories;
  private final Iterable<Category> all;
  private final long tickNanos;
  private long lastForceNanos = System.nanoTime();
  private long nextTickNanos = System.nanoTime();
  private boolean unforced;
  private volatile boolean closing;
  private volatile IOException failure;

  /**
   * @param categories finds or creates a category, on this thread
   * @param all the categories open now, for rotation by time and retention
   */
  ChunkWriter(BusConfig config, Function<String, Category> categories, Iterable<Category> all) {
    this.config = config;
    this.categories = categories;
    this.all = all;
    this.tickNanos = Math.clamp(config.rotateInterval().toNanos() / 4, TimeUnit.MILLISECONDS.toNanos(10), TimeUnit.SECONDS.toNanos(1));
  }

  synchronized CompletableFuture<Void> submit(String category, byte[] body, int length) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    if (failure != null) {
      done.completeExceptionally(failure);
    } else if (closing) {
      done.completeExceptionally(new IOException("the bus is closing"));
    } else {
      queue.add(new Append(category, body, length, done));
    }
    return done;
  }

  /**
   * Writes on the caller's thread, under the writer's lock, for fsync {@code never}: there is no
   * fsync to share, and the hand-off to this thread and the completion back cost two wake-ups.
   */
  CompletableFuture<Void> writeNow(String category, byte[] body, int length) {
    Append append = new Append(category, body, length, new CompletableFuture<>());
    List<Append> one = List.of(append);
    synchronized (commitLock) {
      if (failure != null) return CompletableFuture.failedFuture(failure);
      if (closing) return CompletableFuture.failedFuture(new IOException("the bus is closing"));
      try {
        if (!commit(one)) return append.done();
      } catch (IOException e) { // the roll-back failed: the chunks are in doubt, as on the writer thread
        fail(e);
        return append.done();
      }
    }
    append.done().complete(null);
    return append.done();
  }

  /** Stops taking writes; the thread finishes what is queued, completes the chunks being written and exits. */
  synchronized void close() {
    closing = true;
    queue.add(WAKE_UP);
  }

  @Override
  public void run() {
    try {
      while (!(closing && queue.isEmpty())) {
        Append first = queue.poll(waitNanos(), TimeUnit.NANOSECONDS);
        boolean committed = false;
        synchronized (commitLock) {
          if (first != null && first != WAKE_UP) {
            batch.add(first);
            queue.drainTo(batch, MAX_WRITES_PER_COMMIT - 1);
            batch.remove(WAKE_UP);
            committed = commit(batch);
          }
          maintain();
        }
        if (committed) for (Append a : batch) a.done().complete(null);
        batch.clear();
      }
      synchronized (commitLock) {
        for (Category c : all) c.writerClose();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      fail(new IOException("bus writer interrupted", e));
    } catch (IOException | RuntimeException e) {
      fail(e instanceof IOException io ? io : new IOException(e));
    }
  }

  /**
   * Writes {@code appends} and publishes them (forced first with fsync {@code always}); the caller
   * completes them once it has let go of the lock. A failed batch is failed here, and rolled back.
   */
  private boolean commit(List<Append> appends) throws IOException {
    touched.clear();
    try {
      for (Append a : appends) {
        Category c = categories.apply(a.category());
        touched.add(c);
        c.writerPrepare(a.length());
        c.writerAppend(a.body(), a.length());
      }
      for (Category c : touched) c.writerFlush();
      unforced = true;
      if (config.fsync() instanceof FsyncPolicy.Always) forceTouched();
    } catch (IOException | RuntimeException e) {
      LOG.error("bus write failed; the {} writes of this batch get 500", appends.size(), e);
      for (Append a : appends) a.done().completeExceptionally(e);
      for (Category c : touched) c.writerRollBack(); // a failure here ends the writer: chunks are in doubt
      return false;
    }
    for (Category c : touched) c.writerPublish();
    return true;
  }

  private void forceTouched() throws IOException {
    for (Category c : touched) c.writerForce();
    lastForceNanos = System.nanoTime();
    unforced = false;
  }

  /** Interval fsync, rotation by time and retention, at most once a tick. */
  private void maintain() throws IOException {
    long now = System.nanoTime();
    if (unforced && config.fsync() instanceof FsyncPolicy.Interval interval && now - lastForceNanos >= interval.interval().toNanos()) {
      for (Category c : all) c.writerForce();
      lastForceNanos = now;
      unforced = false;
    }
    if (now < nextTickNanos) return;
    nextTickNanos = now + tickNanos;
    long millis = System.currentTimeMillis();
    for (Category c : all) {
      c.writerRotateIfOld(millis);
      if (config.retentionAge() != null || config.retentionBytes() > 0) c.enforceRetention(millis);
    }
  }

  private long waitNanos() {
    long untilTick = Math.max(0, nextTickNanos - System.nanoTime());
    if (unforced && config.fsync() instanceof FsyncPolicy.Interval interval) {
      return Math.min(untilTick, Math.max(0, interval.interval().toNanos() - (System.nanoTime() - lastForceNanos)));
    }
    return untilTick;
  }

  private synchronized void fail(IOException e) {
    LOG.error("bus writer failed; writes get 500 until the bus is restarted", e);
    failure = e;
    for (Append a : batch) a.done().completeExceptionally(e);
    Append a;
    while ((a = queue.poll()) != null) a.done().completeExceptionally(e);
  }
}
