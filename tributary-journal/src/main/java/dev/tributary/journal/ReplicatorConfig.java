package dev.tributary.journal;

import java.util.Map;
import java.util.Objects;

/**
 * What the {@link Replicator} consumes and where it writes: every topic whose name starts with
 * {@code topicPrefix}, as consumer group {@code groupId}, into {@code store}.
 */
public record ReplicatorConfig(String bootstrapServers, JournalStoreConfig store, String topicPrefix, String groupId,
                               Map<String, String> kafkaProperties) {
  public static final String DEFAULT_GROUP = "tributary-journal-replicator";

  public ReplicatorConfig {
    Objects.requireNonNull(bootstrapServers, "bootstrapServers");
    Objects.requireNonNull(store, "store");
    if (topicPrefix == null || topicPrefix.isEmpty()) throw new IllegalArgumentException("a topic prefix is needed");
    Objects.requireNonNull(groupId, "groupId");
    kafkaProperties = Map.copyOf(kafkaProperties);
  }

  /** Topics starting with {@value JournalsConfig#DEFAULT_TOPIC}, group {@value #DEFAULT_GROUP}. */
  public static ReplicatorConfig of(String bootstrapServers, JournalStoreConfig store) {
    return new ReplicatorConfig(bootstrapServers, store, JournalsConfig.DEFAULT_TOPIC, DEFAULT_GROUP, Map.of());
  }

  /** As {@link #of(String, JournalStoreConfig)}, into the PostgreSQL database at {@code jdbcUrl}. */
  public static ReplicatorConfig of(String bootstrapServers, String jdbcUrl) {
    return of(bootstrapServers, JournalStoreConfig.postgres(jdbcUrl));
  }

  public ReplicatorConfig withTopicPrefix(String prefix) {
    return new ReplicatorConfig(bootstrapServers, store, prefix, groupId, kafkaProperties);
  }

  public ReplicatorConfig withGroupId(String group) {
    return new ReplicatorConfig(bootstrapServers, store, topicPrefix, group, kafkaProperties);
  }

  /** Kafka client properties for the replicator's consumer (security.protocol, sasl.*, ssl.*), under its own. */
  public ReplicatorConfig withKafkaProperties(Map<String, String> kafkaProperties) {
    return new ReplicatorConfig(bootstrapServers, store, topicPrefix, groupId, kafkaProperties);
  }
}
