package dev.tributary.journal;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Map;
import java.util.Objects;

/**
 * How {@link Journals} reach Kafka and the eventual store (PostgreSQL or Cassandra). {@code headCache}: keep, per topic, one consumer
 * tailing the unreplicated head, so that most reads need no Kafka read of their own.
 * {@code origin}: written in every action (kafka-journal's origin), the host name by default.
 */
public record JournalsConfig(String bootstrapServers, JournalStoreConfig store, String topic, boolean headCache, String origin,
                             int consumers, int connections, Map<String, String> kafkaProperties) {
  public static final String DEFAULT_TOPIC = "journal";

  public JournalsConfig {
    Objects.requireNonNull(bootstrapServers, "bootstrapServers");
    Objects.requireNonNull(store, "store");
    Objects.requireNonNull(topic, "topic");
    if (consumers < 1 || connections < 1) throw new IllegalArgumentException("consumers and connections must be at least 1");
    kafkaProperties = Map.copyOf(kafkaProperties);
  }

  /** Topic {@value #DEFAULT_TOPIC}, no head cache, 8 pooled consumers and 8 connections. */
  public static JournalsConfig of(String bootstrapServers, JournalStoreConfig store) {
    return new JournalsConfig(bootstrapServers, store, DEFAULT_TOPIC, false, hostName(), 8, 8, Map.of());
  }

  /** As {@link #of(String, JournalStoreConfig)}, the store in the PostgreSQL database at {@code jdbcUrl}. */
  public static JournalsConfig of(String bootstrapServers, String jdbcUrl) {
    return of(bootstrapServers, JournalStoreConfig.postgres(jdbcUrl));
  }

  public JournalsConfig withTopic(String topic) {
    return new JournalsConfig(bootstrapServers, store, topic, headCache, origin, consumers, connections, kafkaProperties);
  }

  public JournalsConfig withHeadCache(boolean headCache) {
    return new JournalsConfig(bootstrapServers, store, topic, headCache, origin, consumers, connections, kafkaProperties);
  }

  /** Kafka client properties for every client the journals make (security.protocol, sasl.*, ssl.*), under the journal's own. */
  public JournalsConfig withKafkaProperties(Map<String, String> kafkaProperties) {
    return new JournalsConfig(bootstrapServers, store, topic, headCache, origin, consumers, connections, kafkaProperties);
  }

  private static String hostName() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (UnknownHostException e) {
      return null;
    }
  }
}
