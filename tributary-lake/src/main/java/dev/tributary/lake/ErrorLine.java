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
 * The line written to {@code _errors} for a record that cannot be placed, the same for both sinks:
 * {@code {"reason": "...", "topic": "...", "partition": N, "offset": N, "timestamp": "<ISO-8601>",
 * "payload": "<the payload as text>"}}. {@code topic} and {@code partition} are there for a Kafka
 * record only; {@code timestamp} is the source's time of the record (the spool's append time, the
 * Kafka record's timestamp); {@code "payload_base64"} replaces {@code "payload"} when the payload
 * is not UTF-8, and {@code "payload": null} stands for a Kafka record without value.
 */
final class ErrorLine {
  private static final JsonFactory JSON = new JsonFactory();

  private ErrorLine() {}

  static byte[] of(String reason, SourceLanding.Source source, long offset, long timestampMillis, byte[] payload) {
    ByteArrayOutputStream out = new ByteArrayOutputStream((payload == null ? 0 : payload.length) + 160);
    try (JsonGenerator g = JSON.createGenerator(out)) {
      g.writeStartObject();
      g.writeStringField("reason", reason);
      if (source.topic() != null) {
        g.writeStringField("topic", source.topic());
        g.writeNumberField("partition", source.partition());
      }
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
