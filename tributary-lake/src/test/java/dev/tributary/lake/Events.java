package dev.tributary.lake;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/** Enriched events as capture appends them to the spool. */
final class Events {

  /** Capture's received_at: ISO-8601 UTC, always with milliseconds. */
  static final DateTimeFormatter RECEIVED_AT = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'")
      .withZone(ZoneOffset.UTC);

  private Events() {}

  static String json(String type, String eventId, Instant receivedAt, int n) {
    return "{\"event\":\"" + type.replace("\\", "\\\\").replace("\"", "\\\"") + "\",\"event_id\":\"" + eventId
        + "\",\"received_at\":\"" + RECEIVED_AT.format(receivedAt) + "\",\"app\":\"test\",\"n\":" + n + "}";
  }

  /** An event from a producer that sets no event_id; {@code key} identifies it in tests. */
  static byte[] withoutId(String type, String key, Instant receivedAt) {
    return ("{\"event\":\"" + type + "\",\"received_at\":\"" + RECEIVED_AT.format(receivedAt) + "\",\"k\":\"" + key + "\"}")
        .getBytes(StandardCharsets.UTF_8);
  }

  static byte[] bytes(String type, String eventId, Instant receivedAt, int n) {
    return json(type, eventId, receivedAt, n).getBytes(StandardCharsets.UTF_8);
  }
}
