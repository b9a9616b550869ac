package dev.tributary.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The metrics reference of docs/operations.md held to what the commands export: each table row of
 * it names one {@code tributary_} metric as Prometheus shows it (a histogram by its family name,
 * without {@code _bucket}, {@code _count}, {@code _sum} or {@code _max}).
 */
final class MetricsReference {
  static final Path DOC = Path.of("..", "docs", "operations.md").toAbsolutePath().normalize();
  private static final Pattern ROW = Pattern.compile("(?m)^\\| `(tributary_[a-z0-9_]+)`");
  private static final Pattern SAMPLE = Pattern.compile("(?m)^(tributary_[a-z0-9_]+)[ {]");
  private static final Pattern HISTOGRAM = Pattern.compile("(?m)^# TYPE (\\w+) histogram$");
  private static final Pattern HISTOGRAM_PART = Pattern.compile("(.+)_(bucket|count|sum|max)$");

  private MetricsReference() {}

  /** The metrics the reference lists. */
  static Set<String> documented() throws IOException {
    Set<String> names = new TreeSet<>();
    Matcher m = ROW.matcher(Files.readString(DOC));
    while (m.find()) names.add(m.group(1));
    assertThat(names).as("metric rows in " + DOC).isNotEmpty();
    return names;
  }

  /** The {@code tributary_} metrics of one {@code /metrics} text, histograms by their family name. */
  static Set<String> exported(String metricsText) {
    Set<String> histograms = new TreeSet<>();
    Matcher h = HISTOGRAM.matcher(metricsText);
    while (h.find()) histograms.add(h.group(1));
    Set<String> names = new TreeSet<>();
    Matcher m = SAMPLE.matcher(metricsText);
    while (m.find()) {
      Matcher part = HISTOGRAM_PART.matcher(m.group(1));
      names.add(part.matches() && histograms.contains(part.group(1)) ? part.group(1) : m.group(1));
    }
    return names;
  }

  /**
   * Asserts that every {@code tributary_} metric the commands' {@code /metrics} texts (by command)
   * have is in the reference, and that every one the reference lists is in one of them, but for
   * {@code notExercised}: metric name prefixes the caller cannot make appear, with why.
   */
  static void assertMatches(Map<String, String> metricsByCommand, Map<String, String> notExercised) throws IOException {
    Set<String> documented = documented();
    Set<String> exported = new TreeSet<>();
    metricsByCommand.forEach((command, text) -> {
      Set<String> names = exported(text);
      assertThat(documented).as("metrics %s exports that %s does not list", command, DOC).containsAll(names);
      exported.addAll(names);
    });
    Set<String> missing = new TreeSet<>(documented);
    missing.removeAll(exported);
    missing.removeIf(name -> notExercised.keySet().stream().anyMatch(name::startsWith));
    assertThat(missing).as("metrics %s lists that none of %s exports (not exercised on purpose: %s)", DOC,
        metricsByCommand.keySet(), notExercised).isEmpty();
  }
}
