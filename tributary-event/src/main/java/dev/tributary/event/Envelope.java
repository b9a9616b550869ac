package dev.tributary.event;

import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;

/**
 * The event envelope: the top-level fields of an event that Tributary itself reads or sets, their
 * names and their rules. This is the only place that names them; capture, the forwarder, refine
 * and the lake read and write them through this module.
 *
 * <p>The contract (as shared/DESIGN.md states it):
 * <ul>
 *   <li>An event is one JSON object. {@code event} (its type, a non-empty string) is required.
 *   <li>Optional: {@code event_id} (a string of 1 to {@value #MAX_EVENT_ID_CHARS} characters; a
 *       client that retries sends the same one), {@code timestamp} (client time, ISO-8601),
 *       {@code distinct_id} (the key that keeps one user's events in one Kafka partition). Any
 *       other fields are kept as they came.
 *   <li>Capture adds {@code received_at} (server time in {@link CaptureTime}'s form), {@code app}
 *       (the application the token belongs to, {@code default} without auth) and, where absent,
 *       {@code event_id} (a UUIDv7); to events mapped from Segment or PostHog also
 *       {@code protocol}, and for an app that stores addresses the client's {@code ip}.
 *   <li>Refine may flag an event {@code late}: a Kafka header that the lake stores as the
 *       top-level field {@code "late":true} ({@link RefineFlags}); capture drops a client's.
 *   <li>What lands in the lake is that enriched object, one per line (NDJSON) or one per row
 *       (Parquet).
 * </ul>
 *
 * <p>One rule for {@code event_id}, for every reader: it is a JSON string of 1 to
 * {@value #MAX_EVENT_ID_CHARS} characters (code points). Capture refuses any other with a 400;
 * a reader of stored bytes that meets any other value (a number, an empty or over-long string)
 * treats the event as having no id: no dedup, no Kafka key or header from it.
 */
public final class Envelope {
  public static final String EVENT = "event";
  public static final String EVENT_ID = "event_id";
  public static final String TIMESTAMP = "timestamp";
  public static final String DISTINCT_ID = "distinct_id";
  public static final String RECEIVED_AT = "received_at";
  public static final String APP = "app";
  public static final String PROTOCOL = "protocol";
  public static final String IP = "ip";
  /** Set by refine ({@link RefineFlags}); capture drops a client's. */
  public static final String LATE = "late";

  static final int MAX_EVENT_ID_CHARS = 128;

  private Envelope() {}

  /** Null when {@code id} is a valid event_id, else why not (without the field's name). */
  public static String eventIdProblem(String id) {
    int chars = id.codePointCount(0, id.length());
    return chars == 0 || chars > MAX_EVENT_ID_CHARS
        ? "must be 1 to " + MAX_EVENT_ID_CHARS + " characters, got " + chars
        : null;
  }

  /** {@code id} when it is a valid event_id, else null (no id). */
  public static String eventIdOrNull(String id) {
    return id == null || eventIdProblem(id) != null ? null : id;
  }

  /** The client's fields of a mapped (Segment, PostHog) event, first in what capture stores. */
  public static void writeClientFields(JsonGenerator g, String event, String eventId, String distinctId, String timestamp)
      throws IOException {
    g.writeStringField(EVENT, event);
    g.writeStringField(EVENT_ID, eventId);
    g.writeStringField(DISTINCT_ID, distinctId);
    g.writeStringField(TIMESTAMP, timestamp);
  }

  /** Capture's own fields, last in what capture stores; {@code protocol} and {@code ip} only when not null. */
  public static void writeCaptureFields(JsonGenerator g, String receivedAt, String app, String protocol, String ip)
      throws IOException {
    g.writeStringField(RECEIVED_AT, receivedAt);
    g.writeStringField(APP, app);
    if (protocol != null) g.writeStringField(PROTOCOL, protocol);
    if (ip != null) g.writeStringField(IP, ip);
  }
}
