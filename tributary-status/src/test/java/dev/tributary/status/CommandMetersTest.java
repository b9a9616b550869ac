package dev.tributary.status;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class CommandMetersTest {

  @Test
  void exportsBuildInfoJvmAndProcessMeters() throws Exception {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    try (CommandMeters bound = CommandMeters.bind(registry, "sink", "1.2.3")) {
      String text = registry.scrape();
      assertThat(text).containsPattern("(?m)^tributary_build_info\\{command=\"sink\",java_version=\""
          + Pattern.quote(System.getProperty("java.version")) + "\",version=\"1\\.2\\.3\"} 1(\\.0)?$");
      assertThat(text).containsPattern("(?m)^jvm_memory_used_bytes\\{").containsPattern("(?m)^jvm_threads_live_threads ")
          .containsPattern("(?m)^jvm_classes_loaded_classes ").containsPattern("(?m)^process_cpu_usage ")
          .containsPattern("(?m)^process_uptime_seconds ").containsPattern("(?m)^process_files_open_files ")
          .containsPattern("(?m)^system_cpu_count ");
    }
  }

  @Test
  void aTimerRegisteredWithoutBucketsIsAHistogramAndOneWithBucketsKeepsThem() {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    try (CommandMeters bound = CommandMeters.bind(registry, "journal replicate", "1.2.3")) {
      Timer.builder("pool.wait").register(registry).record(Duration.ofMillis(20));
      Timer.builder("own.latency").serviceLevelObjectives(Duration.ofMillis(7)).register(registry).record(Duration.ofMillis(3));
      String text = registry.scrape();
      assertThat(text).contains("# TYPE pool_wait_seconds histogram", "pool_wait_seconds_bucket{le=\"0.01\"} 0",
          "pool_wait_seconds_bucket{le=\"0.05\"} 1", "own_latency_seconds_bucket{le=\"0.007\"} 1")
          .doesNotContain("own_latency_seconds_bucket{le=\"0.01\"}").doesNotContainPattern("(?m)^# TYPE \\w+ summary$");
    }
  }

  @Test
  void gcPausesAreAHistogramThatSumsAcrossInstances() throws Exception {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    try (CommandMeters bound = CommandMeters.bind(registry, "serve", "1.2.3")) {
      await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
        System.gc(); // the pause meter appears with the first GC notification
        assertThat(registry.scrape()).containsPattern("(?m)^jvm_gc_pause_seconds_bucket\\{.*le=\"0\\.01\"");
      });
      assertThat(registry.scrape()).doesNotContainPattern("(?m)^jvm_gc_pause_seconds\\{.*quantile=");
    }
  }
}
