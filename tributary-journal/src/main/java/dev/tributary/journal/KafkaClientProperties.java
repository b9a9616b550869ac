package dev.tributary.journal;

import java.util.HashMap;
import java.util.Map;

/**
 * The properties of a Kafka client the journal makes: the user's (security.protocol, SASL, TLS,
 * to reach a secured cluster) under the journal's own, which its guarantees rest on (acks,
 * idempotence, one request in flight, offsets committed by hand) and so are not overridden.
 */
final class KafkaClientProperties {
  private KafkaClientProperties() {}

  static Map<String, Object> of(Map<String, String> user, Map<String, Object> journals) {
    Map<String, Object> merged = new HashMap<>(user);
    merged.putAll(journals);
    return merged;
  }
}
