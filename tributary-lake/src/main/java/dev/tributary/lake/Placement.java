package dev.tributary.lake;

import dev.tributary.event.EnvelopeFields;
import java.time.Instant;

/**
 * What the sink does with one spool payload: land it as an event, or file it under
 * {@code _errors} with a reason. The payload is read in full (a line DuckDB cannot read must
 * not reach a partition), but only its envelope ({@link EnvelopeFields}) is kept.
 */
sealed interface Placement {

  /** A placeable event; {@code line} is the payload with raw CR/LF (JSON whitespace) made spaces. */
  record Event(String type, String eventId, Instant receivedAt, byte[] line) implements Placement {}

  record Unplaceable(String reason) implements Placement {}

  /** {@code payload} null (a Kafka record without value) is unplaceable. */
  static Placement of(byte[] payload) {
    if (payload == null) return new Unplaceable("record has no value");
    EnvelopeFields f;
    try {
      f = EnvelopeFields.read(payload);
    } catch (IllegalArgumentException e) {
      return new Unplaceable(e.getMessage());
    }
    String problem = f.problem();
    if (problem != null) return new Unplaceable(problem);
    byte[] line = f.oneLine() ? payload : lineBreaksToSpaces(payload);
    return new Event(f.event(), f.eventId(), Instant.ofEpochMilli(f.receivedAtMillis()), line);
  }

  /** Valid JSON holds raw CR/LF only as whitespace between tokens, so they can become spaces; the spool's copy is kept. */
  private static byte[] lineBreaksToSpaces(byte[] payload) {
    byte[] line = payload.clone();
    for (int i = 0; i < line.length; i++) {
      if (line[i] == '\n' || line[i] == '\r') line[i] = ' ';
    }
    return line;
  }
}
