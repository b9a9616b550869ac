package dev.tributary.lake;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;

/**
 * What the sink does with one spool payload: land it as an event, or file it under
 * {@code _errors} with a reason. The payload is parsed in full (a line DuckDB cannot read must
 * not reach a partition), but only the top-level {@code event}, {@code event_id} and
 * {@code received_at} are kept.
 */
sealed interface Placement {

  /** A placeable event; {@code line} is the payload with raw CR/LF (JSON whitespace) made spaces. */
  record Event(String type, String eventId, Instant receivedAt, byte[] line) implements Placement {}

  record Unplaceable(String reason) implements Placement {}

  JsonFactory JSON = new JsonFactory();

  static Placement of(byte[] payload) {
    String type = null, eventId = null, receivedAt = null;
    try (JsonParser p = JSON.createParser(payload)) {
      if (p.nextToken() != JsonToken.START_OBJECT) return new Unplaceable("payload is not a JSON object");
      JsonToken t;
      while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        JsonToken value = p.nextToken();
        switch (field) {
          case "event" -> type = value == JsonToken.VALUE_STRING ? p.getText() : null;
          case "event_id" -> eventId = value == JsonToken.VALUE_STRING ? p.getText() : null;
          case "received_at" -> receivedAt = value == JsonToken.VALUE_STRING ? p.getText() : null;
          default -> p.skipChildren();
        }
      }
      if (t != JsonToken.END_OBJECT || p.nextToken() != null) return new Unplaceable("payload is not one JSON object");
    } catch (JsonProcessingException e) {
      String where = e.getLocation() == null ? "" : " at column " + e.getLocation().getColumnNr();
      return new Unplaceable("malformed JSON" + where + ": " + e.getOriginalMessage());
    } catch (IOException e) {
      return new Unplaceable("unreadable payload: " + e.getMessage());
    }
    if (type == null || type.isEmpty()) return new Unplaceable("missing or non-string 'event'");
    if (receivedAt == null) return new Unplaceable("missing or non-string 'received_at'");
    try {
      return new Event(type, eventId, Instant.parse(receivedAt), withoutLineBreaks(payload));
    } catch (DateTimeParseException e) {
      return new Unplaceable("'received_at' is not an ISO-8601 instant: " + receivedAt);
    }
  }

  /** Valid JSON holds raw CR/LF only as whitespace between tokens, so they can become spaces. */
  private static byte[] withoutLineBreaks(byte[] payload) {
    byte[] line = payload;
    for (int i = 0; i < line.length; i++) {
      if (line[i] == '\n' || line[i] == '\r') {
        if (line == payload) line = payload.clone();
        line[i] = ' ';
      }
    }
    return line;
  }
}
