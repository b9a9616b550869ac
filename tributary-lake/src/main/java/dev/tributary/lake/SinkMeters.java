package dev.tributary.lake;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/** The counters of the Kafka sink, shared by its partitions. */
record SinkMeters(Counter filesCompleted, Counter eventsWritten, Counter errorsWritten, Counter replaySkipped,
                  Counter failures, Counter cuts) {

  static SinkMeters register(MeterRegistry registry) {
    return new SinkMeters(
        Counter.builder("tributary.sink.files.completed").description("lake files published").register(registry),
        Counter.builder("tributary.sink.events.written").description("events appended to lake files").register(registry),
        Counter.builder("tributary.sink.errors.written").description("records written under _errors").register(registry),
        Counter.builder("tributary.sink.replay.skipped")
            .description("records read again and skipped because a published file holds them").register(registry),
        Counter.builder("tributary.sink.failures")
            .description("failures after which the sink started over from the committed offsets").register(registry),
        Counter.builder("tributary.sink.cuts")
            .description("completions by wall clock, revoke or shutdown, recorded in Kafka before publishing").register(registry));
  }
}
