package dev.tributary.refine;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.errors.InvalidTxnStateException;
import org.apache.kafka.streams.errors.StreamsException;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.junit.jupiter.api.Test;

class StreamThreadFailuresTest {
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final AtomicLong now = new AtomicLong();
  private final StreamThreadFailures failures = new StreamThreadFailures(registry, now::get);

  /** As a broker failover left it in the cluster test: Streams wraps the producer's error. */
  private static StreamsException lostTransaction() {
    return new StreamsException("Error encountered trying to commit a transaction",
        new InvalidTxnStateException("The producer attempted a transactional operation in an invalid state."));
  }

  @Test
  void aLostTransactionReplacesTheThreadAndIsCounted() {
    assertThat(failures.respond(lostTransaction())).isEqualTo(StreamThreadExceptionResponse.REPLACE_THREAD);
    assertThat(registry.get("tributary.refine.stream.threads.replaced").counter().count()).isEqualTo(1);
  }

  @Test
  void anyOtherFailureStopsTheClient() {
    assertThat(failures.respond(new StreamsException("Existing internal topic has invalid partitions")))
        .isEqualTo(StreamThreadExceptionResponse.SHUTDOWN_CLIENT);
  }

  @Test
  void tooManyLostTransactionsWithinTheWindowStopTheClientAndOlderOnesAge() {
    for (int i = 0; i < StreamThreadFailures.MAX_REPLACED; i++) {
      assertThat(failures.respond(lostTransaction())).isEqualTo(StreamThreadExceptionResponse.REPLACE_THREAD);
    }
    assertThat(failures.respond(lostTransaction())).isEqualTo(StreamThreadExceptionResponse.SHUTDOWN_CLIENT);
    now.addAndGet(StreamThreadFailures.WINDOW.toNanos() + 1);
    assertThat(failures.respond(lostTransaction())).isEqualTo(StreamThreadExceptionResponse.REPLACE_THREAD);
  }
}
