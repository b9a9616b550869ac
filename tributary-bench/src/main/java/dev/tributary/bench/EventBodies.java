package dev.tributary.bench;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Request bodies of synthetic events, each exactly {@code eventBytes} long:
 * {@code {"event":"bench","event_id":"<16 hex run id>-<16 digit sequence>","pad":"xxx…"}}.
 * The run id is random, so ids never repeat across runs (capture deduplicates retried ids);
 * the sequence counts events within the run. One event is sent as that object; several as
 * NDJSON, one per line, each line ending in a newline.
 */
final class EventBodies {

  private static final String HEAD = "{\"event\":\"bench\",\"event_id\":\"";
  private static final String RUN_ID_SAMPLE = "0123456789abcdef";
  private static final int SEQUENCE_DIGITS = 16;
  private static final String MIDDLE = "\",\"pad\":\"";
  private static final String TAIL = "\"}";

  private final byte[] template;
  private final int sequenceAt;
  private final int eventsPerRequest;

  EventBodies(int eventBytes, int eventsPerRequest) {
    if (eventBytes < minEventBytes()) throw new IllegalArgumentException("event size below " + minEventBytes());
    String runId = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong());
    String head = HEAD + runId + "-";
    int pad = eventBytes - minEventBytes();
    String json = head + "0".repeat(SEQUENCE_DIGITS) + MIDDLE + "x".repeat(pad) + TAIL;
    this.template = json.getBytes(StandardCharsets.US_ASCII);
    this.sequenceAt = head.length();
    this.eventsPerRequest = eventsPerRequest;
  }

  /** The smallest event this can make: no padding. */
  static int minEventBytes() {
    return HEAD.length() + RUN_ID_SAMPLE.length() + 1 + SEQUENCE_DIGITS + MIDDLE.length() + TAIL.length();
  }

  String contentType() {
    return eventsPerRequest == 1 ? "application/json" : "application/x-ndjson";
  }

  /** The body of request {@code index}: its events carry sequence numbers {@code index * eventsPerRequest …}. */
  byte[] request(long index) {
    if (eventsPerRequest == 1) return event(index);
    int line = template.length + 1;
    byte[] body = new byte[line * eventsPerRequest];
    for (int e = 0; e < eventsPerRequest; e++) {
      System.arraycopy(template, 0, body, e * line, template.length);
      writeSequence(body, e * line + sequenceAt, index * eventsPerRequest + e);
      body[e * line + template.length] = '\n';
    }
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
