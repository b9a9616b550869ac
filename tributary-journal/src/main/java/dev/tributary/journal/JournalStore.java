package dev.tributary.journal;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import org.apache.kafka.common.TopicPartition;

/**
 * The journal's eventual store: what the replicator has applied, read by {@link Journal} and merged
 * with the Kafka head. {@link PostgresStore} and {@link CassandraStore} hold the same facts in their
 * own tables; both apply a poll's records before moving each partition's pointer past them.
 */
interface JournalStore extends AutoCloseable {

  /** What the store knows of one journal; {@code deleteTo} 0 when nothing was deleted. */
  record Meta(long seqNr, long deleteTo) {}

  /** The offset of the last record of {@code partition} whose effect is in the store, if any. */
  OptionalLong pointer(String topic, int partition);

  /** Per partition of {@code topic} (which has {@code partitions} of them), the replicated offset, for those that have one. */
  Map<Integer, Long> pointers(String topic, int partitions);

  /** The journal's metadata, or null when the store has none (never appended, or purged). */
  Meta meta(JournalKey key);

  /** Up to {@code limit} events from {@code from} on, in order. */
  List<Event> events(JournalKey key, long from, int limit);

  /** Journals whose expiry has come, up to {@code limit} of them. */
  List<JournalKey> expired(Instant now, int limit);

  /**
   * Applies one poll's records (per partition, in offset order) and then moves each partition's
   * pointer to its last record. Records at or below a partition's pointer were applied before and
   * are skipped.
   *
   * @return how many records were applied (not skipped)
   */
  int apply(Map<TopicPartition, List<ActionRecord>> polled);

  /** Opens the store {@code config} names, creating or checking its schema first. */
  static JournalStore open(JournalStoreConfig config, int connections, String name, io.micrometer.core.instrument.MeterRegistry registry) {
    return switch (config) {
      case JournalStoreConfig.Postgres p -> {
        JournalSchema.migrate(p.jdbcUrl());
        yield new PostgresStore(p.jdbcUrl(), connections, name, registry);
      }
      case JournalStoreConfig.Cassandra c -> CassandraStore.open(c, name);
    };
  }

  @Override
  void close();
}
