package dev.tributary.journal;

import java.util.Map;
import java.util.Objects;

/**
 * What the {@link Replicator} consumes and where it writes: every topic whose name starts with
 * {@code topicPrefix}, as consumer group {@code groupId}, into the database at {@code jdbcUrl}.
 */
public record ReplicatorConfig(String bootstrapServers, String jdbcUrl, String topicPrefix, String groupId,
                               Map<String, String> kafkaProperties) {
  public static final String DEFAULT_GROUP = "tributary-journal-replicator";

  public ReplicatorConfig {
    Objects.requireNonNull(bootstrapServers, "bootstrapServers");
    PostgresUrl.check(jdbcUrl);
    if (topicPrefix == null || topicPrefix.isEmpty()) throw new IllegalArgumentException("a topic prefix is needed");
    Objects.requireNonNull(groupId, "groupId");
    kafkaProperties = Map.copyOf(kafkaProperties);
  }

  /** Topics starting with {@value JournalsConfig#DEFAULT_TOPIC}, group {@value #DEFAULT_GROUP}. */
  public static ReplicatorConfig of(String bootstrapServers, String jdbcUrl) {
    return new ReplicatorConfig(bootstrapServers, jdbcUrl, JournalsConfig.DEFAULT_TOPIC, DEFAULT_GROUP, Map.of());
  }

  public ReplicatorConfig withTopicPrefix(String prefix) {
    return new ReplicatorConfig(bootstrapServers, jdbcUrl, prefix, groupId, kafkaProperties);
  }

  public ReplicatorConfig withGroupId(String group) {
    return new ReplicatorConfig(bootstrapServers, jdbcUrl, topicPrefix, group, kafkaProperties);
  }

  /** Kafka client properties for the replicator's consumer (security.protocol, sasl.*, ssl.*), under its own. */
  public ReplicatorConfig withKafkaProperties(Map<String, String> kafkaProperties) {
    return new ReplicatorConfig(bootstrapServers, jdbcUrl, topicPrefix, groupId, kafkaProperties);
  }
}
