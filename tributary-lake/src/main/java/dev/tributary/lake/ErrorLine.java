package dev.tributary.lake;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;

/**
 * The line written to {@code _errors} for a record that cannot be placed:
 * {@code {"reason": "...", "offset": N, "appended_at": "<ISO-8601>", "payload": "<the payload as text>"}},
 * or {@code "payload_base64"} instead of {@code "payload"} when the payload is not UTF-8. The Kafka
 * sink writes {@code {"reason", "topic", "partition", "offset", "timestamp", "payload"}}, the
 * timestamp being the Kafka record's (ISO-8601), and {@code "payload": null} for a record without value.
 */
final class ErrorLine {
  private static final JsonFactory JSON = new JsonFactory();

  private ErrorLine() {}

  static byte[] of(String reason, long offset, long appendedAtMillis, byte[] payload) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(payload.length + 128);
    try (JsonGenerator g = JSON.createGenerator(out)) {
      g.writeStartObject();
      g.writeStringField("reason", reason);
      g.writeNumberField("offset", offset);
      g.writeStringField("appended_at", Instant.ofEpochMilli(appendedAtMillis).toString());
      String text = utf8OrNull(payload);
      if (text != null) g.writeStringField("payload", text);
      else g.writeStringField("payload_base64", Base64.getEncoder().encodeToString(payload));
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException("writing to memory cannot fail", e);
    }
    return out.toByteArray();
  }

  static byte[] ofKafka(String reason, String topic, int partition, long offset, long timestampMillis, byte[] payload) {
    ByteArrayOutputStream out = new ByteArrayOutputStream((payload == null ? 0 : payload.length) + 160);
    try (JsonGenerator g = JSON.createGenerator(out)) {
      g.writeStartObject();
      g.writeStringField("reason", reason);
      g.writeStringField("topic", topic);
      g.writeNumberField("partition", partition);
      g.writeNumberField("offset", offset);
      g.writeStringField("timestamp", Instant.ofEpochMilli(timestampMillis).toString());
      if (payload == null) {
        g.writeNullField("payload");
      } else {
        String text = utf8OrNull(payload);
        if (text != null) g.writeStringField("payload", text);
        else g.writeStringField("payload_base64", Base64.getEncoder().encodeToString(payload));
      }
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException("writing to memory cannot fail", e);
    }
    return out.toByteArray();
  }

  private static String utf8OrNull(byte[] payload) {
    try {
      return StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(payload)).toString();
    } catch (CharacterCodingException e) {
      return null;
    }
  }
}
