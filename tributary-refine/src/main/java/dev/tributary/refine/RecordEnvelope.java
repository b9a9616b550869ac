package dev.tributary.refine;

import dev.tributary.event.CaptureTime;
import dev.tributary.event.Envelope;
import dev.tributary.event.EnvelopeFields;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * The two envelope fields refine works by, {@code event_id} and {@code received_at}, of a Kafka
 * record. The forwarder puts both in headers (UTF-8 text), so the payload is read only for records of producers that do
 * not; either way under {@link Envelope}'s rules (an event_id that breaks them is no id).
 */
final class RecordEnvelope {
  private RecordEnvelope() {}

  /** The event's id, or null when neither the header nor the payload has a valid one. */
  static String eventId(Headers headers, byte[] payload) {
    String h = header(headers, Envelope.EVENT_ID);
    if (h != null) return Envelope.eventIdOrNull(h);
    EnvelopeFields f = envelope(payload);
    return f == null ? null : f.eventId();
  }

  /** {@code received_at} in epoch milliseconds, or -1 when absent, before 1970 or not an ISO-8601 instant. */
  static long receivedAtMillis(Headers headers, byte[] payload) {
    Header h = headers.lastHeader(Envelope.RECEIVED_AT);
    if (h != null && h.value() != null) return Math.max(-1, CaptureTime.millis(h.value()));
    EnvelopeFields f = envelope(payload);
    return f == null ? -1 : Math.max(-1, f.receivedAtMillis());
  }

  static String header(Headers headers, String name) {
    Header h = headers.lastHeader(name);
    return h == null || h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8);
  }

  /** Null when the payload is absent or not one JSON object. */
  private static EnvelopeFields envelope(byte[] payload) {
    if (payload == null) return null;
    try {
      return EnvelopeFields.read(payload);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }
}
