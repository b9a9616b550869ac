package dev.tributary.journal;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code expireAfter} as kafka-journal writes it: Scala's FiniteDuration text, {@code "<n> <unit>"}
 * with the unit singular for 1 ("1 day", "12 hours", "90 seconds"). Written in the largest unit that
 * holds the duration exactly; read in Scala's spellings (also "1d", "10s", "5 min", "100ms").
 */
final class ExpireAfterFormat {
  private static final Pattern TEXT = Pattern.compile("\\s*(\\d+)\\s*([a-zA-Z]+)\\s*");
  private static final Map<String, Long> NANOS_PER = new LinkedHashMap<>();

  static {
    unit(86_400_000_000_000L, "day", "d");
    unit(3_600_000_000_000L, "hour", "h");
    unit(60_000_000_000L, "minute", "min", "m");
    unit(1_000_000_000L, "second", "s", "sec");
    unit(1_000_000L, "millisecond", "ms", "milli", "millis");
    unit(1_000L, "microsecond", "us", "µs", "micro", "micros");
    unit(1L, "nanosecond", "ns", "nano", "nanos");
  }

  private ExpireAfterFormat() {}

  private static void unit(long nanos, String name, String... aliases) {
    NANOS_PER.put(name, nanos);
    NANOS_PER.put(name + "s", nanos);
    for (String a : aliases) NANOS_PER.put(a, nanos);
  }

  static String format(Duration d) {
    long nanos = d.toNanos();
    for (Map.Entry<String, Long> u : NANOS_PER.entrySet()) {
      if (u.getKey().endsWith("s") || nanos % u.getValue() != 0) continue;
      long n = nanos / u.getValue();
      return n + " " + u.getKey() + (n == 1 ? "" : "s");
    }
    throw new IllegalStateException("unreachable: every duration is a whole number of nanoseconds");
  }

  static Duration parse(String text) {
    Matcher m = TEXT.matcher(text);
    Long per = m.matches() ? NANOS_PER.get(m.group(2).toLowerCase(Locale.ROOT)) : null;
    if (per == null) throw new IllegalArgumentException("expireAfter '" + text + "' is not a duration like '1 day' or '30 minutes'");
    return Duration.ofNanos(Math.multiplyExact(Long.parseLong(m.group(1)), per));
  }
}
