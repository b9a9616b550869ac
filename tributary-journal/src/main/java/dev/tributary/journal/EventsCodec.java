package dev.tributary.journal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The record value of an Append, in kafka-journal's two layouts (the header's {@code payloadType}
 * says which). All integers big-endian.
 *
 * <p><b>json</b> (every event text, JSON or empty): UTF-8 JSON
 * <pre>
 * {"events":[{"seqNr":1,"tags":["a"],"payloadType":"json"|"text","payload":&lt;JSON value | string&gt;}, ...],
 *  "metadata":{"expireAfter":"1 day","data":&lt;JSON&gt;}}
 * </pre>
 * An event without payload has neither {@code payloadType} nor {@code payload}; version 0 has no
 * {@code metadata} field.
 *
 * <p><b>binary</b> (any event binary):
 * <pre>
 * int8  version (0 or 1)
 * int32 event count, then per event:
 *   int32 size of the event's bytes, then:
 *   int64 seqNr
 *   int32 size of the tag bytes, then per tag: int32 length, UTF-8 bytes
 *   int8  payload type: 0 none, 1 binary, 2 json, 3 text
 *   int32 payload length, then the payload (json: its UTF-8 JSON text; text: UTF-8; none: length 0)
 * version 1 only: the metadata as UTF-8 JSON (as above, {} when empty) up to the end of the value
 * </pre>
 */
final class EventsCodec {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final byte NONE = 0, BINARY = 1, JSON_PAYLOAD = 2, TEXT = 3;

  private EventsCodec() {}

  static byte[] encode(EventsRecord record) {
    return record.payloadType() == Action.PayloadType.BINARY ? encodeBinary(record) : encodeJson(record);
  }

  static EventsRecord decode(Action.PayloadType type, byte[] value) {
    if (value == null) throw new IllegalArgumentException("an Append record has no value");
    return switch (type) {
      case BINARY -> decodeBinary(value);
      case JSON -> decodeJson(value);
      case TEXT -> throw new IllegalArgumentException("payloadType text is not a record layout");
    };
  }

  // ---- json

  static byte[] encodeJson(EventsRecord record) {
    ObjectNode root = JSON.createObjectNode();
    ArrayNode events = root.putArray("events");
    for (Event e : record.events()) {
      ObjectNode o = events.addObject();
      o.put("seqNr", e.seqNr());
      ArrayNode tags = o.putArray("tags");
      e.tags().forEach(tags::add);
      switch (e.payload()) {
        case null -> {}
        case Payload.Json j -> {
          o.put("payloadType", "json");
          o.set("payload", j.json());
        }
        case Payload.Text t -> {
          o.put("payloadType", "text");
          o.put("payload", t.text());
        }
        case Payload.Binary b -> throw new IllegalArgumentException("event " + e.seqNr() + " is binary: use the binary layout");
      }
    }
    if (record.version() > 0) root.set("metadata", metadataJson(record.metadata()));
    return bytes(root);
  }

  static EventsRecord decodeJson(byte[] value) {
    JsonNode root;
    try {
      root = JSON.readTree(value);
    } catch (IOException e) {
      throw new IllegalArgumentException("json payload is not JSON: " + ActionHeader.reason(e));
    }
    if (root == null || !root.path("events").isArray()) throw new IllegalArgumentException("json payload has no 'events' array");
    List<Event> events = new ArrayList<>();
    for (JsonNode e : root.get("events")) {
      if (!e.path("seqNr").isIntegralNumber()) throw new IllegalArgumentException("json payload: an event lacks an integer seqNr: " + e);
      Set<String> tags = new LinkedHashSet<>();
      e.path("tags").forEach(t -> tags.add(t.asText()));
      JsonNode type = e.get("payloadType");
      JsonNode p = e.get("payload");
      Payload payload = null;
      // a payloadType without a payload: an event without payload (a missing node would re-encode as null)
      if (type != null && !type.isNull() && p != null) {
        payload = switch (type.asText()) {
          case "json" -> Payload.json(p);
          case "text" -> Payload.text(p.asText());
          default -> throw new IllegalArgumentException("json payload: event " + e.get("seqNr") + " has payloadType " + type);
        };
      }
      events.add(new Event(e.get("seqNr").asLong(), tags, payload));
    }
    JsonNode metadata = root.get("metadata");
    return new EventsRecord(metadata == null ? 0 : 1, events, metadata == null ? null : metadata(metadata));
  }

  // ---- binary

