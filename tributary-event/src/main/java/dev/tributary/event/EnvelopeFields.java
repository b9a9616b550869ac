package dev.tributary.event;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;

/**
 * The envelope fields of one stored event, read from its bytes with a streaming parser (the event
 * is never turned into a tree; nested values are skipped). Each field follows {@link Envelope}'s
 * rules: {@code event} a non-empty string, {@code event_id} a valid id, {@code received_at} a
 * string; any other value counts as absent (null). {@code distinct_id} is any scalar as its text,
 * so a number keys as its digits. A field that appears twice keeps its last value.
 *
 * @param receivedAtMillis {@code received_at} in epoch milliseconds, {@link CaptureTime#NONE} when
 *     absent or not an ISO-8601 instant
 * @param oneLine the payload holds no raw CR or LF. Valid JSON has them only as whitespace between
 *     tokens (in a string they must be escaped), and the parser counts those as it skips them, so
 *     a lake that needs one line per event need not scan the payload again.
 */
public record EnvelopeFields(String event, String eventId, String receivedAt, long receivedAtMillis, String distinctId,
                             boolean oneLine) {
  private static final JsonFactory JSON = new JsonFactory();

  /** Throws {@link IllegalArgumentException}, saying why, when {@code payload} is not exactly one JSON object. */
  public static EnvelopeFields read(byte[] payload) {
    String event = null, eventId = null, receivedAt = null, distinctId = null;
    boolean oneLine;
    try (JsonParser p = JSON.createParser(payload)) {
      if (p.nextToken() != JsonToken.START_OBJECT) throw new IllegalArgumentException("payload is not a JSON object");
      JsonToken t;
      while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken value = p.nextToken();
        // Only the envelope's values become strings: the parser skips (and still checks) the
        // rest, which is most of an event and was a third of this method's time.
        switch (name) {
          case Envelope.EVENT -> {
            String string = stringOf(p, value);
            event = string == null || string.isEmpty() ? null : string;
          }
          case Envelope.EVENT_ID -> eventId = Envelope.eventIdOrNull(stringOf(p, value));
          case Envelope.RECEIVED_AT -> receivedAt = stringOf(p, value);
          case Envelope.DISTINCT_ID -> distinctId = value.isScalarValue() && value != JsonToken.VALUE_NULL ? p.getText() : null;
          default -> { }
        }
        p.skipChildren();
      }
      if (t != JsonToken.END_OBJECT || p.nextToken() != null) throw new IllegalArgumentException("payload is not one JSON object");
      oneLine = p.currentLocation().getLineNr() == 1;
    } catch (JsonProcessingException e) {
      String where = e.getLocation() == null ? "" : " at column " + e.getLocation().getColumnNr();
      throw new IllegalArgumentException("malformed JSON" + where + ": " + e.getOriginalMessage(), e);
    } catch (IOException e) {
      throw new IllegalArgumentException("unreadable payload: " + e.getMessage(), e);
    }
    long millis = receivedAt == null ? CaptureTime.NONE : CaptureTime.millis(receivedAt);
    return new EnvelopeFields(event, eventId, receivedAt, millis, distinctId, oneLine);
  }

  private static String stringOf(JsonParser p, JsonToken value) throws IOException {
    return value == JsonToken.VALUE_STRING ? p.getText() : null;
  }

  /**
   * Null when the event can be stored in the lake (a type and a capture time), else why not: the
   * fields capture always sets, so only events from other producers miss them.
   */
  public String problem() {
    return problem(event, receivedAt, receivedAtMillis);
  }

  /** As {@link #problem()}, for fields read by another parser. */
  public static String problem(String event, String receivedAt, long receivedAtMillis) {
    if (event == null) return "missing or non-string '" + Envelope.EVENT + "'";
    if (receivedAt == null) return "missing or non-string '" + Envelope.RECEIVED_AT + "'";
    if (receivedAtMillis == CaptureTime.NONE) return "'" + Envelope.RECEIVED_AT + "' is not an ISO-8601 instant: " + receivedAt;
    return null;
  }
}
