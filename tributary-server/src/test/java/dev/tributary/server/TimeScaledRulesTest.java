package dev.tributary.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The time-scaled copy of the rules PrometheusAlertsAndDashboardTest evaluates differs from the shipped one in its times only. */
class TimeScaledRulesTest {

  @Test
  void rangesOffsetsAndAgeThresholdsAreDividedAndTheRestOfAnExpressionKept() {
    assertThat(TimeScaledRules.expression("delta(tributary_forwarder_lag_records[10m]) > 0 and tributary_forwarder_lag_oldest_seconds > 60", 60))
        .isEqualTo("delta(tributary_forwarder_lag_records[10000ms]) > 0 and tributary_forwarder_lag_oldest_seconds > 1");
    assertThat(TimeScaledRules.expression("time() - tributary_lake_complete_up_to_seconds{topic=\"a\"} > 900", 60))
        .isEqualTo("time() - tributary_lake_complete_up_to_seconds{topic=\"a\"} > 15");
    assertThat(TimeScaledRules.expression("max_over_time(x[1h30m:1m] offset 5m) > 0.8", 60))
        .isEqualTo("max_over_time(x[90000ms:1000ms] offset 5000ms) > 0.8");
    assertThat(TimeScaledRules.expression("tributary_spool_size_bytes / tributary_spool_capacity_bytes > 0.95", 60))
        .as("a ratio is not a time").isEqualTo("tributary_spool_size_bytes / tributary_spool_capacity_bytes > 0.95");
    assertThat(TimeScaledRules.expression("tributary_forwarder_lag_oldest_seconds > 100", 60)).endsWith("> 1.666666666666667");
  }

  @Test
  void durationsAreDividedToMillisecondsAndNonDurationsRefused() {
    assertThat(TimeScaledRules.duration("2m", 60)).isEqualTo("2000ms");
    assertThat(TimeScaledRules.duration("1h30m", 60)).isEqualTo("90000ms");
    assertThat(TimeScaledRules.duration("10ms", 60)).as("never zero").isEqualTo("1ms");
    assertThatThrownBy(() -> TimeScaledRules.duration("2 minutes", 60)).hasMessageContaining("not a Prometheus duration: 2 minutes");
  }

  @Test
  void theShippedRulesKeepTheirAlertsLabelsAndAnnotations(@TempDir Path dir) throws Exception {
    Path scaled = dir.resolve("scaled.yml");
    TimeScaledRules.write(AlertRules.FILE, scaled, 60);
    JsonNode copy = new ObjectMapper(new YAMLFactory()).readTree(scaled.toFile()).path("groups");
    JsonNode shipped = AlertRules.groups();
    assertThat(copy.size()).isEqualTo(shipped.size());
    for (int g = 0; g < shipped.size(); g++) {
      assertThat(copy.get(g).path("rules").size()).isEqualTo(shipped.get(g).path("rules").size());
      for (int r = 0; r < shipped.get(g).path("rules").size(); r++) {
        ObjectNode original = shipped.get(g).path("rules").get(r).deepCopy();
        ObjectNode faster = copy.get(g).path("rules").get(r).deepCopy();
        if (original.has("for")) {
          assertThat(faster.path("for").asText()).isEqualTo(TimeScaledRules.duration(original.path("for").asText(), 60));
        }
        assertThat(faster.path("expr").asText()).isEqualTo(TimeScaledRules.expression(original.path("expr").asText(), 60));
        original.remove(List.of("for", "expr"));
        faster.remove(List.of("for", "expr"));
        assertThat(faster).as("rule %s apart from for and expr", original.path("alert")).isEqualTo(original);
      }
    }
  }
}
