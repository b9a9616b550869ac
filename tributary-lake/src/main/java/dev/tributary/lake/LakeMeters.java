package dev.tributary.lake;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.stream.Stream;

/**
 * The meters both sinks keep, under one scheme: {@code tributary.lake.<what>}. A sink's own
 * meters use the same prefix ({@code tributary.lake.duplicates.dropped} and {@code lag} of the
 * spool sink, {@code cuts} and {@code complete.up.to.timestamp} of the Kafka sink); docs/operations.md lists them.
 */
record LakeMeters(Counter filesCompleted, Counter eventsWritten, Counter errorsWritten, Counter replaySkipped,
                  Counter failures, Timer freshness) {

  static final String PREFIX = "tributary.lake.";
  /** Around the default file age of 5 minutes, up to a lake hours behind. */
  private static final Duration[] FRESHNESS_BUCKETS = Stream.of(1, 5, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 10_800)
      .map(Duration::ofSeconds).toArray(Duration[]::new);

  static LakeMeters register(MeterRegistry registry) {
    return new LakeMeters(
        Counter.builder(PREFIX + "files.completed").description("lake files published under their completed name")
            .register(registry),
        Counter.builder(PREFIX + "events.written").description("events appended to lake files").register(registry),
        Counter.builder(PREFIX + "errors.written").description("records that could not be placed, written under _errors")
            .register(registry),
        Counter.builder(PREFIX + "replay.skipped")
            .description("records read again after a restart and skipped because a published file holds them")
            .register(registry),
        Counter.builder(PREFIX + "failures")
            .description("failures after which the sink started over from its acknowledged position").register(registry),
        Timer.builder(PREFIX + "freshness")
            .description("from the received_at of a file's first event to the file being published: how late the lake shows events")
            .serviceLevelObjectives(FRESHNESS_BUCKETS).register(registry));
  }
}
