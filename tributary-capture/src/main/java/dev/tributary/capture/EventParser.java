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
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns a request body into the enriched events to store, or refuses the whole body. Each event
 * is copied token by token (numbers exactly as sent, fields in the order sent); capture's own
 * fields {@code received_at} and {@code app} replace any the client sent, a client's
 * {@code late} (refine's flag) is dropped, and {@code event_id} is added only where the client
 * sent none.
 */
final class EventParser {

  enum Format { JSON, NDJSON }

  private static final JsonFactory JSON = JsonFactory.builder()
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
      .disable(StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION)
      .build();

  /**
   * Each thread's generator, kept from one request to the next: creating a generator (and its
   * buffers and contexts) costs more than copying a 1 KiB event through it. A parse that fails
   * leaves it mid-object, so it is then dropped; one that held a large event drops it too, so
   * a thread keeps at most {@value #KEPT_BUFFER_BYTES} bytes.
   */
  private static final ThreadLocal<EventWriter> WRITERS = new ThreadLocal<>();
  private static final int KEPT_BUFFER_BYTES = 64 * 1024;

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
    EventWriter writer = WRITERS.get();
    WRITERS.remove(); // given back below only when this parse leaves it clean
    try (JsonParser p = JSON.createParser(body, 0, length)) {
      if (writer == null) writer = new EventWriter();
      Batch batch = new Batch(receivedAt, app, ip, writer);
      if (format == Format.NDJSON) {
        readLines(p, batch);
      } else {
        readDocument(p, batch);
      }
      if (batch.events.isEmpty()) {
        throw new Rejection(400, "empty body: send one event object, a JSON array of event objects, or NDJSON");
      }
      if (writer.out.size() == 0 && batch.largest <= KEPT_BUFFER_BYTES) WRITERS.set(writer);
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

  /** Reads the object whose START_OBJECT is the current token and adds it, enriched, to the batch. */
  private void readEvent(JsonParser p, Batch batch) throws IOException, Rejection {
    int index = batch.events.size();
    JsonLocation start = p.currentTokenLocation();
    JsonGenerator g = batch.generator;
    g.writeStartObject();
    boolean hasEvent = false;
    boolean hasEventId = false;
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String name = p.currentName();
      JsonToken value = p.nextToken();
      switch (name) {
        case Envelope.RECEIVED_AT, Envelope.APP, Envelope.LATE -> {
          p.skipChildren();
          continue;
        }
        case Envelope.IP -> {
          if (batch.ip != null) {
            p.skipChildren();
            continue;
          }
        }
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
      g.writeFieldName(name);
      try {
        g.copyCurrentStructureExact(p);
      } catch (NumberFormatException e) {
        throw at(p, 400, "event " + index + ": " + MalformedJson.numberOutOfRange(p.getText()) + " (in " + quoted(name) + ")", index);
      }
    }
    if (!hasEvent) {
      throw inEvent(start, 400, index, "missing required field " + quoted(Envelope.EVENT) + " (the event type, a non-empty string)");
    }
    Envelope.writeCaptureFields(g, batch.receivedAt, batch.app, null, batch.ip);
    if (!hasEventId) g.writeStringField(Envelope.EVENT_ID, ids.next().toString());
    g.writeEndObject();
    g.flush();
    if (batch.out.size() > maxEventBytes) {
      throw at(start, 413, "event " + index + " is " + batch.out.size() + " bytes once enriched, over the limit of "
          + maxEventBytes + " bytes per event", index);
    }
    batch.largest = Math.max(batch.largest, batch.out.size());
    batch.events.add(batch.out.toByteArray());
    batch.out.reset();
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

  /** The events of one request so far, and the buffer the next one is written into. */
  private static final class Batch {
    final String receivedAt;
    final String app;
    final String ip;
    final List<byte[]> events = new ArrayList<>();
    final ByteArrayOutputStream out;
    final JsonGenerator generator;
    int largest;

    Batch(String receivedAt, String app, String ip, EventWriter writer) {
      this.receivedAt = receivedAt;
      this.app = app;
      this.ip = ip;
      this.out = writer.out;
      this.generator = writer.generator;
    }
  }

  /** A generator and the buffer it writes each event into, between events empty and at the root. */
  private static final class EventWriter {
    final ByteArrayOutputStream out = new ByteArrayOutputStream(2048);
    final JsonGenerator generator;

    EventWriter() {
      try {
        generator = JSON.createGenerator(out);
      } catch (IOException e) {
        throw new UncheckedIOException("a generator over memory cannot fail to open", e);
      }
      generator.setRootValueSeparator(null); // each event is cut out of the buffer on its own
    }
  }
}
