package dev.tributary.capture;

import dev.tributary.spool.Spool;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Where capture puts a request's events: one atomic batch, answered only once durable. The
 * spool is the real one; benchmarks plug in baselines (a SQLite spool) behind the same API.
 */
public interface DurableLog {

  /**
   * Appends one request's events (each the UTF-8 JSON of one enriched event) atomically. The
   * future completes once they are durable, or fails ({@link dev.tributary.spool.SpoolFullException}
   * when there is no room).
   */
  CompletableFuture<?> append(List<byte[]> events);

  /** Bytes that can still be appended before appends fail for lack of room. */
  long freeBytes();

  static DurableLog of(Spool spool) {
    return new DurableLog() {
      @Override public CompletableFuture<?> append(List<byte[]> events) { return spool.append(events); }
      @Override public long freeBytes() { return spool.freeBytes(); }
    };
  }
}
