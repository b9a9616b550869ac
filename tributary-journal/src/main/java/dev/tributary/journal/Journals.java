package dev.tributary.journal;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The journals of one Kafka cluster and one eventual store (PostgreSQL or Cassandra): {@code journal(id)} gives one
 * journal to append to, read, delete from or purge. Thread-safe; share one per process and close it
 * at the end. The tables are created (or, in PostgreSQL, upgraded) on start.
 *
 * <pre>{@code
 * try (Journals journals = Journals.start(JournalsConfig.of("localhost:9092", "jdbc:postgresql://localhost/app?user=app"))) {
 *   Journal cart = journals.journal("cart-42");
 *   cart.append(List.of(new Event(1, Payload.text("created"))));
 *   try (Stream<Event> events = cart.read(1)) { events.forEach(System.out::println); }
 * }
 * }</pre>
 */
public final class Journals implements AutoCloseable {
  static final String VERSION = "tributary-0.1.0";

  private final JournalsConfig config;
  private final KafkaProducer<byte[], byte[]> producer;
  private final JournalStore store;
  private final ConsumerPool consumers;
  private final HeadCache headCache;

  private Journals(JournalsConfig config) {
    this.config = config;
    this.store = JournalStore.open(config.store(), config.connections(), "journal", null);
    this.producer = new KafkaProducer<>(KafkaClientProperties.of(config.kafkaProperties(), Map.of(
        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers(),
        ProducerConfig.ACKS_CONFIG, "all",
        ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
        // With more than one request in flight, a first append refused with NOT_LEADER_OR_FOLLOWER
        // (a topic just created, a leader moving) while a later one lands is refused on every retry
        // as out of sequence by brokers before Kafka 4.5 (KAFKA-15591): it hung for the delivery
        // timeout. Appends that arrive while a request is out go together in the next one.
        ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 1,
        ProducerConfig.LINGER_MS_CONFIG, 0,
        ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4",
        ProducerConfig.MAX_BLOCK_MS_CONFIG, 30_000)), new ByteArraySerializer(), new ByteArraySerializer());
    this.consumers = new ConsumerPool(config.bootstrapServers(), config.consumers(), config.kafkaProperties());
    this.headCache = config.headCache() ? new HeadCache(config.bootstrapServers(), config.kafkaProperties(), store) : null;
  }

  public static Journals start(JournalsConfig config) {
    return new Journals(config);
  }

  /** The journal {@code id} on the configured topic. */
  public Journal journal(String id) {
    return journal(new JournalKey(config.topic(), id));
  }

  public Journal journal(JournalKey key) {
    return new Journal(this, key);
  }

  PartitionOffset send(ProducerRecord<byte[], byte[]> record) {
    try {
      RecordMetadata m = producer.send(record).get();
      return new PartitionOffset(m.partition(), m.offset());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while Kafka was writing to " + record.topic(), e);
    } catch (ExecutionException e) {
      throw new IllegalStateException("Kafka refused the write to " + record.topic() + ": " + e.getCause().getMessage(), e.getCause());
    }
  }

  JournalsConfig config() {
    return config;
  }

  JournalStore store() {
    return store;
  }

  ConsumerPool consumers() {
    return consumers;
  }

  HeadCache headCache() {
    return headCache;
  }

  @Override
  public void close() {
    if (headCache != null) headCache.close();
    producer.close(Duration.ofSeconds(10));
    consumers.close();
    store.close();
  }
}
