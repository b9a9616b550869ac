package dev.tributary.journal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * Events as JSON lines, for people and scripts ({@code tributary journal append|read}):
 * {@code {"seqNr":1,"tags":["a"],"payload":<JSON>}}. A text payload adds {@code "payloadType":"text"}
 * (payload a string), a binary one {@code "payloadType":"binary"} (payload base64); no
 * {@code payload} means none. What {@link #format} writes, {@link #parse} reads back.
 */
public final class EventLines {
  private static final ObjectMapper JSON = new ObjectMapper();

  private EventLines() {}

  public static String format(Event e) {
    ObjectNode o = JSON.createObjectNode();
    o.put("seqNr", e.seqNr());
    var tags = o.putArray("tags");
    e.tags().forEach(tags::add);
    switch (e.payload()) {
      case null -> {}
      case Payload.Json j -> o.set("payload", j.json());
      case Payload.Text t -> {
        o.put("payloadType", "text");
        o.put("payload", t.text());
      }
      case Payload.Binary b -> {
        o.put("payloadType", "binary");
        o.put("payload", Base64.getEncoder().encodeToString(b.bytes()));
      }
    }
    return o.toString();
  }

  /**
   * One line; {@code seqNr} may be left out, and then is {@code nextSeqNr}.
   *
   * @throws IllegalArgumentException saying what is wrong with the line
   */
  public static Event parse(String line, long nextSeqNr) {
    JsonNode o;
    try {
      o = JSON.readTree(line);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("not JSON: " + e.getOriginalMessage());
    }
    if (o == null || !o.isObject()) throw new IllegalArgumentException("an event is a JSON object like {\"payload\":{...}}");
    JsonNode seq = o.get("seqNr");
    if (seq != null && !(seq.isIntegralNumber() && seq.asLong() >= 1)) throw new IllegalArgumentException("seqNr must be an integer from 1, was " + seq);
    Set<String> tags = new LinkedHashSet<>();
    JsonNode t = o.path("tags");
    if (!t.isMissingNode() && !t.isArray()) throw new IllegalArgumentException("tags must be an array of strings");
    t.forEach(x -> tags.add(x.asText()));
    JsonNode payload = o.get("payload");
    String type = o.path("payloadType").asText("json");
    Payload p = payload == null ? null : switch (type) {
      case "json" -> Payload.json(payload);
      case "text" -> Payload.text(payload.asText());
      case "binary" -> {
        try {
          yield Payload.binary(Base64.getDecoder().decode(payload.asText()));
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException("a binary payload must be base64: " + e.getMessage());
        }
      }
      default -> throw new IllegalArgumentException("payloadType must be json, text or binary, was '" + type + "'");
    };
    return new Event(seq == null ? nextSeqNr : seq.asLong(), tags, p);
  }
}
