package dev.tributary.capture;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/** What capture counts: requests by status, events and bytes accepted, durable-append latency. */
final class CaptureMetrics {

  private final MeterRegistry registry;
  private final Map<Integer, Counter> requestsByStatus = new ConcurrentHashMap<>();
  private final Counter events;
  private final Counter bytes;
  private final Counter refusedConnections;
  private final AtomicInteger inFlight = new AtomicInteger();
  final Timer durableAppend;

  CaptureMetrics(MeterRegistry registry) {
    this.registry = registry;
    this.events = Counter.builder("tributary.capture.events.accepted")
        .description("Events stored durably and acknowledged with 200").register(registry);
    this.bytes = Counter.builder("tributary.capture.accepted").baseUnit("bytes")
        .description("Bytes of enriched events stored durably and acknowledged").register(registry);
    this.refusedConnections = Counter.builder("tributary.capture.connections.refused")
        .description("Connections closed at once because max connections were open").register(registry);
    this.durableAppend = Timer.builder("tributary.capture.durable.append")
        .description("From handing a request's events to the spool until they are durable")
        .publishPercentileHistogram().register(registry);
    Gauge.builder("tributary.capture.requests.in.flight", inFlight, AtomicInteger::get)
        .description("POST /v1/events requests begun and not yet answered").register(registry);
  }

  void begun() {
    inFlight.incrementAndGet();
  }

  void finished() {
    inFlight.decrementAndGet();
  }

  void request(int status) {
    requestsByStatus.computeIfAbsent(status, s -> Counter.builder("tributary.capture.requests")
        .description("POST /v1/events requests by response status").tag("status", Integer.toString(s))
        .register(registry)).increment();
  }

  void accepted(int eventCount, long byteCount) {
    events.increment(eventCount);
    bytes.increment(byteCount);
  }

  void refusedConnection() {
    refusedConnections.increment();
  }
}
