package dev.tributary.kafka;

import dev.tributary.testkit.TopicReader;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/** Reads whole topics back from the real broker in tests. */
final class Topics {
  private Topics() {}

  static List<ConsumerRecord<byte[], byte[]>> readAll(String bootstrap, String topic) {
    return TopicReader.readAll(bootstrap, topic);
  }

  static String header(ConsumerRecord<byte[], byte[]> r, String name) {
    return TopicReader.header(r, name);
  }

  static String text(byte[] b) {
    return b == null ? null : new String(b, StandardCharsets.UTF_8);
  }

  static byte[] event(String type, String eventId, String distinctId) {
    String user = distinctId == null ? "" : ",\"distinct_id\":\"" + distinctId + "\"";
    return ("{\"event\":\"" + type + "\",\"event_id\":\"" + eventId + "\",\"received_at\":\"2026-11-23T15:00:00.000Z\",\"app\":\"default\""
        + user + ",\"props\":{\"n\":1}}").getBytes(StandardCharsets.UTF_8);
  }
}
