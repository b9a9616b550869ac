package dev.tributary.kafka;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * How the forwarder talks to Kafka.
 *
 * @param bootstrapServers Kafka's {@code host:port} list
 * @param topic one topic for every event, or a template where {@code {event}} stands for the event type
 * @param linger how long the producer waits to fill a batch
 * @param compression the producer's {@code compression.type}
 * @param producerProperties any producer properties, applied last (they win over the forwarder's own)
 * @param nodeId this capture node's id, sent in the {@code capture_node} header
 * @param deadLetterDirectory the spool of records Kafka will never take
 * @param maxInFlightBytes payload bytes sent and not yet confirmed before the forwarder waits
 * @param maxBackoff the longest wait between attempts after a producer failure
 * @param topicCreation partitions and replication of the topic when the forwarder creates it (a fixed topic only)
 */
public record ForwarderConfig(String bootstrapServers, String topic, Duration linger, String compression,
                              Map<String, String> producerProperties, String nodeId, Path deadLetterDirectory,
                              long maxInFlightBytes, Duration maxBackoff, TopicCreation topicCreation) {

  public static final String DEFAULT_TOPIC = "events";
  public static final Duration DEFAULT_LINGER = Duration.ofMillis(20);

  public ForwarderConfig {
    if (bootstrapServers == null || bootstrapServers.isBlank()) throw new IllegalArgumentException("Kafka bootstrap servers are required");
    new TopicRouter(topic);
    if (linger.isNegative()) throw new IllegalArgumentException("linger must not be negative, got " + linger.toMillis() + " ms");
    if (maxInFlightBytes < 1024) throw new IllegalArgumentException("max in-flight bytes must be at least 1024, got " + maxInFlightBytes);
    if (maxBackoff.toMillis() < 100) throw new IllegalArgumentException("max backoff must be at least 100 ms, got " + maxBackoff.toMillis() + " ms");
    producerProperties = Map.copyOf(producerProperties);
  }

  /** Topic {@code events}, linger 20 ms, zstd, 32 MiB in flight, backoff up to 10 s, node id = host name. */
  public static ForwarderConfig defaults(String bootstrapServers, Path deadLetterDirectory) {
    return new ForwarderConfig(bootstrapServers, DEFAULT_TOPIC, DEFAULT_LINGER, "zstd", Map.of(), hostName(),
        deadLetterDirectory, 32L << 20, Duration.ofSeconds(10), TopicCreation.BROKER_DEFAULTS);
  }

  public ForwarderConfig withTopic(String t) { return new ForwarderConfig(bootstrapServers, t, linger, compression, producerProperties, nodeId, deadLetterDirectory, maxInFlightBytes, maxBackoff, topicCreation); }
  public ForwarderConfig withLinger(Duration l) { return new ForwarderConfig(bootstrapServers, topic, l, compression, producerProperties, nodeId, deadLetterDirectory, maxInFlightBytes, maxBackoff, topicCreation); }
  public ForwarderConfig withCompression(String c) { return new ForwarderConfig(bootstrapServers, topic, linger, c, producerProperties, nodeId, deadLetterDirectory, maxInFlightBytes, maxBackoff, topicCreation); }
  public ForwarderConfig withProducerProperties(Map<String, String> p) { return new ForwarderConfig(bootstrapServers, topic, linger, compression, p, nodeId, deadLetterDirectory, maxInFlightBytes, maxBackoff, topicCreation); }
  public ForwarderConfig withNodeId(String n) { return new ForwarderConfig(bootstrapServers, topic, linger, compression, producerProperties, n, deadLetterDirectory, maxInFlightBytes, maxBackoff, topicCreation); }
  public ForwarderConfig withMaxInFlightBytes(long b) { return new ForwarderConfig(bootstrapServers, topic, linger, compression, producerProperties, nodeId, deadLetterDirectory, b, maxBackoff, topicCreation); }
  public ForwarderConfig withMaxBackoff(Duration d) { return new ForwarderConfig(bootstrapServers, topic, linger, compression, producerProperties, nodeId, deadLetterDirectory, maxInFlightBytes, d, topicCreation); }

  public ForwarderConfig withTopicCreation(TopicCreation t) { return new ForwarderConfig(bootstrapServers, topic, linger, compression, producerProperties, nodeId, deadLetterDirectory, maxInFlightBytes, maxBackoff, t); }

  private static String hostName() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (UnknownHostException e) {
      return "unknown";
    }
  }
}
