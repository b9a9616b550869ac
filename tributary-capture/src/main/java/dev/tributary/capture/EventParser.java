package dev.tributary.capture;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import dev.tributary.event.Envelope;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns a request body into the enriched events to store, or refuses the whole body. Each event
 * is spliced, not re-serialised: Jackson walks and validates every token (a string it skips
 * without decoding is still checked to be well-formed UTF-8, overlong forms and surrogates
 * refused), and the client's fields are then copied as sent, byte for byte but for whitespace
 * between tokens, in the order sent. Capture's own fields {@code received_at} and {@code app}
 * replace any the client sent, a client's {@code late} (refine's flag) is dropped, and
 * {@code event_id} is added only where the client sent none. Decoding every string to UTF-16 and
 * encoding it back, as a copy through a generator does, was half of the parse's time
 * (docs/benchmarks.md).
 */
final class EventParser {

  enum Format { JSON, NDJSON }

  private static final JsonFactory JSON = JsonFactory.builder()
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
      .disable(StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION)
      .build();
  private static final byte[] EVENT_ID_FIELD = (",\"" + Envelope.EVENT_ID + "\":\"").getBytes(StandardCharsets.US_ASCII);

  private final long maxEventBytes;
  private final UuidV7 ids;

  EventParser(long maxEventBytes, UuidV7 ids) {
    this.maxEventBytes = maxEventBytes;
    this.ids = ids;
  }

  /**
   * The enriched events of {@code body[0, length)}, each the compact UTF-8 JSON of one event;
   * {@code ip}, when not null, is stored as each event's {@code ip} in place of a client's.
   */
  List<byte[]> parse(byte[] body, int length, Format format, String receivedAt, String app, String ip) throws Rejection {
    MalformedJson.requireUtf8(body, length);
    try (JsonParser p = JSON.createParser(body, 0, length)) {
      Batch batch = new Batch(body, captureFields(receivedAt, app, ip), ip != null);
      if (format == Format.NDJSON) {
        readLines(p, batch);
      } else {
        readDocument(p, batch);
      }
      if (batch.events.isEmpty()) {
        throw new Rejection(400, "empty body: send one event object, a JSON array of event objects, or NDJSON");
      }
      return batch.events;
    } catch (JsonProcessingException e) {
      throw MalformedJson.rejection(e);
    } catch (IOException e) {
      throw new UncheckedIOException("reading JSON from memory cannot fail", e);
    }
  }

