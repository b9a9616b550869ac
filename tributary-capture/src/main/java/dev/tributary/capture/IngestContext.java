package dev.tributary.capture;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Vertx;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What every capture request needs besides its own protocol, built once and passed down to each
 * {@link Ingest}: the limits, the durable log, the metrics, the allowed origins, whether the server drains, whether the
 * spool is full, and the budget of request bytes held in memory.
 */
final class IngestContext {

  static final long BODIES_HELD_AT_ONCE = 64;
  /**
   * Held bodies may take at most this fraction of the heap: parsing a body copies it twice more,
   * and the lake's event_id window and the rest of the process live beside them. With serve's
   * default heap (320 MiB) this, not {@link #BODIES_HELD_AT_ONCE}, is the budget.
   */
  static final long HEAP_SHARE_DIVISOR = 8;

  final CaptureConfig config;
  final DurableLog log;
  final CaptureMetrics metrics;
  final Vertx vertx;
  final Cors cors;
  private volatile boolean draining;
  private final AtomicBoolean spoolFull = new AtomicBoolean();
  private final AtomicLong heldBytes = new AtomicLong();
  private final long heldBytesBudget;

  IngestContext(CaptureConfig config, DurableLog log, MeterRegistry registry, Vertx vertx) {
    this.config = config;
    this.log = log;
    this.vertx = vertx;
    this.metrics = new CaptureMetrics(registry);
    this.cors = Cors.of(config.corsOrigins());
    this.heldBytesBudget = Math.max(config.maxRequestBytes(),
        Math.min(BODIES_HELD_AT_ONCE * config.maxRequestBytes(), Runtime.getRuntime().maxMemory() / HEAP_SHARE_DIVISOR));
    Gauge.builder("tributary.capture.held", heldBytes, AtomicLong::get).baseUnit("bytes")
        .description("Bytes of request bodies held in memory by requests not yet answered").register(registry);
  }

  /**
   * Reserves room for request bytes held in memory, false when all requests together would hold
   * more than {@value #BODIES_HELD_AT_ONCE} largest requests or an eighth of the heap (but always
   * room for one largest request): many slow clients sending large
   * bodies at once get 503 instead of exhausting the heap.
   */
  boolean hold(long bytes) {
    if (heldBytes.addAndGet(bytes) <= heldBytesBudget) return true;
    heldBytes.addAndGet(-bytes);
    return false;
  }

  void release(long bytes) {
    heldBytes.addAndGet(-bytes);
  }

  void drain() {
    draining = true;
  }

  boolean draining() {
    return draining;
  }

  /**
   * True while the spool has refused an append for lack of room and has not since accepted one or
   * freed room for a largest request. {@code freeBytes()} is cheap, so this is checked per call.
   */
  boolean spoolFull() {
    if (spoolFull.get() && log.freeBytes() > config.maxRequestBytes()) spoolFull.set(false);
    return spoolFull.get();
  }

  void spoolFull(boolean full) {
    spoolFull.set(full);
  }

  long retryAfterSeconds() {
    return Math.max(1, config.retryAfter().toSeconds());
  }
}
