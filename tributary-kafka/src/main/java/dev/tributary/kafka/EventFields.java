package dev.tributary.kafka;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;

/**
 * The top-level fields of an enriched event the forwarder routes and keys by, read with a
 * streaming parser so an event is never turned into a tree. Absent fields are null; numbers and
 * booleans are kept as their text.
 */
record EventFields(String event, String eventId, String receivedAt, String distinctId) {
  private static final JsonFactory JSON = new JsonFactory();

  /** Parses a spool payload; throws {@link IllegalArgumentException} when it is not a JSON object. */
  static EventFields parse(byte[] payload) {
    String event = null, eventId = null, receivedAt = null, distinctId = null;
    try (JsonParser p = JSON.createParser(payload)) {
      if (p.nextToken() != JsonToken.START_OBJECT) throw new IllegalArgumentException("the payload is not a JSON object");
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken value = p.nextToken();
        if (value.isStructStart()) {
          p.skipChildren();
          continue;
        }
        String text = value == JsonToken.VALUE_NULL ? null : p.getText();
        switch (name) {
          case "event" -> event = text;
          case "event_id" -> eventId = text;
          case "received_at" -> receivedAt = text;
          case "distinct_id" -> distinctId = text;
          default -> { }
        }
      }
    } catch (IOException e) {
      throw new IllegalArgumentException("the payload is not valid JSON: " + e.getMessage(), e);
    }
    return new EventFields(event, eventId, receivedAt, distinctId);
  }

  /** The record key: {@code distinct_id}, else {@code event_id}, else none. */
  String key() {
    return distinctId != null ? distinctId : eventId;
  }
}
