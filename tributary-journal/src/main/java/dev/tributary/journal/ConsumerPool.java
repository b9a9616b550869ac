package dev.tributary.journal;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Semaphore;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Kafka consumers for reading a journal's head by assign + seek (no group), reused across reads: a
 * new consumer costs a metadata round trip and its fetch sessions.
 */
final class ConsumerPool implements AutoCloseable {
  private final Map<String, Object> config;
  private final Semaphore permits;
  private final BlockingQueue<KafkaConsumer<byte[], byte[]>> idle;
  private volatile boolean closed;

  /** {@code kafkaProperties}: the user's, under the pool's own. */
  ConsumerPool(String bootstrapServers, int max, Map<String, String> kafkaProperties) {
    this.config = KafkaClientProperties.of(kafkaProperties, Map.of(
        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
        ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
        ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 1000,
        // A consumer handed back may still have a fetch parked on the broker, and its next reader's
        // fetch waits behind it: keep that wait short.
        ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 5));
    this.permits = new Semaphore(max);
    this.idle = new ArrayBlockingQueue<>(max);
  }

  KafkaConsumer<byte[], byte[]> borrow() {
    if (closed) throw new IllegalStateException("the journals are closed");
    permits.acquireUninterruptibly();
    KafkaConsumer<byte[], byte[]> c = idle.poll();
    if (c != null) return c;
    try {
      return new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    } catch (RuntimeException e) {
      permits.release();
      throw e;
    }
  }

  /** {@code healthy} false closes the consumer (it failed mid-read and may hold a half-done fetch). */
  void giveBack(KafkaConsumer<byte[], byte[]> c, boolean healthy) {
    try {
      if (healthy && !closed && idle.offer(c)) return;
      c.close(Duration.ofSeconds(1));
    } finally {
      permits.release();
    }
  }

  @Override
  public void close() {
    closed = true;
    KafkaConsumer<byte[], byte[]> c;
    while ((c = idle.poll()) != null) c.close(Duration.ofSeconds(1));
  }
}
