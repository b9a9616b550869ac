package dev.tributary.refine;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.apache.kafka.streams.KafkaStreams;

/**
 * Refine's meters. Counts are of this process since it started: after a crash, the records
 * replayed from the last commit are counted again (the refined topic has them once).
 */
final class RefineMetrics {
  /** From a forwarder's linger plus a commit interval, through reorder windows, to an hour-long outage upstream. */
  private static final Duration[] DELAY_BUCKETS = Stream.of(50, 100, 250, 500, 1000, 2500, 5000, 10_000, 30_000, 60_000, 300_000,
      900_000, 3_600_000).map(Duration::ofMillis).toArray(Duration[]::new);

  final Counter in;
  final Counter out;
  final Counter duplicates;
  final Counter withoutEventId;
  final Counter late;
  final AtomicLong buffered = new AtomicLong();
  private final Timer delay;

  RefineMetrics(MeterRegistry registry) {
    in = Counter.builder("tributary.refine.events.in").description("records read from the input topics").register(registry);
    out = Counter.builder("tributary.refine.events.out").description("records written to the refined topic").register(registry);
    duplicates = Counter.builder("tributary.refine.duplicates.dropped")
        .description("records dropped because their event_id was seen within the dedup window").register(registry);
    withoutEventId = Counter.builder("tributary.refine.events.without.event.id")
        .description("records passed through undeduplicated: no event_id header or field").register(registry);
    late = Counter.builder("tributary.refine.late.events")
        .description("records older than what reordering had already emitted: written at once with a 'late' header").register(registry);
    Gauge.builder("tributary.refine.reorder.buffered", buffered, AtomicLong::get)
        .description("records held by reordering (approximate after a restart)").register(registry);
    delay = Timer.builder("tributary.refine.end.to.end.delay").description("time of writing to the refined topic minus received_at")
        .serviceLevelObjectives(DELAY_BUCKETS).register(registry);
  }

  void emitted(long receivedAtMillis, long nowMillis) {
    out.increment();
    delay.record(Math.max(0, nowMillis - receivedAtMillis), TimeUnit.MILLISECONDS);
  }

  /** One gauge per Streams state, 1 for the current one, so a dashboard can alert on ERROR or a long REBALANCING. */
  static void bindState(MeterRegistry registry, Supplier<KafkaStreams.State> state) {
    for (KafkaStreams.State s : KafkaStreams.State.values()) {
      Gauge.builder("tributary.refine.streams.state", () -> state.get() == s ? 1 : 0).tag("state", s.name())
          .description("the Kafka Streams client's state: 1 for the current one").register(registry);
    }
  }
}
