package dev.tributary.refine;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.function.LongSupplier;
import org.apache.kafka.common.errors.InvalidTxnStateException;
import org.apache.kafka.common.errors.TransactionAbortableException;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;

/**
 * What to do when a stream thread fails. A transaction the brokers no longer accept (a broker or
 * the transaction coordinator failed over in the middle of a commit: seen as
 * {@link InvalidTxnStateException} when a cluster test killed a broker) is not a reason to stop:
 * the thread's tasks are closed dirty, their transaction is aborted, and a new thread with the
 * same transactional id redoes them from the last commit, exactly once. Anything else, or more
 * than {@value #MAX_REPLACED} such failures within {@link #WINDOW}, stops the client: the exit
 * code then tells an operator to look.
 */
final class StreamThreadFailures {
  static final int MAX_REPLACED = 5;
  static final Duration WINDOW = Duration.ofMinutes(10);

  private final Deque<Long> replacedAt = new ArrayDeque<>();
  private final LongSupplier nanoTime;
  private final Counter replaced;

  StreamThreadFailures(MeterRegistry registry, LongSupplier nanoTime) {
    this.nanoTime = nanoTime;
    this.replaced = Counter.builder("tributary.refine.stream.threads.replaced")
        .description("Stream threads replaced after a transaction the brokers no longer accepted (a broker failover)").register(registry);
  }

  synchronized StreamThreadExceptionResponse respond(Throwable failure) {
    if (!transactionLost(failure)) return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
    long now = nanoTime.getAsLong();
    while (!replacedAt.isEmpty() && now - replacedAt.peekFirst() > WINDOW.toNanos()) replacedAt.removeFirst();
    if (replacedAt.size() >= MAX_REPLACED) return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
    replacedAt.addLast(now);
    replaced.increment();
    return StreamThreadExceptionResponse.REPLACE_THREAD;
  }

  static boolean transactionLost(Throwable failure) {
    for (Throwable c = failure; c != null; c = c.getCause()) {
      if (c instanceof InvalidTxnStateException || c instanceof TransactionAbortableException) return true;
    }
    return false;
  }
}
