package dev.tributary.server;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.UUID;

/**
 * The event_ids {@code send} gives events that have none. From a file they are name-based UUIDs
 * of the file's real path, the line number and the line's text: sending the same file again
 * (after a crash, a timeout, or by mistake) gives every event the id it had, and the pipeline's
 * dedup keeps one; lines appended since keep the earlier ids of the lines before them; a line that
 * was edited is a new event. The price: a different file later written under the same path with a
 * byte-identical line at the same line number is taken for the same event. Events that must never
 * be confused carry their own event_id (or a timestamp). From stdin there is no name to derive
 * from, so the ids are random.
 */
abstract sealed class EventIds {

  abstract String id(long lineNumber, String line);

  static EventIds of(Path realPath) {
    return new FromFile(realPath);
  }

  static EventIds random() {
    return new Random();
  }

  private static final class FromFile extends EventIds {
    private final String name;

    FromFile(Path realPath) {
      this.name = "tributary send\n" + realPath + "\n";
    }

    @Override
    String id(long lineNumber, String line) {
      return UUID.nameUUIDFromBytes((name + lineNumber + "\n" + line).getBytes(StandardCharsets.UTF_8)).toString();
    }
  }

  private static final class Random extends EventIds {
    @Override
    String id(long lineNumber, String line) {
      return UUID.randomUUID().toString();
    }
  }
}
