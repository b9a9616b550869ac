package dev.tributary.bench;

import dev.tributary.capture.DurableLog;
import java.io.Closeable;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The usual design, as a baseline: capture answers only after Kafka acknowledged the request's
 * events. Each event is produced to {@code topic} (idempotent, {@code acks=all}, the same zstd
 * compression as the forwarder, the client's default linger unless {@code producerProperties}
 * say otherwise); the append's future completes when the producer's callbacks confirmed every
 * event of the request, or fails with the first error. Nothing is written locally, so with
 * Kafka away capture can answer nothing.
 */
public final class KafkaAckedDurableLog implements DurableLog, Closeable {

  private final KafkaProducer<byte[], byte[]> producer;
  private final String topic;

  private KafkaAckedDurableLog(KafkaProducer<byte[], byte[]> producer, String topic) {
    this.producer = producer;
    this.topic = topic;
  }

  /** A producer to {@code bootstrapServers}; {@code producerProperties} are applied last. */
  public static KafkaAckedDurableLog open(String bootstrapServers, String topic, Map<String, String> producerProperties) {
    Map<String, Object> p = new HashMap<>();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    p.put(ProducerConfig.CLIENT_ID_CONFIG, "bench-kafka-acked");
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "zstd");
    p.putAll(producerProperties);
    return new KafkaAckedDurableLog(new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer()), topic);
  }

  @Override
  public CompletableFuture<Outcome> append(List<byte[]> events) {
    CompletableFuture<Outcome> done = new CompletableFuture<>();
    AtomicInteger pending = new AtomicInteger(events.size());
    for (byte[] event : events) {
      try {
        producer.send(new ProducerRecord<>(topic, event), (metadata, failure) -> {
          if (failure != null) done.completeExceptionally(failure);
          else if (pending.decrementAndGet() == 0) done.complete(Outcome.DURABLE);
        });
      } catch (RuntimeException e) {
        done.completeExceptionally(e);
        break;
      }
    }
    return done;
  }

  /** Kafka is the store: no local bound. */
  @Override
  public long freeBytes() {
    return Long.MAX_VALUE;
  }

  @Override
  public void close() {
    producer.close(Duration.ofSeconds(10));
  }
}
