package dev.tributary.lake;

import java.time.DateTimeException;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The layout of the event partitions under the table directory ({@code path_format}, as Kafka
 * Connect's {@code path.format}): a template of {@code /}-separated segments of literal text and
 * variables in braces, {@value #DEFAULT} by default. The variables are {@code {event_type}} (the
 * encoded type, {@link PartitionPath#encode}) and the UTC {@code received_at}'s {@code {yyyy}},
 * {@code {MM}}, {@code {dd}} and {@code {HH}} (zero-padded). Each must appear exactly once, so
 * that a directory holds one event type and one hour: the sinks rely on it (the dedup window is
 * rebuilt from the hour directories since a given hour, a record's directory is a function of its
 * type and hour).
 *
 * <p>Literal text is {@code [A-Za-z0-9._=-]}; no segment may start with {@code _} or {@code .}
 * (query engines skip such directories, and {@code _errors} sits beside the partitions), nor
 * with {@code {event_type}} (a type may start with either). Only {@code {event_type}} has no fixed
 * width, so a directory name matches the template in one way only: {@link #hourOf} reads it back.
 */
public final class PathFormat {

  public static final String DEFAULT = "event_type={event_type}/dt={yyyy}-{MM}-{dd}/hour={HH}";

  private enum Variable {
    EVENT_TYPE("event_type", "[A-Za-z0-9._%~-]+"), YEAR("yyyy", "[0-9]{4}"), MONTH("MM", "[0-9]{2}"),
    DAY("dd", "[0-9]{2}"), HOUR("HH", "[0-9]{2}");

    final String name;
    final String regex;

    Variable(String name, String regex) {
      this.name = name;
      this.regex = regex;
    }

    static Variable named(String name) {
      for (Variable v : values()) if (v.name.equals(name)) return v;
      return null;
    }
  }

  private static final Pattern LITERAL = Pattern.compile("[A-Za-z0-9._=-]*");
  private static final Pattern PIECE = Pattern.compile("\\{([^{}]*)}");

  private final String template;
  /** Per segment: literal strings and variables, in order. */
  private final List<List<Object>> segments;
  private final List<Pattern> patterns;
  /** Where each variable is: its segment and its group in that segment's pattern. */
  private final Map<Variable, int[]> where = new EnumMap<>(Variable.class);

  private PathFormat(String template, List<List<Object>> segments) {
    this.template = template;
    this.segments = segments;
    this.patterns = new ArrayList<>();
    for (int s = 0; s < segments.size(); s++) {
      StringBuilder regex = new StringBuilder();
      int group = 0;
      for (Object piece : segments.get(s)) {
        if (piece instanceof Variable v) {
          regex.append('(').append(v.regex).append(')');
          where.put(v, new int[] {s, ++group});
        } else {
          regex.append(Pattern.quote((String) piece));
        }
      }
      patterns.add(Pattern.compile(regex.toString()));
    }
  }

  public static PathFormat defaults() {
    return parse(DEFAULT);
  }

  /** Throws {@link IllegalArgumentException} saying what is wrong and where. */
  public static PathFormat parse(String template) {
    if (template == null || template.isBlank()) throw problem(template, "it is empty");
    List<List<Object>> segments = new ArrayList<>();
    EnumMap<Variable, Integer> seen = new EnumMap<>(Variable.class);
    for (String segment : template.split("/", -1)) {
      if (segment.isEmpty()) throw problem(template, "it has an empty segment (a leading, trailing or doubled '/')");
      List<Object> pieces = new ArrayList<>();
      Matcher m = PIECE.matcher(segment);
      int at = 0;
      while (m.find()) {
        literal(template, segment.substring(at, m.start()), pieces);
        Variable v = Variable.named(m.group(1));
        if (v == null) {
          throw problem(template, "'{" + m.group(1) + "}' is not a variable; use {event_type}, {yyyy}, {MM}, {dd} and {HH}");
        }
        if (seen.merge(v, 1, Integer::sum) > 1) throw problem(template, "{" + v.name + "} appears more than once");
        if (v == Variable.EVENT_TYPE && pieces.isEmpty()) {
          throw problem(template, "a segment starts with {event_type}; put literal text before it, as in event_type={event_type}"
              + " (a type may start with '_' or '.', which query engines skip)");
        }
        pieces.add(v);
        at = m.end();
      }
      literal(template, segment.substring(at), pieces);
      if (pieces.getFirst() instanceof String s && (s.startsWith("_") || s.startsWith("."))) {
        throw problem(template, "segment '" + segment + "' starts with '" + s.charAt(0)
            + "' (query engines skip such directories, and _errors is the sink's)");
      }
      segments.add(pieces);
    }
    for (Variable v : Variable.values()) {
      if (!seen.containsKey(v)) {
        throw problem(template, "{" + v.name + "} is missing; every directory must hold one event type and one UTC hour,"
            + " so {event_type}, {yyyy}, {MM}, {dd} and {HH} are all required");
      }
    }
    return new PathFormat(template, segments);
  }

  private static void literal(String template, String text, List<Object> pieces) {
    if (text.isEmpty()) return;
    if (text.indexOf('{') >= 0 || text.indexOf('}') >= 0) throw problem(template, "unbalanced brace in '" + text + "'");
    if (!LITERAL.matcher(text).matches()) {
      throw problem(template, "'" + text + "' holds a character outside [A-Za-z0-9._=-]");
    }
    pieces.add(text);
  }

  private static IllegalArgumentException problem(String template, String why) {
    return new IllegalArgumentException("path format '" + template + "' is not usable: " + why);
  }

  /** The directory of an event, relative to the table directory. */
  String render(String encodedType, LocalDateTime t) {
    StringBuilder out = new StringBuilder(64);
    for (List<Object> segment : segments) {
      if (!out.isEmpty()) out.append('/');
      for (Object piece : segment) {
        if (piece instanceof Variable v) {
          switch (v) {
            case EVENT_TYPE -> out.append(encodedType);
            case YEAR -> out.append(String.format("%04d", t.getYear()));
            case MONTH -> two(out, t.getMonthValue());
            case DAY -> two(out, t.getDayOfMonth());
            case HOUR -> two(out, t.getHour());
          }
        } else {
          out.append((String) piece);
        }
      }
    }
    return out.toString();
  }

  private static void two(StringBuilder out, int n) {
    if (n < 10) out.append('0');
    out.append(n);
  }

  /** Directory levels of an event partition below the table directory. */
  int depth() {
    return segments.size();
  }

  /** Whether a directory named {@code name} at level {@code level} (0 = below the table directory) can be a partition's. */
  boolean matches(int level, String name) {
    return patterns.get(level).matcher(name).matches();
  }

  /** The UTC hour of a partition directory, from its names at every level; null when they are not one of this format's. */
  LocalDateTime hourOf(List<String> names) {
    if (names.size() != segments.size()) return null;
    List<Matcher> matched = new ArrayList<>();
    for (int level = 0; level < names.size(); level++) {
      Matcher m = patterns.get(level).matcher(names.get(level));
      if (!m.matches()) return null;
      matched.add(m);
    }
    try {
      return LocalDateTime.of(number(matched, Variable.YEAR), number(matched, Variable.MONTH), number(matched, Variable.DAY),
          number(matched, Variable.HOUR), 0);
    } catch (DateTimeException e) {
      return null;
    }
  }

  private int number(List<Matcher> matched, Variable v) {
    int[] at = where.get(v);
    return Integer.parseInt(matched.get(at[0]).group(at[1]));
  }

  @Override
  public String toString() {
    return template;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof PathFormat p && p.template.equals(template);
  }

  @Override
  public int hashCode() {
    return template.hashCode();
  }
}
