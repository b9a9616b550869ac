package dev.tributary.capture;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What capture counts: requests by protocol and status, events and bytes accepted by protocol,
 * durable-append latency. The protocol is {@code events}, {@code segment} or {@code posthog}; a
 * request cut off by the request timeout before its path was known counts as {@code unknown}.
 */
final class CaptureMetrics {

  private final MeterRegistry registry;
  static final String UNKNOWN_PROTOCOL = "unknown";

  private final Map<String, Counter> requests = new ConcurrentHashMap<>();
  private final Map<String, Counter> events = new ConcurrentHashMap<>();
  private final Map<String, Counter> bytes = new ConcurrentHashMap<>();
  private final Counter refusedConnections;
  private final AtomicInteger inFlight = new AtomicInteger();
  final Timer durableAppend;

  CaptureMetrics(MeterRegistry registry) {
    this.registry = registry;
    this.refusedConnections = Counter.builder("tributary.capture.connections.refused")
        .description("Connections closed at once because max connections were open").register(registry);
    this.durableAppend = Timer.builder("tributary.capture.durable.append")
        .description("From handing a request's events to the spool until they are durable")
        .publishPercentileHistogram().register(registry);
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
    requests.computeIfAbsent(protocol + " " + status, k -> Counter.builder("tributary.capture.requests")
        .description("Capture requests by protocol and response status").tag("protocol", protocol)
        .tag("status", Integer.toString(status)).register(registry)).increment();
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
