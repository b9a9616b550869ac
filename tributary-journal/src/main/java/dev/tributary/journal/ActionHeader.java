package dev.tributary.journal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;

/**
 * The Kafka header {@code journal.action}: UTF-8 JSON, one object with a single field naming the
 * action (kafka-journal's {@code ActionHeader}):
 * <pre>
 * {"append":{"range":{"from":1,"to":5},"origin":"host","version":"1.0","payloadType":"binary"|"json","metadata":{"data":{..}}}}
 * {"delete":{"to":3,"origin":..,"version":..}}
 * {"purge":{"origin":..,"version":..}}
 * {"mark":{"id":"..","origin":..,"version":..}}
 * </pre>
 * {@code origin} and {@code version} are optional. An Append's {@code metadata} is optional too (older
 * writers left it out); it is kept absent when it was absent, so a header re-encodes to equal JSON.
 * Unknown fields are ignored, as kafka-journal does.
 */
final class ActionHeader {
  static final String NAME = "journal.action";
  private static final ObjectMapper JSON = new ObjectMapper();

  private ActionHeader() {}

  static byte[] encode(Action action) {
    ObjectNode root = JSON.createObjectNode();
    ObjectNode body;
    switch (action) {
      case Action.Append a -> {
        body = root.putObject("append");
        ObjectNode range = body.putObject("range");
        range.put("from", a.from());
        range.put("to", a.to());
      }
      case Action.Delete d -> {
        body = root.putObject("delete");
        body.put("to", d.to());
      }
      case Action.Purge p -> body = root.putObject("purge");
      case Action.Mark m -> {
        body = root.putObject("mark");
        body.put("id", m.id());
      }
    }
    if (action.origin() != null) body.put("origin", action.origin());
    if (action.version() != null) body.put("version", action.version());
    if (action instanceof Action.Append a) {
      body.put("payloadType", a.payloadType().wire);
      if (a.headerMetadata() != null) body.set("metadata", a.headerMetadata());
    }
    try {
      return JSON.writeValueAsBytes(root);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** @throws IllegalArgumentException saying what is wrong when the header is not a journal action */
  static Action decode(byte[] header) {
    JsonNode root;
    try {
      root = JSON.readTree(header);
    } catch (IOException e) {
      throw new IllegalArgumentException("header " + NAME + " is not JSON: " + reason(e));
    }
    if (root == null || !root.isObject() || root.size() != 1) {
      throw new IllegalArgumentException("header " + NAME + " must be an object with one action field, was " + root);
    }
    String type = root.fieldNames().next();
    JsonNode body = root.get(type);
    String origin = text(body, "origin");
    String version = text(body, "version");
    return switch (type) {
      case "append" -> {
        JsonNode range = required(body, "range");
        JsonNode metadata = body.get("metadata");
        yield new Action.Append(number(range, "from"), number(range, "to"), origin, version,
            Action.PayloadType.of(required(body, "payloadType").asText()), metadata == null || metadata.isNull() ? null : metadata);
      }
      case "delete" -> new Action.Delete(number(body, "to"), origin, version);
      case "purge" -> new Action.Purge(origin, version);
      case "mark" -> new Action.Mark(required(body, "id").asText(), origin, version);
      default -> throw new IllegalArgumentException("header " + NAME + " names an unknown action '" + type + "'");
    };
  }

  private static String text(JsonNode body, String field) {
    JsonNode v = body.get(field);
    return v == null || v.isNull() ? null : v.asText();
  }

  private static JsonNode required(JsonNode body, String field) {
    JsonNode v = body.get(field);
    if (v == null || v.isNull()) throw new IllegalArgumentException("header " + NAME + " lacks '" + field + "' in " + body);
    return v;
  }

  private static long number(JsonNode body, String field) {
    JsonNode v = required(body, field);
    if (!v.canConvertToLong() || !v.isIntegralNumber()) {
      throw new IllegalArgumentException("header " + NAME + ": '" + field + "' must be an integer, was " + v);
    }
    return v.asLong();
  }

  /** Jackson's message without its source-location suffix. */
  static String reason(IOException e) {
    return e instanceof com.fasterxml.jackson.core.JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
  }
}
