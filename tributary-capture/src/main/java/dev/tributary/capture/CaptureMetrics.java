package dev.tributary.capture;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.stream.Stream;

/**
 * What capture counts: requests by protocol and status, events and bytes accepted by protocol,
 * durable-append and acknowledgement latency. The protocol is {@code events}, {@code segment} or {@code posthog}; a
 * request cut off by the request timeout before its path was known counts as {@code unknown}.
 */
final class CaptureMetrics {

  static final String UNKNOWN_PROTOCOL = "unknown";
  /** In microseconds, from an fsync well under a millisecond to a client on a slow link. */
  private static final Duration[] LATENCY_BUCKETS = Stream.of(100, 250, 500, 1000, 2500, 5000, 10_000, 25_000, 50_000, 100_000,
      250_000, 500_000, 1_000_000, 2_500_000, 5_000_000, 10_000_000).map(us -> Duration.of(us, ChronoUnit.MICROS))
      .toArray(Duration[]::new);

  private final MeterRegistry registry;

  /** Per protocol, the counter of each status (an array: looked up on every request without building a key). */
  private final Map<String, AtomicReferenceArray<Counter>> requests = new ConcurrentHashMap<>();
  private final Map<String, Counter> events = new ConcurrentHashMap<>();
  private final Map<String, Counter> bytes = new ConcurrentHashMap<>();
  private final Counter refusedConnections;
  private final AtomicInteger inFlight = new AtomicInteger();
  final Timer durableAppend;
  final Timer ack;

  CaptureMetrics(MeterRegistry registry) {
    this.registry = registry;
    this.refusedConnections = Counter.builder("tributary.capture.connections.refused")
        .description("Connections closed at once because max connections were open").register(registry);
    this.durableAppend = Timer.builder("tributary.capture.durable.append")
        .description("From handing a request's events to the spool until they are durable")
        .serviceLevelObjectives(LATENCY_BUCKETS).register(registry);
    this.ack = Timer.builder("tributary.capture.ack")
        .description("From a request's headers arriving to its 200, sent once its events are durable: what the client waits")
        .serviceLevelObjectives(LATENCY_BUCKETS).register(registry);
    Gauge.builder("tributary.capture.requests.in.flight", inFlight, AtomicInteger::get)
        .description("Capture requests begun and not yet answered").register(registry);
  }

  void begun() {
    inFlight.incrementAndGet();
  }

  void finished() {
    inFlight.decrementAndGet();
  }

  void request(String protocol, int status) {
    AtomicReferenceArray<Counter> byStatus = requests.computeIfAbsent(protocol, p -> new AtomicReferenceArray<>(600));
    Counter counter = byStatus.get(status);
    if (counter == null) {
      // Two threads may both register it: the registry gives both the same counter.
      counter = Counter.builder("tributary.capture.requests").description("Capture requests by protocol and response status")
          .tag("protocol", protocol).tag("status", Integer.toString(status)).register(registry);
      byStatus.set(status, counter);
    }
    counter.increment();
  }

  void accepted(String protocol, int eventCount, long byteCount) {
    events.computeIfAbsent(protocol, p -> Counter.builder("tributary.capture.events.accepted")
        .description("Events stored durably and acknowledged with 200").tag("protocol", p).register(registry))
        .increment(eventCount);
    bytes.computeIfAbsent(protocol, p -> Counter.builder("tributary.capture.accepted").baseUnit("bytes")
        .description("Bytes of enriched events stored durably and acknowledged").tag("protocol", p).register(registry))
        .increment(byteCount);
  }

  void refusedConnection() {
    refusedConnections.increment();
  }
}