  static byte[] encodeBinary(EventsRecord record) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(record.version());
    putInt(out, record.events().size());
    for (Event e : record.events()) {
      byte[] body = eventBytes(e);
      putInt(out, body.length);
      out.writeBytes(body);
    }
    if (record.version() > 0) out.writeBytes(bytes(metadataJson(record.metadata())));
    return out.toByteArray();
  }

  private static byte[] eventBytes(Event e) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    putLong(out, e.seqNr());
    ByteArrayOutputStream tags = new ByteArrayOutputStream();
    for (String t : e.tags()) putSized(tags, t.getBytes(StandardCharsets.UTF_8));
    putSized(out, tags.toByteArray());
    switch (e.payload()) {
      case null -> {
        out.write(NONE);
        putInt(out, 0);
      }
      case Payload.Binary b -> {
        out.write(BINARY);
        putSized(out, b.bytes());
      }
      case Payload.Json j -> {
        out.write(JSON_PAYLOAD);
        putSized(out, bytes(j.json()));
      }
      case Payload.Text t -> {
        out.write(TEXT);
        putSized(out, t.text().getBytes(StandardCharsets.UTF_8));
      }
    }
    return out.toByteArray();
  }

  static EventsRecord decodeBinary(byte[] value) {
    ByteBuffer in = ByteBuffer.wrap(value);
    try {
      int version = in.get();
      if (version != 0 && version != 1) throw new IllegalArgumentException("binary payload has unknown version " + version);
      int count = in.getInt();
      if (count < 0) throw new IllegalArgumentException("binary payload has a negative event count");
      List<Event> events = new ArrayList<>(Math.min(count, 1024));
      for (int i = 0; i < count; i++) events.add(event(slice(in)));
      AppendMetadata metadata = null;
      if (version == 1) {
        byte[] rest = new byte[in.remaining()];
        in.get(rest);
        metadata = rest.length == 0 ? AppendMetadata.EMPTY : metadata(JSON.readTree(rest));
      }
      return new EventsRecord(version, events, metadata);
    } catch (BufferUnderflowException | IndexOutOfBoundsException e) {
      throw new IllegalArgumentException("binary payload is truncated at byte " + in.position() + " of " + value.length);
    } catch (IOException e) {
      throw new IllegalArgumentException("binary payload's metadata is not JSON: " + ActionHeader.reason(e));
    }
  }

  private static Event event(ByteBuffer in) {
    long seqNr = in.getLong();
    ByteBuffer tagBytes = slice(in);
    Set<String> tags = new LinkedHashSet<>();
    while (tagBytes.hasRemaining()) tags.add(StandardCharsets.UTF_8.decode(slice(tagBytes)).toString());
    byte type = in.get();
    ByteBuffer body = slice(in);
    byte[] bytes = new byte[body.remaining()];
    body.get(bytes);
    Payload payload = switch (type) {
      case NONE -> null;
      case BINARY -> Payload.binary(bytes);
      case JSON_PAYLOAD -> Payload.json(readJson(bytes, seqNr));
      case TEXT -> Payload.text(new String(bytes, StandardCharsets.UTF_8));
      default -> throw new IllegalArgumentException("binary payload: event " + seqNr + " has unknown payload type " + type);
    };
    return new Event(seqNr, tags, payload);
  }

  private static JsonNode readJson(byte[] bytes, long seqNr) {
    try {
      JsonNode json = JSON.readTree(bytes);
      // Jackson reads no bytes as a missing node, which would write back as null
      if (json == null || json.isMissingNode()) throw new IllegalArgumentException("binary payload: event " + seqNr + "'s json payload is empty");
      return json;
    } catch (IOException e) {
      throw new IllegalArgumentException("binary payload: event " + seqNr + "'s json payload is not JSON: " + ActionHeader.reason(e));
    }
  }

  /** Reads an int32 size and returns the next that many bytes, advancing past them. */
  private static ByteBuffer slice(ByteBuffer in) {
    int size = in.getInt();
    if (size < 0 || size > in.remaining()) throw new BufferUnderflowException();
    ByteBuffer s = in.slice(in.position(), size);
    in.position(in.position() + size);
    return s;
  }

  // ---- metadata

  static JsonNode metadataJson(AppendMetadata m) {
    ObjectNode o = JSON.createObjectNode();
    if (m.expireAfter() != null) o.put("expireAfter", ExpireAfterFormat.format(m.expireAfter()));
    if (m.data() != null) o.set("data", m.data());
    return o;
  }

  static AppendMetadata metadata(JsonNode o) {
    if (o == null || !o.isObject()) throw new IllegalArgumentException("payload metadata must be a JSON object, was " + o);
    JsonNode expire = o.get("expireAfter");
    JsonNode data = o.get("data");
    return new AppendMetadata(expire == null || expire.isNull() ? null : ExpireAfterFormat.parse(expire.asText()),
        data == null || data.isNull() ? null : data);
  }

  static byte[] bytes(JsonNode node) {
    try {
      return JSON.writeValueAsBytes(node);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void putSized(ByteArrayOutputStream out, byte[] bytes) {
    putInt(out, bytes.length);
    out.writeBytes(bytes);
  }

  private static void putInt(ByteArrayOutputStream out, int v) {
    out.writeBytes(ByteBuffer.allocate(4).putInt(v).array());
  }

  private static void putLong(ByteArrayOutputStream out, long v) {
    out.writeBytes(ByteBuffer.allocate(8).putLong(v).array());
  }
}
