package dev.tributary.status;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Sampling the registry into 15-minute rings, on a clock the test moves by hand. */
class StatusSamplesTest {
  private static final long T0 = 1_800_000_000_000L;
  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final StatusSamples samples = new StatusSamples(registry, StatusSeries.ALL);

  @Test
  void aCounterBecomesEventsPerSecondSummedOverItsTags() {
    Counter segment = Counter.builder("tributary.capture.events.accepted").tag("protocol", "segment").register(registry);
    Counter posthog = Counter.builder("tributary.capture.events.accepted").tag("protocol", "posthog").register(registry);
    samples.sample(T0);
    segment.increment(30);
    posthog.increment(10);
    samples.sample(T0 + 2000);
    posthog.increment(5);
    samples.sample(T0 + 3000);

    assertThat(values("capture_in")).containsExactly(null, 20.0, 5.0);
    assertThat(samples.latest("capture_in")).isEqualTo(5.0);
  }

  @Test
  void aSeriesWithTagsCountsOnlyTheMetersThatHaveThem() {
    Counter writes = Counter.builder("tributary.bus.requests").tags("operation", "write", "status", "200").register(registry);
    Counter refused = Counter.builder("tributary.bus.requests").tags("operation", "write", "status", "400").register(registry);
    Counter reads = Counter.builder("tributary.bus.requests").tags("operation", "read", "status", "200").register(registry);
    samples.sample(T0);
    writes.increment(6);
    refused.increment(1);
    reads.increment(40);
    samples.sample(T0 + 1000);
    assertThat(samples.latest("bus_writes")).isEqualTo(7.0);
    assertThat(samples.latest("bus_reads")).isEqualTo(40.0);
  }

  @Test
  void percentilesAreOfTheLastSecondOnlyFromTheHistogramBuckets() {
    Timer timer = Timer.builder("tributary.capture.ack").publishPercentileHistogram().register(registry);
    samples.sample(T0);
    for (int i = 0; i < 90; i++) timer.record(Duration.ofMillis(5));
    for (int i = 0; i < 10; i++) timer.record(Duration.ofMillis(800));
    samples.sample(T0 + 1000);
    for (int i = 0; i < 100; i++) timer.record(Duration.ofMillis(2));
    samples.sample(T0 + 2000);
    samples.sample(T0 + 3000);

    List<Double> p50 = values("ack_p50");
    List<Double> p99 = values("ack_p99");
    assertThat(p50.get(1)).as("p50 of 90 x 5 ms and 10 x 800 ms").isBetween(4.0, 6.0);
    assertThat(p99.get(1)).as("p99 of 90 x 5 ms and 10 x 800 ms").isBetween(700.0, 900.0);
    assertThat(p99.get(2)).as("p99 of the next second, 100 x 2 ms: the 800 ms are gone").isBetween(1.5, 2.5);
    assertThat(p99.get(3)).as("a second without requests has no latency").isNull();
    assertThat(p99.get(0)).isNull();
  }

  @Test
  void gaugesAreSummedAndTimestampsBecomeAges() {
    AtomicLong complete0 = new AtomicLong(T0 / 1000 - 30);
    AtomicLong complete1 = new AtomicLong(T0 / 1000 - 90);
    Gauge.builder("tributary.lake.complete.up.to.timestamp", complete0, AtomicLong::get).tag("partition", "0").register(registry);
    Gauge.builder("tributary.lake.complete.up.to.timestamp", complete1, AtomicLong::get).tag("partition", "1").register(registry);
    Gauge.builder("tributary.spool.size", () -> 300).register(registry);
    samples.sample(T0);
    assertThat(samples.latest("lake_complete_age")).as("age of the partition furthest behind").isEqualTo(90.0);
    assertThat(samples.latest("spool_used")).isEqualTo(300.0);
  }

  @Test
  void aSeriesWhoseMeterIsAbsentIsLeftOutUntilItAppears() {
    samples.sample(T0);
    assertThat(series()).doesNotContainKey("capture_in");
    Counter counter = Counter.builder("tributary.capture.events.accepted").register(registry);
    samples.sample(T0 + 1000);
    counter.increment(4);
    samples.sample(T0 + 2000);

    assertThat(series()).containsOnlyKeys("capture_in");
    assertThat(values("capture_in")).as("one value per sample time, null before it existed").containsExactly(null, null, 4.0);
    assertThat(series().get("capture_in")).asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.MAP).containsEntry("chart", "Events per second").containsEntry("unit", "/s");
  }

  @Test
  void theSeriesComeInTheCatalogsOrderWhateverOrderTheirMetersAppearedIn() {
    Counter.builder("tributary.forwarder.sent").register(registry);
    samples.sample(T0);
    Counter.builder("tributary.capture.events.accepted").register(registry);
    samples.sample(T0 + 1000);
    assertThat(series().keySet()).containsExactly("capture_in", "kafka_out");
  }

  @Test
  void theRingsKeepFifteenMinutesAndNoMore() {
    AtomicLong spool = new AtomicLong();
    Gauge.builder("tributary.spool.size", spool, AtomicLong::get).register(registry);
    int taken = StatusSamples.CAPACITY + 250;
    for (int i = 0; i < taken; i++) {
      spool.set(i);
      samples.sample(T0 + i * 1000L);
    }
    List<Object> times = list(samples.since(0).get("times"));
    assertThat(times).hasSize(StatusSamples.CAPACITY).first().isEqualTo(T0 + 250_000L);
    assertThat(times).last().isEqualTo(T0 + (taken - 1) * 1000L);
    assertThat(values("spool_used")).first().isEqualTo(250.0);
    assertThat(values("spool_used")).last().isEqualTo((double) taken - 1);
  }

  @Test
  void sinceGivesOnlyTheNewerSamples() {
    Gauge.builder("tributary.spool.size", () -> 7).register(registry);
    for (int i = 0; i < 5; i++) samples.sample(T0 + i * 1000L);
    Map<String, Object> newer = samples.since(T0 + 2000);
    assertThat(list(newer.get("times"))).containsExactly(T0 + 3000, T0 + 4000);
    assertThat(list(((Map<?, ?>) ((Map<?, ?>) newer.get("series")).get("spool_used")).get("values"))).containsExactly(7.0, 7.0);
    assertThat(list(samples.since(T0 + 4000).get("times"))).isEmpty();
  }

  @Test
  void holdingSinceFindsWhereTheCurrentRunBegan() {
    AtomicLong reachable = new AtomicLong(1);
    Gauge.builder("tributary.forwarder.kafka.reachable", reachable, AtomicLong::get).register(registry);
    for (int i = 0; i < 10; i++) {
      reachable.set(i >= 4 && i != 6 ? 0 : 1);
      samples.sample(T0 + i * 1000L);
    }
    assertThat(samples.holdingSince("kafka_reachable", v -> v == 0)).isEqualTo(T0 + 7000);
    assertThat(samples.holdingSince("kafka_reachable", v -> v == 1)).isEqualTo(-1);
  }

  @SuppressWarnings("unchecked")
  private Map<String, Object> series() {
    return (Map<String, Object>) samples.since(0).get("series");
  }

  @SuppressWarnings("unchecked")
  private static List<Object> list(Object list) {
    return (List<Object>) list;
  }

  @SuppressWarnings("unchecked")
  private List<Double> values(String key) {
    return (List<Double>) ((Map<?, ?>) series().get(key)).get("values");
  }
}
