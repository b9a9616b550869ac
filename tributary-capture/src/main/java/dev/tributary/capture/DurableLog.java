package dev.tributary.capture;

import dev.tributary.spool.Spool;
import dev.tributary.spool.SpoolClosedException;
import dev.tributary.spool.SpoolFullException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * Where capture puts a request's events: one atomic batch, answered only once durable. The
 * spool is the real one; benchmarks plug in baselines (a SQLite spool) behind the same API.
 */
public interface DurableLog {

  /** How an append ended, but for a failure (the future then completes exceptionally with its cause). */
  enum Outcome {
    /** Every event of the batch is durable. */
    DURABLE,
    /** There was no room for the batch; nothing of it is stored. */
    NO_ROOM,
    /** The log is closed (the server is stopping); nothing of the batch is stored. */
    CLOSED
  }

  /**
   * Appends one request's events (each the UTF-8 JSON of one enriched event) atomically. The
   * future completes with the outcome once it is known, or exceptionally when the log failed.
   */
  CompletableFuture<Outcome> append(List<byte[]> events);

  /** Bytes that can still be appended before appends end with {@link Outcome#NO_ROOM}. */
  long freeBytes();

  static DurableLog of(Spool spool) {
    return new DurableLog() {
      @Override public CompletableFuture<Outcome> append(List<byte[]> events) {
        CompletableFuture<?> appended;
        try {
          appended = spool.append(events);
        } catch (RuntimeException e) {
          appended = CompletableFuture.failedFuture(e);
        }
        return appended.handle((ok, failure) -> failure == null ? Outcome.DURABLE : outcome(failure));
      }
      @Override public long freeBytes() { return spool.freeBytes(); }
    };
  }

  private static Outcome outcome(Throwable failure) {
    Throwable cause = failure;
    while ((cause instanceof CompletionException || cause instanceof ExecutionException) && cause.getCause() != null) {
      cause = cause.getCause();
    }
    if (cause instanceof SpoolFullException) return Outcome.NO_ROOM;
    if (cause instanceof SpoolClosedException) return Outcome.CLOSED;
    throw cause instanceof CompletionException c ? c : new CompletionException(cause);
  }
}
