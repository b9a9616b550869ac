package dev.tributary.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.assertj.core.api.Assertions;

/** The shipped alert rules, deploy/prometheus/tributary-rules.yml: the metrics each group asks for. */
final class AlertRules {
  static final Path DIR = Path.of("..", "deploy", "prometheus").toAbsolutePath().normalize();
  static final Path FILE = DIR.resolve("tributary-rules.yml");
  private static final Pattern METRIC = Pattern.compile("tributary_[a-z_]+");

  private AlertRules() {}

  static JsonNode groups() throws IOException {
    return new ObjectMapper(new YAMLFactory()).readTree(FILE.toFile()).path("groups");
  }

  /** Every metric the expressions of the group named {@code name} read. */
  static Set<String> metricsOf(String name) throws IOException {
    Set<String> metrics = new LinkedHashSet<>();
    for (JsonNode group : groups()) {
      if (!group.path("name").asText().equals(name)) continue;
      for (JsonNode rule : group.path("rules")) metrics.addAll(metricsIn(rule.path("expr").asText()));
    }
    Assertions.assertThat(metrics).as("metrics of rule group " + name + " in " + FILE).isNotEmpty();
    return metrics;
  }

  /** Every metric the rules file names: those its expressions read and those its annotations tell the operator to look at. */
  static Set<String> metricsNamed() throws IOException {
    return metricsIn(Files.readString(FILE));
  }

  /** The Tributary metrics a PromQL expression names. */
  static Set<String> metricsIn(String expression) {
    Set<String> metrics = new LinkedHashSet<>();
    Matcher m = METRIC.matcher(expression);
    while (m.find()) metrics.add(m.group());
    return metrics;
  }

  /** Asserts that a command's {@code /metrics} text has every metric of the rule group {@code name}. */
  static void assertExported(String name, String metricsText) throws IOException {
    for (String metric : metricsOf(name)) {
      Assertions.assertThat(metricsText).as("/metrics has %s, which rule group %s reads", metric, name)
          .containsPattern("(?m)^" + metric + "[ {]");
    }
  }
}
