package dev.tributary.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The runner end to end at gentle rates, on the real broker it starts, kills and restarts. */
class KafkaCaptureBenchmarkTest {

  @Test
  void measuresEverySetupThenDrainsTheOutageBacklogIntoKafka() throws Exception {
    var settings = new KafkaCaptureBenchmark.Settings(List.of(50.0), Duration.ofSeconds(1), Duration.ZERO, Duration.ZERO,
        Duration.ofSeconds(2), 100, 0, Duration.ZERO, Duration.ofMinutes(2));
    var benchmark = new KafkaCaptureBenchmark(settings);

    KafkaCaptureBenchmark.Result result = benchmark.run();

    assertThat(result.rows()).extracting(KafkaCaptureBenchmark.Row::setup).containsExactly(
        "spool + forwarder, Kafka up", "acked by Kafka, linger default", "acked by Kafka, linger 0",
        "spool + forwarder, Kafka down");
    for (var row : result.rows()) {
      assertThat(row.result().errors()).as(row.setup()).isEmpty();
      assertThat(row.result().ok()).as(row.setup() + " answered 200").isEqualTo(50);
    }
    assertThat(result.rows().get(3).lagAfter()).as("nothing forwarded with Kafka down").isEqualTo("50");
    var drain = result.drain();
    assertThat(drain.duringOutage().ok()).as("capture answered 200 with Kafka down").isEqualTo(200);
    assertThat(drain.backlog().records()).isEqualTo(200);
    assertThat(drain.forwarded()).as("the backlog reached Kafka after the restart").isGreaterThanOrEqualTo(200);
    assertThat(benchmark.table(drain)).contains("spool + forwarder, Kafka down", "drain rate");
  }

  @Test
  void refusesUnknownOptionsAndNamesTheKnownOnes() {
    assertThatThrownBy(() -> KafkaCaptureBenchmark.parse(new String[] {"--outages", "5"}, KafkaCaptureBenchmark.Settings.defaults()))
        .hasMessageContaining("unknown option --outages").hasMessageContaining("--outage 300");
  }
}
