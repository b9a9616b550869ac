package dev.tributary.journal;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/** An event's body: bytes, text or a JSON value. Events may also have no payload (null). */
public sealed interface Payload {

  static Payload binary(byte[] bytes) {
    return new Binary(bytes);
  }

  static Payload text(String text) {
    return new Text(text);
  }

  static Payload json(JsonNode json) {
    return new Json(json);
  }

  /** Arbitrary bytes: an Append holding one is written in the binary record layout. */
  record Binary(byte[] bytes) implements Payload {
    public Binary {
      bytes = Objects.requireNonNull(bytes, "bytes").clone();
    }

    @Override
    public byte[] bytes() {
      return bytes.clone();
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Binary b && Arrays.equals(bytes, b.bytes);
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
      return "Binary[" + new String(bytes, StandardCharsets.UTF_8) + "]";
    }
  }

  record Text(String text) implements Payload {
    public Text {
      Objects.requireNonNull(text, "text");
    }
  }

  record Json(JsonNode json) implements Payload {
    public Json {
      Objects.requireNonNull(json, "json");
    }
  }
}
