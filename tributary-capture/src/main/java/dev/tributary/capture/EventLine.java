package dev.tributary.capture;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import dev.tributary.event.Envelope;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * What capture would refuse in one NDJSON line, for a client that checks its lines before sending
 * them: a bad line then costs that line, not the whole request it would have gone in. The rules
 * are capture's own (the same parser), except the per-event size limit, which is the server's.
 */
public final class EventLine {
  private static final EventParser PARSER = new EventParser(Long.MAX_VALUE, new UuidV7());

  private EventLine() {}

  /**
   * {@code line}, an event capture takes ({@link #problem} found nothing), with the event_id from
   * {@code id} when it has none: inserted as its first field, the rest of the line as it was, so
   * that numbers and field order reach capture exactly as written.
   */
  public static String withEventId(String line, Supplier<String> id) {
    try (JsonParser p = JsonMessages.JSON.createParser(line)) {
      p.nextToken();
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        if (p.currentName().equals(Envelope.EVENT_ID)) return line;
        p.nextToken();
        p.skipChildren();
      }
    } catch (IOException e) {
      throw new IllegalArgumentException("not an event line (check it with problem() first): " + e.getMessage(), e);
    }
    int open = line.indexOf('{');
    return line.substring(0, open + 1) + quoted(Envelope.EVENT_ID) + ":" + quoted(id.get()) + "," + line.substring(open + 1);
  }

  private static String quoted(String text) {
    return "\"" + new String(JsonStringEncoder.getInstance().quoteAsString(text)) + "\"";
  }

  /** Why capture would refuse {@code line} as one NDJSON line, said without a line number (the caller knows it). */
  public static Optional<String> problem(String line) {
    byte[] bytes = line.getBytes(StandardCharsets.UTF_8);
    try {
      PARSER.parse(bytes, bytes.length, EventParser.Format.NDJSON, "", "", null);
      return Optional.empty();
    } catch (Rejection r) {
      return Optional.of(r.reason);
    }
  }
}
