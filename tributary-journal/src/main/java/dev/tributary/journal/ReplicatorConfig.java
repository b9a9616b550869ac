package dev.tributary.journal;

import java.util.Objects;

/**
 * What the {@link Replicator} consumes and where it writes: every topic whose name starts with
 * {@code topicPrefix}, as consumer group {@code groupId}, into the database at {@code jdbcUrl}.
 */
public record ReplicatorConfig(String bootstrapServers, String jdbcUrl, String topicPrefix, String groupId) {
  public static final String DEFAULT_GROUP = "tributary-journal-replicator";

  public ReplicatorConfig {
    Objects.requireNonNull(bootstrapServers, "bootstrapServers");
    PostgresUrl.check(jdbcUrl);
    if (topicPrefix == null || topicPrefix.isEmpty()) throw new IllegalArgumentException("a topic prefix is needed");
    Objects.requireNonNull(groupId, "groupId");
  }

  /** Topics starting with {@value JournalsConfig#DEFAULT_TOPIC}, group {@value #DEFAULT_GROUP}. */
  public static ReplicatorConfig of(String bootstrapServers, String jdbcUrl) {
    return new ReplicatorConfig(bootstrapServers, jdbcUrl, JournalsConfig.DEFAULT_TOPIC, DEFAULT_GROUP);
  }

  public ReplicatorConfig withTopicPrefix(String prefix) {
    return new ReplicatorConfig(bootstrapServers, jdbcUrl, prefix, groupId);
  }

  public ReplicatorConfig withGroupId(String group) {
    return new ReplicatorConfig(bootstrapServers, jdbcUrl, topicPrefix, group);
  }
}
