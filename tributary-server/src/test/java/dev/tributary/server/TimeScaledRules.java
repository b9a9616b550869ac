package dev.tributary.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.MathContext;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A copy of the shipped alert rules with every span of time divided by a factor, so that a test
 * sees in seconds what an operator sees in minutes: the {@code for:} durations, the range
 * selectors of the expressions ({@code [10m]}, {@code [10m:1m]}, {@code offset 5m}) and the
 * numbers an expression compares a {@code _seconds} metric with (an age like
 * {@code lag_oldest_seconds > 60}). Everything else (expressions, labels, annotations) stays as
 * shipped; the YAML is read and written as YAML, only durations inside an expression are rewritten
 * as text, PromQL having no parser on the JVM.
 */
final class TimeScaledRules {
  private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m|h|d|w|y)");
  private static final Pattern RANGE = Pattern.compile("\\[([0-9a-z]+)(?::([0-9a-z]*))?]|offset\\s+([0-9a-z]+)");
  private static final Pattern AGE_THRESHOLD = Pattern.compile("(_seconds(?:\\{[^}]*})?\\s*[<>]=?\\s*)(\\d+(?:\\.\\d+)?)");

  private TimeScaledRules() {}

  /** Writes the rules of {@code shipped}, their times divided by {@code factor}, to {@code target}. */
  static void write(Path shipped, Path target, int factor) throws IOException {
    ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
    JsonNode root = yaml.readTree(shipped.toFile());
    for (JsonNode group : root.path("groups")) {
      for (JsonNode rule : group.path("rules")) {
        ObjectNode r = (ObjectNode) rule;
        if (r.has("for")) r.put("for", duration(r.get("for").asText(), factor));
        r.put("expr", expression(r.get("expr").asText(), factor));
      }
    }
    yaml.writeValue(target.toFile(), root);
  }

  static String expression(String expr, int factor) {
    String ranges = RANGE.matcher(expr).replaceAll(m -> Matcher.quoteReplacement(m.group(3) != null
        ? "offset " + duration(m.group(3), factor)
        : "[" + duration(m.group(1), factor) + (m.group(2) == null ? "" : ":" + (m.group(2).isEmpty() ? "" : duration(m.group(2), factor))) + "]"));
    return AGE_THRESHOLD.matcher(ranges).replaceAll(m -> Matcher.quoteReplacement(m.group(1)
        + new BigDecimal(m.group(2)).divide(BigDecimal.valueOf(factor), MathContext.DECIMAL64).stripTrailingZeros().toPlainString()));
  }

  /** A Prometheus duration ({@code 2m}, {@code 1h30m}) divided by {@code factor}, in milliseconds. */
  static String duration(String text, int factor) {
    Matcher m = DURATION.matcher(text);
    long millis = 0;
    int end = 0;
    while (m.find() && m.start() == end) {
      millis += Long.parseLong(m.group(1)) * switch (m.group(2)) {
        case "ms" -> 1L;
        case "s" -> 1_000L;
        case "m" -> 60_000L;
        case "h" -> 3_600_000L;
        case "d" -> 86_400_000L;
        case "w" -> 604_800_000L;
        default -> 31_536_000_000L;
      };
      end = m.end();
    }
    if (end != text.length() || end == 0) throw new IllegalArgumentException("not a Prometheus duration: " + text);
    return Math.max(1, millis / factor) + "ms";
  }
}
