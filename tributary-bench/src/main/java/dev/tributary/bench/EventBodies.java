package dev.tributary.bench;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Request bodies of synthetic events, each event exactly {@code eventBytes} long, in the shape
 * the target path takes ({@link Shape}). For {@code /v1/events}:
 * {@code {"event":"bench","event_id":"<16 hex run id>-<16 digit sequence>","pad":"xxx…"}}, one
 * event as that object, several as NDJSON (each line ending in a newline). For Segment's
 * {@code /v1/batch} and PostHog's {@code /batch/}, the same id as {@code messageId} or
 * {@code uuid} in a track / capture message, in the service's batch envelope. The run id is
 * random, so ids never repeat across runs (capture deduplicates retried ids); the sequence counts
 * events within the run.
 */
final class EventBodies {

  private static final String RUN_ID_SAMPLE = "0123456789abcdef";
  private static final int SEQUENCE_DIGITS = 16;

  /** The body shape of an ingest path. */
  enum Shape {
    EVENTS("{\"event\":\"bench\",\"event_id\":\"", "\",\"pad\":\"", "\"}", "", "\n", "\n", ""),
    SEGMENT("{\"type\":\"track\",\"event\":\"bench\",\"userId\":\"bench-user\",\"messageId\":\"", "\",\"properties\":{\"pad\":\"", "\"}}",
        "{\"batch\":[", ",", "", "],\"sentAt\":\"2026-01-01T00:00:00.000Z\"}"),
    POSTHOG("{\"event\":\"bench\",\"distinct_id\":\"bench-user\",\"uuid\":\"", "\",\"properties\":{\"pad\":\"", "\"}}",
        "{\"api_key\":\"bench\",\"batch\":[", ",", "", "]}");

    final String head;
    final String middle;
    final String tail;
    final String open;
    final String separator;
    final String last;
    final String close;

    Shape(String head, String middle, String tail, String open, String separator, String last, String close) {
      this.head = head;
      this.middle = middle;
      this.tail = tail;
      this.open = open;
      this.separator = separator;
      this.last = last;
      this.close = close;
    }

    /** Segment's {@code /v1/batch}, PostHog's {@code /batch/}, else Tributary's own events. */
    static Shape of(String path) {
      return switch (path) {
        case "/v1/batch" -> SEGMENT;
        case "/batch", "/batch/" -> POSTHOG;
        default -> EVENTS;
      };
    }

    /** The smallest event of this shape: no padding. */
    int minEventBytes() {
      return head.length() + RUN_ID_SAMPLE.length() + 1 + SEQUENCE_DIGITS + middle.length() + tail.length();
    }
  }

  private final Shape shape;
  private final byte[] template;
  private final int sequenceAt;
  private final int eventsPerRequest;

  EventBodies(Shape shape, int eventBytes, int eventsPerRequest) {
    if (eventBytes < shape.minEventBytes()) throw new IllegalArgumentException("event size below " + shape.minEventBytes());
    this.shape = shape;
    String runId = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong());
    String head = shape.head + runId + "-";
    int pad = eventBytes - shape.minEventBytes();
    String json = head + "0".repeat(SEQUENCE_DIGITS) + shape.middle + "x".repeat(pad) + shape.tail;
    this.template = json.getBytes(StandardCharsets.US_ASCII);
    this.sequenceAt = head.length();
    this.eventsPerRequest = eventsPerRequest;
  }

  EventBodies(int eventBytes, int eventsPerRequest) {
    this(Shape.EVENTS, eventBytes, eventsPerRequest);
  }

  /** The smallest event {@code /v1/events} bodies can hold: no padding. */
  static int minEventBytes() {
    return Shape.EVENTS.minEventBytes();
  }

  String contentType() {
    return shape == Shape.EVENTS && eventsPerRequest == 1 ? "application/json"
        : shape == Shape.EVENTS ? "application/x-ndjson" : "application/json";
  }

  /** The body of request {@code index}: its events carry sequence numbers {@code index * eventsPerRequest …}. */
  byte[] request(long index) {
    if (shape == Shape.EVENTS && eventsPerRequest == 1) return event(index);
    byte[] open = shape.open.getBytes(StandardCharsets.US_ASCII);
    byte[] separator = shape.separator.getBytes(StandardCharsets.US_ASCII);
    byte[] last = shape.last.getBytes(StandardCharsets.US_ASCII);
    byte[] close = shape.close.getBytes(StandardCharsets.US_ASCII);
    int line = template.length + separator.length;
    byte[] body = new byte[open.length + line * (eventsPerRequest - 1) + template.length + last.length + close.length];
    System.arraycopy(open, 0, body, 0, open.length);
    for (int e = 0; e < eventsPerRequest; e++) {
      int at = open.length + e * line;
      System.arraycopy(template, 0, body, at, template.length);
      writeSequence(body, at + sequenceAt, index * eventsPerRequest + e);
      byte[] after = e == eventsPerRequest - 1 ? last : separator;
      System.arraycopy(after, 0, body, at + template.length, after.length);
    }
    System.arraycopy(close, 0, body, body.length - close.length, close.length);
    return body;
  }

  private byte[] event(long sequence) {
    byte[] body = Arrays.copyOf(template, template.length);
    writeSequence(body, sequenceAt, sequence);
    return body;
  }

  private static void writeSequence(byte[] into, int at, long sequence) {
    long rest = sequence;
    for (int i = at + SEQUENCE_DIGITS - 1; i >= at; i--) {
      into[i] = (byte) ('0' + rest % 10);
      rest /= 10;
    }
  }
}
