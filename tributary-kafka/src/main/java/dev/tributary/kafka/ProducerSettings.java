package dev.tributary.kafka;

import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.ProducerConfig;

/** The Kafka client properties the forwarder runs with. */
final class ProducerSettings {
  private ProducerSettings() {}

  /**
   * Idempotent, {@code acks=all}, and retrying inside the producer for as long as it takes, so a
   * broker outage only pauses it and the broker removes the duplicates of re-sent batches.
   */
  static Map<String, Object> producer(ForwarderConfig config) {
    Map<String, Object> p = new HashMap<>();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
    p.put(ProducerConfig.CLIENT_ID_CONFIG, "tributary-forwarder-" + config.nodeId());
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    // With 5 in flight, a first batch refused with NOT_LEADER_OR_FOLLOWER on a just-created partition
    // was seen retried forever (OUT_OF_ORDER_SEQUENCE_NUMBER) while later batches got in. One request
    // at a time (each up to 16 MiB, 1 MiB per partition) drained as fast here (40-60k events/s of 1 KiB).
    p.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, "1");
    p.put(ProducerConfig.RETRIES_CONFIG, String.valueOf(Integer.MAX_VALUE));
    p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, String.valueOf(Integer.MAX_VALUE));
    p.put(ProducerConfig.RETRY_BACKOFF_MAX_MS_CONFIG, "1000");
    p.put(ProducerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, "1000");
    // Waiting for metadata of a topic blocks send(); a bounded wait turns into a producer restart.
    p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "5000");
    // The default (rebootstrap) dropped the topics' metadata as soon as the broker went away, so the
    // next send waited for metadata and timed out, and the restart re-sent records the broker had
    // written. Keeping the metadata keeps those records in the idempotent producer. A producer that
    // cannot find any broker it knew is restarted by the stall check, and bootstraps afresh.
    p.put(CommonClientConfigs.METADATA_RECOVERY_STRATEGY_CONFIG, "none");
    p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, config.compression());
    p.put(ProducerConfig.LINGER_MS_CONFIG, String.valueOf(config.linger().toMillis()));
    p.put(ProducerConfig.BATCH_SIZE_CONFIG, String.valueOf(1 << 20));
    // Let the broker judge record size (its reason goes to the dead letter), not the client.
    p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, String.valueOf(16 << 20));
    p.put(ProducerConfig.BUFFER_MEMORY_CONFIG, String.valueOf(Math.max(64L << 20, 2 * config.maxInFlightBytes())));
    p.putAll(config.producerProperties());
    return p;
  }

  /** For the reachability probe: the bootstrap and whatever security settings the producer was given. */
  static Map<String, Object> admin(ForwarderConfig config) {
    Map<String, Object> a = new HashMap<>();
    config.producerProperties().forEach((k, v) -> {
      if (AdminClientConfig.configNames().contains(k)) a.put(k, v);
    });
    a.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
    a.put(AdminClientConfig.CLIENT_ID_CONFIG, "tributary-forwarder-probe-" + config.nodeId());
    a.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "3000");
    a.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "3000");
    a.put(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, "1000");
    return a;
  }
}