  private void readDocument(JsonParser p, Batch batch) throws IOException, Rejection {
    JsonToken root = p.nextToken();
    if (root == null) return;
    if (root == JsonToken.START_OBJECT) {
      readEvent(p, batch);
    } else if (root == JsonToken.START_ARRAY) {
      for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken()) {
        if (t != JsonToken.START_OBJECT) {
          throw at(p, 400, "element " + batch.events.size() + " of the array is " + describe(t) + ", not an event object", batch.events.size());
        }
        readEvent(p, batch);
      }
    } else {
      throw at(p, 400, "the body is " + describe(root) + "; send one event object, a JSON array of event objects, or NDJSON", -1);
    }
    JsonToken trailing = p.nextToken();
    if (trailing != null) {
      throw at(p, 400, "more content (" + describe(trailing) + ") after the JSON value; to send several events use a JSON array,"
          + " or NDJSON with Content-Type: application/x-ndjson", -1);
    }
  }

  private void readLines(JsonParser p, Batch batch) throws IOException, Rejection {
    int previousEndLine = 0;
    for (JsonToken t = p.nextToken(); t != null; t = p.nextToken()) {
      int line = p.currentTokenLocation().getLineNr();
      if (t != JsonToken.START_OBJECT) {
        throw onLine(p, line, " is ", describe(t) + ", not an event object", batch.events.size());
      }
      if (line == previousEndLine) {
        throw onLine(p, line, " holds ", "more than one JSON value; NDJSON takes one event per line", batch.events.size());
      }
      readEvent(p, batch);
      previousEndLine = p.currentLocation().getLineNr();
    }
  }

  /**
   * Reads the object whose START_OBJECT is the current token and adds it, enriched, to the batch.
   * A top-level field is copied once the next field's name (or the closing brace) shows where it ends.
   */
  private void readEvent(JsonParser p, Batch batch) throws IOException, Rejection {
    int index = batch.events.size();
    JsonLocation start = p.currentTokenLocation();
    boolean hasEvent = false;
    boolean hasEventId = false;
    int fieldStart = -1;
    boolean keep = false;
    boolean compact = true;
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      if (keep) batch.copyField(fieldStart, offset(p), compact);
      fieldStart = offset(p);
      String name = p.currentName();
      JsonToken value = p.nextToken();
      keep = true;
      switch (name) {
        case Envelope.RECEIVED_AT, Envelope.APP, Envelope.LATE -> keep = false;
        case Envelope.IP -> keep = !batch.replacesIp;
        case Envelope.EVENT -> {
          if (value != JsonToken.VALUE_STRING || p.getText().isEmpty()) {
            String got = value == JsonToken.VALUE_STRING ? "an empty string" : describe(value);
            throw inEvent(start, 400, index, quoted(Envelope.EVENT) + " must be a non-empty string, got " + got);
          }
          hasEvent = true;
        }
        case Envelope.EVENT_ID -> {
          if (value != JsonToken.VALUE_STRING) {
            throw inEvent(start, 400, index, quoted(Envelope.EVENT_ID) + " must be a string, got " + describe(value));
          }
          String problem = Envelope.eventIdProblem(p.getText());
          if (problem != null) throw inEvent(start, 400, index, quoted(Envelope.EVENT_ID) + " " + problem);
          hasEventId = true;
        }
        default -> { }
      }
      compact = readValue(p, value, index, name, batch.body);
    }
    int end = offset(p); // the closing brace
    if (keep) batch.copyField(fieldStart, end, compact);
    if (!hasEvent) {
      throw inEvent(start, 400, index, "missing required field " + quoted(Envelope.EVENT) + " (the event type, a non-empty string)");
    }
    int size = batch.finishEvent(hasEventId ? null : ids.next().toString());
    if (size > maxEventBytes) {
      throw at(start, 413, "event " + index + " is " + size + " bytes once enriched, over the limit of "
          + maxEventBytes + " bytes per event", index);
    }
  }

  /**
   * Walks the value whose first token is current, to its last token: Jackson checks every token
   * on the way without decoding a string. A number it reads but cannot hold exactly is refused.
   * Returns whether the field is compact: no whitespace before any of its tokens (and so none
   * between its name and its end), which the copy then need not look for.
   */
  private static boolean readValue(JsonParser p, JsonToken first, int index, String field, byte[] body) throws IOException, Rejection {
    boolean compact = true;
    int depth = 0;
    JsonToken t = first;
    while (true) {
      compact = compact && nothingSpaceBefore(body, offset(p));
      if (t == JsonToken.START_OBJECT || t == JsonToken.START_ARRAY) {
        depth++;
      } else if (t == JsonToken.END_OBJECT || t == JsonToken.END_ARRAY) {
        depth--;
      } else if (t == JsonToken.VALUE_NUMBER_FLOAT) {
        requireExact(p, index, field);
      }
      if (depth == 0) return compact;
      t = p.nextToken();
    }
  }

  /** Whether the gap before the token at {@code start} (a separator at most) holds no whitespace. */
  private static boolean nothingSpaceBefore(byte[] body, int start) {
    int before = start - 1;
    if (body[before] == ',' || body[before] == ':') before--;
    return !Batch.isSpace(body[before]);
  }

  private static void requireExact(JsonParser p, int index, String field) throws IOException, Rejection {
    try {
      p.getDecimalValue();
    } catch (NumberFormatException e) {
      throw at(p, 400, "event " + index + ": " + MalformedJson.numberOutOfRange(p.getText()) + " (in " + quoted(field) + ")", index);
    }
  }

  private static int offset(JsonParser p) {
    return (int) p.currentTokenLocation().getByteOffset();
  }

  /** {@code ,"received_at":"…","app":"…"} and, when set, {@code ,"ip":"…"}: the same for every event of a request. */
  private static byte[] captureFields(String receivedAt, String app, String ip) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream(128);
    try (JsonGenerator g = JSON.createGenerator(out)) {
      g.writeStartObject();
      Envelope.writeCaptureFields(g, receivedAt, app, null, ip);
      g.writeEndObject();
    }
    byte[] object = out.toByteArray();
    object[0] = ',';
    return Arrays.copyOf(object, object.length - 1);
  }

  private static Rejection at(JsonParser p, int status, String message, int index) {
    return at(p.currentTokenLocation(), status, message, index);
  }

  private static Rejection at(JsonLocation location, int status, String message, int index) {
    return new Rejection(status, message, where(location, index));
  }

  private static Rejection inEvent(JsonLocation start, int status, int index, String reason) {
    return new Rejection(status, "event " + index + ": " + reason, reason, where(start, index), 0);
  }

  private static Rejection onLine(JsonParser p, int line, String verb, String reason, int index) {
    return new Rejection(400, "line " + line + verb + reason, reason, where(p.currentTokenLocation(), index), 0);
  }

  private static Map<String, Object> where(JsonLocation location, int index) {
    Map<String, Object> details = new LinkedHashMap<>();
    if (index >= 0) details.put("index", index);
    details.put("line", location.getLineNr());
    details.put("column", location.getColumnNr());
    return details;
  }

  private static String quoted(String field) {
    return '"' + field + '"';
  }

  /** A JSON token in words, for error messages. */
  static String describe(JsonToken t) {
    return switch (t) {
      case START_OBJECT -> "an object";
      case START_ARRAY -> "an array";
      case VALUE_STRING -> "a string";
      case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "a number";
      case VALUE_TRUE, VALUE_FALSE -> "a boolean";
      case VALUE_NULL -> "null";
      default -> t.asString() == null ? t.name() : "'" + t.asString() + "'";
    };
  }

  /** The events of one request so far, and the one being spliced. */
  private static final class Batch {
    final byte[] body;
    final byte[] captureFields;
    final boolean replacesIp;
    final List<byte[]> events = new ArrayList<>();
    final ByteArrayOutputStream out = new ByteArrayOutputStream(2048);

    Batch(byte[] body, byte[] captureFields, boolean replacesIp) {
      this.body = body;
      this.captureFields = captureFields;
      this.replacesIp = replacesIp;
      out.write('{');
    }

    /**
     * Copies the field from {@code start} (its name's quote) up to the separator before {@code
     * next}; one known {@code compact} in one piece.
     */
    void copyField(int start, int next, boolean compact) {
      int end = next;
      while (isSpace(body[end - 1])) end--;
      if (body[end - 1] == ',') {
        end--;
        while (isSpace(body[end - 1])) end--;
      }
      if (out.size() > 1) out.write(',');
      if (compact) {
        out.write(body, start, end - start);
      } else {
        copyCompact(start, end);
      }
    }

    /** Copies {@code body[from, to)} without the whitespace outside strings. */
    private void copyCompact(int from, int to) {
      int run = from;
      boolean inString = false;
      for (int i = from; i < to; i++) {
        byte b = body[i];
        if (inString) {
          if (b == '\\') {
            i++;
          } else if (b == '"') {
            inString = false;
          }
        } else if (b == '"') {
          inString = true;
        } else if (isSpace(b)) {
          out.write(body, run, i - run);
          run = i + 1;
        }
      }
      out.write(body, run, to - run);
    }

    /** Adds capture's fields (and {@code eventId} unless null), closes the event and returns its size. */
    int finishEvent(String eventId) {
      out.writeBytes(captureFields);
      if (eventId != null) {
        out.writeBytes(EVENT_ID_FIELD);
        out.writeBytes(eventId.getBytes(StandardCharsets.US_ASCII));
        out.write('"');
      }
      out.write('}');
      byte[] event = out.toByteArray();
      events.add(event);
      out.reset();
      out.write('{');
      return event.length;
    }

    static boolean isSpace(byte b) {
      return b == ' ' || b == '\n' || b == '\r' || b == '\t';
    }
  }
}
