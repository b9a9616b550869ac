package dev.tributary.kafka;

import java.util.Optional;

/**
 * How the forwarder creates its topic when Kafka does not have it yet: capture is usually the
 * first to need it, and a topic the broker auto-creates gets its {@code num.partitions} (1 unless
 * set) and {@code default.replication.factor}, too few for refine to spread over or to survive a
 * broker's loss. Empty values leave the choice to the broker.
 *
 * @param partitions the partition count (refine and the sink spread over at most this many instances)
 * @param replicationFactor copies of each partition, on as many brokers
 */
public record TopicCreation(Optional<Integer> partitions, Optional<Short> replicationFactor) {
  public static final TopicCreation BROKER_DEFAULTS = new TopicCreation(Optional.empty(), Optional.empty());

  public TopicCreation {
    if (partitions.isPresent() && partitions.get() < 1) throw new IllegalArgumentException("partitions must be at least 1, got " + partitions.get());
    if (replicationFactor.isPresent() && replicationFactor.get() < 1) {
      throw new IllegalArgumentException("the replication factor must be at least 1, got " + replicationFactor.get());
    }
  }

  String describe() {
    return partitions.map(p -> p + " partitions").orElse("the broker's num.partitions") + ", "
        + replicationFactor.map(r -> "replication factor " + r).orElse("the broker's default.replication.factor");
  }
}
