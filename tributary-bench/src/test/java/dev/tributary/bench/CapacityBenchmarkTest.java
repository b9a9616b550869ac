package dev.tributary.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The runner end to end at gentle sizes: every stage in its own child JVM on the real broker it
 * starts, each measured with CPU of its own, and the disk figures from real files.
 */
class CapacityBenchmarkTest {

  @Test
  void measuresEveryStageInItsOwnProcessAndSizesTheSpoolAndRefineState() throws Exception {
    var benchmark = new CapacityBenchmark(new CapacityBenchmark.Settings(100, Duration.ofSeconds(1), 5, 2_000, 2, 3_000, Duration.ZERO));

    benchmark.run();

    assertThat(benchmark.rows()).extracting(CapacityBenchmark.Row::stage).containsExactly(
        "capture, fsync always: single-event requests", "capture, fsync always: 100-event requests",
        "forwarder: spool -> raw topic", "refine: dedup 24 h, 1 stream thread", "sink: refined topic -> directory, ndjson",
        "sink: refined topic -> directory, parquet", "refine: dedup 24 h, small events");
    for (var row : benchmark.rows()) {
      assertThat(row.span().events()).as(row.stage() + " events").isPositive();
      assertThat(row.span().cpuSeconds()).as(row.stage() + " CPU of its process").isPositive();
    }
    assertThat(benchmark.rows().get(0).span().events()).as("single-event load: 100 req/s for 1 s, all in the spool").isEqualTo(100);
    assertThat(benchmark.rows().get(1).span().events()).as("5 requests of 100 events").isEqualTo(500);
    assertThat(benchmark.disk()).anySatisfy(d -> assertThat(d).startsWith("spool, capture's own records").contains("= 1107 bytes per event"))
        .anySatisfy(d -> assertThat(d).startsWith("Kafka topic events (").contains("2,020 records"))
        .anySatisfy(d -> assertThat(d).startsWith("refine state after 3,000 distinct ids").contains("RocksDB directory"));
  }
}
