package dev.tributary.capture;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import dev.tributary.event.Envelope;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;

/**
 * Writes one event of a Segment or PostHog message in Tributary's contract: {@code event},
 * {@code event_id}, {@code distinct_id} and {@code timestamp} first, then the message's own
 * fields as they came (but those named in {@code replaced} and capture's own), then the extra
 * fields the mapping keeps (such as the client's original timestamp), then capture's
 * {@code received_at}, {@code app}, {@code protocol} and, for an app that stores it, the client's
 * {@code ip}. One writer serves one request.
 */
final class MappedEvent {

  /** Fields only capture (or, {@code late}, refine) sets; a client's are dropped. */
  static final Set<String> CAPTURE_FIELDS = Set.of(Envelope.EVENT, Envelope.EVENT_ID, Envelope.DISTINCT_ID, Envelope.TIMESTAMP,
      Envelope.RECEIVED_AT, Envelope.APP, Envelope.PROTOCOL, Envelope.LATE);

  private final ByteArrayOutputStream out = new ByteArrayOutputStream(512);
  private final JsonGenerator generator;
  private final String receivedAt;
  private final String app;
  private final String protocol;
  private final String ip;
  private final long maxEventBytes;

  /** {@code ip}: the client's address to store, or null to store none (a client's own {@code ip} is then kept). */
  MappedEvent(String receivedAt, String app, String protocol, String ip, long maxEventBytes) {
    this.receivedAt = receivedAt;
    this.app = app;
    this.protocol = protocol;
    this.ip = ip;
    this.maxEventBytes = maxEventBytes;
    try {
      this.generator = JsonMessages.JSON.createGenerator(out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    generator.setRootValueSeparator(null);
  }

  byte[] write(JsonMessages.Message m, String event, String eventId, String distinctId, String timestamp,
               Set<String> replaced, Map<String, Object> extras) throws Rejection {
    try {
      generator.writeStartObject();
      Envelope.writeClientFields(generator, event, eventId, distinctId, timestamp);
      for (Iterator<Map.Entry<String, JsonNode>> fields = m.node().fields(); fields.hasNext(); ) {
        Map.Entry<String, JsonNode> field = fields.next();
        String name = field.getKey();
        if (CAPTURE_FIELDS.contains(name) || replaced.contains(name) || extras.containsKey(name)) continue;
        if (ip != null && name.equals(Envelope.IP)) continue;
        generator.writeFieldName(name);
        write(field.getValue());
      }
      for (Map.Entry<String, Object> extra : extras.entrySet()) {
        generator.writeFieldName(extra.getKey());
        if (extra.getValue() instanceof JsonNode node) {
          write(node);
        } else {
          generator.writeString(extra.getValue().toString());
        }
      }
      Envelope.writeCaptureFields(generator, receivedAt, app, protocol, ip);
      generator.writeEndObject();
      generator.flush();
    } catch (IOException e) {
      throw new UncheckedIOException("writing JSON to memory cannot fail", e);
    }
    byte[] stored = out.toByteArray();
    out.reset();
    if (stored.length > maxEventBytes) {
      throw new Rejection(413, "message " + m.index() + " is " + stored.length + " bytes once stored, over the limit of "
          + maxEventBytes + " bytes per event", m.where());
    }
    return stored;
  }

  /**
   * Writes a tree as parsed from JSON straight to the generator: the ObjectMapper would set up a
   * serializer provider for each call, which costs more than the writing.
   */
  private void write(JsonNode node) throws IOException {
    switch (node.getNodeType()) {
      case OBJECT -> {
        generator.writeStartObject();
        for (Iterator<Map.Entry<String, JsonNode>> fields = node.fields(); fields.hasNext(); ) {
          Map.Entry<String, JsonNode> field = fields.next();
          generator.writeFieldName(field.getKey());
          write(field.getValue());
        }
        generator.writeEndObject();
      }
      case ARRAY -> {
        generator.writeStartArray();
        for (JsonNode element : node) write(element);
        generator.writeEndArray();
      }
      case STRING -> generator.writeString(node.textValue());
      case NUMBER -> {
        switch (node.numberType()) {
          case INT -> generator.writeNumber(node.intValue());
          case LONG -> generator.writeNumber(node.longValue());
          case BIG_INTEGER -> generator.writeNumber(node.bigIntegerValue());
          default -> generator.writeNumber(node.decimalValue()); // floats are read as exact BigDecimals
        }
      }
      case BOOLEAN -> generator.writeBoolean(node.booleanValue());
      case NULL -> generator.writeNull();
      default -> throw new IllegalStateException("a tree parsed from JSON holds no " + node.getNodeType());
    }
  }

  /** A client event id: 1 to 128 characters, else refused; null when absent. */
  static String eventId(JsonMessages.Message m, String id) throws Rejection {
    if (id == null) return null;
    String problem = Envelope.eventIdProblem(id);
    if (problem != null) throw JsonMessages.refuse(m, "the event id " + problem);
    return id;
  }
}
