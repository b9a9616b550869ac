package dev.tributary.lake;

import java.nio.charset.StandardCharsets;
import java.time.Instant;

/** Enriched events as capture appends them to the spool. */
final class Events {

  private Events() {}

  static String json(String type, String eventId, Instant receivedAt, int n) {
    return "{\"event\":\"" + type.replace("\\", "\\\\").replace("\"", "\\\"") + "\",\"event_id\":\"" + eventId
        + "\",\"received_at\":\"" + receivedAt + "\",\"app\":\"test\",\"n\":" + n + "}";
  }

  /** An event from a producer that sets no event_id; {@code key} identifies it in tests. */
  static byte[] withoutId(String type, String key, Instant receivedAt) {
    return ("{\"event\":\"" + type + "\",\"received_at\":\"" + receivedAt + "\",\"k\":\"" + key + "\"}")
        .getBytes(StandardCharsets.UTF_8);
  }

  static byte[] bytes(String type, String eventId, Instant receivedAt, int n) {
    return json(type, eventId, receivedAt, n).getBytes(StandardCharsets.UTF_8);
  }
}
