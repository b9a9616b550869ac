package dev.tributary.lake;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The counters both sinks keep, under one scheme: {@code tributary.lake.<what>}. A sink's own
 * meters use the same prefix ({@code tributary.lake.duplicates.dropped} and {@code lag} of the
 * spool sink, {@code cuts} and {@code complete.up.to} of the Kafka sink); docs/lake.md lists them.
 */
record LakeMeters(Counter filesCompleted, Counter eventsWritten, Counter errorsWritten, Counter replaySkipped,
                  Counter failures) {

  static final String PREFIX = "tributary.lake.";

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
            .description("failures after which the sink started over from its acknowledged position").register(registry));
  }
}
