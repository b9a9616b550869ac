package dev.tributary.kafka;

import dev.tributary.event.Envelope;
import dev.tributary.event.EnvelopeFields;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;

/**
 * Turns one spool record into the Kafka record the forwarder sends: the payload unchanged as the
 * value, keyed by {@code distinct_id} (else {@code event_id}), with the headers {@code event_id},
 * {@code received_at}, {@code capture_node} and {@code spool_offset} (UTF-8 text; absent fields
 * give no header). The envelope fields are read under {@link Envelope}'s rules: an event_id that
 * breaks them gives neither key nor header.
 */
final class OutgoingRecord {
  static final String CAPTURE_NODE = "capture_node";
  static final String SPOOL_OFFSET = "spool_offset";

  private OutgoingRecord() {}

  /** Throws {@link IllegalArgumentException} when the payload cannot be routed (not one JSON object, or no event type for a per-event topic). */
  static ProducerRecord<byte[], byte[]> of(long spoolOffset, byte[] payload, TopicRouter router, String nodeId) {
    EnvelopeFields f = EnvelopeFields.read(payload);
    List<Header> headers = new ArrayList<>(4);
    add(headers, Envelope.EVENT_ID, f.eventId());
    add(headers, Envelope.RECEIVED_AT, f.receivedAt());
    add(headers, CAPTURE_NODE, nodeId);
    add(headers, SPOOL_OFFSET, Long.toString(spoolOffset));
    String key = f.distinctId() != null ? f.distinctId() : f.eventId();
    return new ProducerRecord<>(router.topicFor(f.event()), null, key == null ? null : utf8(key), payload, headers);
  }

  private static void add(List<Header> headers, String name, String value) {
    if (value != null) headers.add(new RecordHeader(name, utf8(value)));
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
