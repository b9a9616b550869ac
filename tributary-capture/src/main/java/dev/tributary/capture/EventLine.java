package dev.tributary.capture;

import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * What capture would refuse in one NDJSON line, for a client that checks its lines before sending
 * them: a bad line then costs that line, not the whole request it would have gone in. The rules
 * are capture's own (the same parser), except the per-event size limit, which is the server's.
 */
public final class EventLine {
  private static final EventParser PARSER = new EventParser(Long.MAX_VALUE, new UuidV7());

  private EventLine() {}

  /** Why capture would refuse {@code line} as one NDJSON line, said without a line number (the caller knows it). */
  public static Optional<String> problem(String line) {
    byte[] bytes = line.getBytes(StandardCharsets.UTF_8);
    try {
      PARSER.parse(bytes, bytes.length, EventParser.Format.NDJSON, "", "");
      return Optional.empty();
    } catch (Rejection r) {
      return Optional.of(r.reason);
    }
  }
}
