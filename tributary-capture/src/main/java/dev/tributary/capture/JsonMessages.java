package dev.tributary.capture;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the JSON body of a Segment or PostHog request into its messages: the elements of a
 * top-level array, the elements of the {@code batch} array of a top-level object (whose other
 * fields are the envelope), or the top-level object itself. Each message keeps the number of bytes
 * it took in the body, for per-message limits. Numbers stay as sent ({@code 1.50} stays
 * {@code 1.50}); a field twice in one object is refused.
 */
final class JsonMessages {

  static final JsonFactory JSON = JsonFactory.builder()
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
      .disable(StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION).build();

  private JsonMessages() {}

  /** A message, its size in the body and where it started. */
  record Message(ObjectNode node, int bytes, int index, int line, int column) {
    Map<String, Object> where() {
      Map<String, Object> at = new LinkedHashMap<>();
      at.put("index", index);
      at.put("line", line);
      at.put("column", column);
      return at;
    }
  }

  /**
   * The envelope (the top-level object's fields other than the batch; empty for an array or a
   * single message), whether the body was a batch, and the messages in order.
   */
  record Body(ObjectNode envelope, boolean batch, List<Message> messages) {}

  static Body read(byte[] body, int length) throws Rejection {
    MalformedJson.requireUtf8(body, length);
    try (JsonParser p = JSON.createParser(body, 0, length)) {
      JsonToken root = p.nextToken();
      Body read;
      if (root == null) {
        throw new Rejection(400, "empty body");
      } else if (root == JsonToken.START_ARRAY) {
        List<Message> messages = new ArrayList<>();
        readArray(p, messages);
        read = new Body(NODES.objectNode(), true, messages);
      } else if (root == JsonToken.START_OBJECT) {
        read = readObject(p);
      } else {
        throw at(p.currentTokenLocation(), "the body is " + EventParser.describe(root) + ", not a JSON object or array", -1);
      }
      JsonToken trailing = p.nextToken();
      if (trailing != null) throw at(p.currentTokenLocation(), "more content (" + EventParser.describe(trailing) + ") after the JSON value", -1);
      return read;
    } catch (JsonProcessingException e) {
      throw MalformedJson.rejection(e);
    } catch (IOException e) {
      throw new UncheckedIOException("reading JSON from memory cannot fail", e);
    }
  }

  private static Body readObject(JsonParser p) throws IOException, Rejection {
    JsonLocation start = p.currentTokenLocation();
    ObjectNode top = NODES.objectNode();
    List<Message> batch = null;
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String name = p.currentName();
      JsonToken value = p.nextToken();
      if (name.equals("batch") && value == JsonToken.START_ARRAY) {
        batch = new ArrayList<>();
        readArray(p, batch);
      } else {
        top.set(name, tree(p));
      }
    }
    if (batch != null) return new Body(top, true, batch);
    int bytes = (int) (p.currentLocation().getByteOffset() - start.getByteOffset());
    return new Body(NODES.objectNode(), false, List.of(new Message(top, bytes, 0, start.getLineNr(), start.getColumnNr())));
  }

  private static void readArray(JsonParser p, List<Message> messages) throws IOException, Rejection {
    for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken()) {
      JsonLocation start = p.currentTokenLocation();
      if (t != JsonToken.START_OBJECT) {
        throw at(start, "element " + messages.size() + " of the batch is " + EventParser.describe(t) + ", not an object", messages.size());
      }
      ObjectNode node = (ObjectNode) tree(p);
      int bytes = (int) (p.currentLocation().getByteOffset() - start.getByteOffset());
      messages.add(new Message(node, bytes, messages.size(), start.getLineNr(), start.getColumnNr()));
    }
  }

  private static final JsonNodeFactory NODES = JsonNodeFactory.withExactBigDecimals(true);

  /**
   * The tree of the value whose first token is current, built here rather than by the
   * ObjectMapper, which sets up a deserialization context for each call. Floats become exact
   * BigDecimals, so {@code 1.50} is written back as {@code 1.50}.
   */
  private static JsonNode tree(JsonParser p) throws IOException, Rejection {
    return switch (p.currentToken()) {
      case START_OBJECT -> {
        ObjectNode object = NODES.objectNode();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
          String name = p.currentName();
          p.nextToken();
          object.set(name, tree(p));
        }
        yield object;
      }
      case START_ARRAY -> {
        com.fasterxml.jackson.databind.node.ArrayNode array = NODES.arrayNode();
        while (p.nextToken() != JsonToken.END_ARRAY) array.add(tree(p));
        yield array;
      }
      case VALUE_STRING -> NODES.textNode(p.getText());
      case VALUE_NUMBER_INT -> switch (p.getNumberType()) {
        case INT -> NODES.numberNode(p.getIntValue());
        case LONG -> NODES.numberNode(p.getLongValue());
        default -> NODES.numberNode(p.getBigIntegerValue());
      };
      case VALUE_NUMBER_FLOAT -> {
        try {
          yield NODES.numberNode(p.getDecimalValue());
        } catch (NumberFormatException e) {
          throw at(p.currentTokenLocation(), MalformedJson.numberOutOfRange(p.getText()), -1);
        }
      }
      case VALUE_TRUE -> NODES.booleanNode(true);
      case VALUE_FALSE -> NODES.booleanNode(false);
      case VALUE_NULL -> NODES.nullNode();
      default -> throw new IllegalStateException("unexpected token " + p.currentToken());
    };
  }

  /** The text of a string field, or null when absent or null; refused when it is not a string. */
  static String text(Message m, JsonNode node, String field) throws Rejection {
    JsonNode value = node == null ? null : node.get(field);
    if (value == null || value.isNull()) return null;
    if (!value.isTextual()) throw refuse(m, "\"" + field + "\" must be a string, got " + describe(value));
    return value.asText();
  }

  /** An identifier: a string, or a number taken as its digits; null when absent. */
  static String id(Message m, JsonNode node, String field) throws Rejection {
    JsonNode value = node == null ? null : node.get(field);
    if (value == null || value.isNull()) return null;
    if (value.isTextual()) return value.asText();
    if (value.isIntegralNumber()) return value.asText();
    throw refuse(m, "\"" + field + "\" must be a string, got " + describe(value));
  }

  static Rejection refuse(Message m, String problem) {
    return new Rejection(400, "message " + m.index() + ": " + problem, m.where());
  }

  private static Rejection at(JsonLocation location, String message, int index) {
    Map<String, Object> details = new LinkedHashMap<>();
    if (index >= 0) details.put("index", index);
    details.put("line", location.getLineNr());
    details.put("column", location.getColumnNr());
    return new Rejection(400, message, details);
  }

  static String describe(JsonNode value) {
    return switch (value.getNodeType()) {
      case OBJECT -> "an object";
      case ARRAY -> "an array";
      case STRING -> "a string";
      case NUMBER -> "a number";
      case BOOLEAN -> "a boolean";
      case NULL -> "null";
      default -> value.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
    };
  }
}
