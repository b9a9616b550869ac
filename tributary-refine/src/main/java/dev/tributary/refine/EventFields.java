package dev.tributary.refine;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * The two fields refine works by, {@code event_id} and {@code received_at}. The forwarder puts
 * both in headers (UTF-8 text), so the payload is read, with a streaming parser, only for records
 * of producers that do not.
 */
final class EventFields {
  static final String EVENT_ID = "event_id";
  static final String RECEIVED_AT = "received_at";
  static final String LATE = "late";
  private static final JsonFactory JSON = new JsonFactory();

  private EventFields() {}

  /** The event's id, or null when neither the header nor the payload has one. */
  static String eventId(Headers headers, byte[] payload) {
    String h = header(headers, EVENT_ID);
    return h != null ? h : field(payload, EVENT_ID);
  }

  /** {@code received_at} in epoch milliseconds, or -1 when absent or not an ISO-8601 instant. */
  static long receivedAtMillis(Headers headers, byte[] payload) {
    Header h = headers.lastHeader(RECEIVED_AT);
    if (h != null && h.value() != null) return CaptureTime.millis(h.value());
    String text = field(payload, RECEIVED_AT);
    return text == null ? -1 : CaptureTime.millis(text.getBytes(StandardCharsets.UTF_8));
  }

  static String header(Headers headers, String name) {
    Header h = headers.lastHeader(name);
    return h == null || h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8);
  }

  /** A top-level scalar field of a JSON object as text; null when absent, null or not JSON. */
  static String field(byte[] payload, String name) {
    if (payload == null) return null;
    try (JsonParser p = JSON.createParser(payload)) {
      if (p.nextToken() != JsonToken.START_OBJECT) return null;
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        JsonToken value = p.nextToken();
        if (value.isStructStart()) {
          p.skipChildren();
        } else if (field.equals(name)) {
          return value == JsonToken.VALUE_NULL ? null : p.getText();
        }
      }
      return null;
    } catch (IOException e) {
      return null;
    }
  }
}
