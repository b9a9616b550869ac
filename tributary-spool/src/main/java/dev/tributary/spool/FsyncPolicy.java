package dev.tributary.spool;

import java.time.Duration;

/**
 * When an append counts as durable. {@code always} completes an append only after the data is
 * forced to the device; {@code interval=<ms>} completes after the write and forces at least
 * every interval; {@code never} leaves flushing to the operating system.
 */
public sealed interface FsyncPolicy {

  /** Complete appends only after fsync. The default. */
  record Always() implements FsyncPolicy {
    @Override public String toString() { return "always"; }
  }

  /** Complete appends after write; fsync at least every {@code interval}. */
  record Interval(Duration interval) implements FsyncPolicy {
    public Interval {
      if (interval.isNegative() || interval.isZero()) {
        throw new IllegalArgumentException("fsync interval must be positive, got " + interval.toMillis() + " ms");
      }
    }
    @Override public String toString() { return "interval=" + interval.toMillis(); }
  }

  /** Complete appends after write; the operating system decides when data reaches the device. */
  record Never() implements FsyncPolicy {
    @Override public String toString() { return "never"; }
  }

  FsyncPolicy ALWAYS = new Always();
  FsyncPolicy NEVER = new Never();

  /** Parses {@code always}, {@code never} or {@code interval=<ms>}. */
  static FsyncPolicy parse(String text) {
    String t = text.trim();
    if (t.equals("always")) return ALWAYS;
    if (t.equals("never")) return NEVER;
    if (t.startsWith("interval=")) {
      try {
        return new Interval(Duration.ofMillis(Long.parseLong(t.substring("interval=".length()))));
      } catch (NumberFormatException e) {
        // fall through to the common message
      }
    }
    throw new IllegalArgumentException(
        "invalid fsync policy '" + text + "': accepted values are always, never, interval=<milliseconds>");
  }
}
