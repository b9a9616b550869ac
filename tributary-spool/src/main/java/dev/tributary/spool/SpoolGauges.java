package dev.tributary.spool;

import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.core.instrument.Timer;
import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;
import java.util.stream.LongStream;

/**
 * The spool's size and every cursor's lag as gauges. One {@link Spool#usage()} snapshot serves
 * all gauges of a scrape (it is reused for {@value #SNAPSHOT_MILLIS} ms). Cursors can appear at
 * any time, and a meter registered while a scrape runs may show up half-way; so gauges for new
 * cursors are registered by {@link #beforeScrape} (which capture's {@code /metrics} calls), never
 * from inside a gauge. A cursor that goes away reports NaN. The gauges hold this object
 * strongly: nothing else keeps it.
 */
public final class SpoolGauges {

  private static final long SNAPSHOT_MILLIS = 500;
  private static final Duration[] FSYNC_BUCKETS = LongStream.of(50, 100, 250, 500, 1000, 2500, 5000, 10_000,
      25_000, 50_000, 100_000, 250_000, 1_000_000).mapToObj(us -> Duration.ofNanos(us * 1000)).toArray(Duration[]::new);
  private static final Map<MeterRegistry, List<SpoolGauges>> BOUND = Collections.synchronizedMap(new WeakHashMap<>());

  private final Spool spool;
  /** Weak: the map of bound gauges must not keep a registry alive that nothing else uses. */
  private final WeakReference<MeterRegistry> registry;
  private final Set<String> cursorsWithGauges = ConcurrentHashMap.newKeySet();
  private volatile SpoolUsage usage;
  private volatile long usageAtMillis;

  private SpoolGauges(Spool spool, MeterRegistry registry) {
    this.spool = spool;
    this.registry = new WeakReference<>(registry);
  }

  /** Adds the spool's gauges to the registry; capture's {@code /metrics} keeps the cursor gauges current. */
  public static void bind(Spool spool, MeterRegistry registry) {
    SpoolGauges gauges = new SpoolGauges(spool, registry);
    gauges.spoolGauge(registry, "tributary.spool.size", "Bytes of segment files on disk", "bytes", SpoolUsage::bytes);
    gauges.spoolGauge(registry, "tributary.spool.capacity", "Configured maximum size of the spool", "bytes", SpoolUsage::maxBytes);
    gauges.spoolGauge(registry, "tributary.spool.records", "Records from the oldest retained one to the end", "records", SpoolUsage::records);
    gauges.spoolGauge(registry, "tributary.spool.segments", "Segment files on disk", "segments", SpoolUsage::segments);
    gauges.spoolGauge(registry, "tributary.spool.next.offset", "Offset the next append gets", null, SpoolUsage::nextOffset);
    gauges.registerNewCursors();
    BOUND.computeIfAbsent(registry, r -> new ArrayList<>()).add(gauges);
    bindCommits(spool, registry);
  }

  /**
   * The writer's fsyncs and how many appends each commit carried: beside capture's durable-append
   * time they tell a slow disk (the fsync) from a saturated writer (appends waiting for the next commit).
   */
  private static void bindCommits(Spool spool, MeterRegistry registry) {
    Timer fsync = Timer.builder("tributary.spool.fsync").description("Each fsync (fdatasync) of the segment being written")
        .serviceLevelObjectives(FSYNC_BUCKETS).register(registry);
    DistributionSummary appends = DistributionSummary.builder("tributary.spool.commit.appends")
        .description("Appends (capture requests) made durable by one commit, one fsync with fsync always")
        .serviceLevelObjectives(1, 2, 4, 8, 16, 32, 64, 128, 256, 1024, 8192).register(registry);
    spool.observeCommits(new Spool.CommitObserver() {
      @Override public void committed(int count) {
        appends.record(count);
      }

      @Override public void forced(long nanos) {
        fsync.record(nanos, TimeUnit.NANOSECONDS);
      }
    });
  }

  /** Registers gauges for cursors that appeared since the last scrape of {@code registry}; call it before each scrape. */
  public static void beforeScrape(MeterRegistry registry) {
    List<SpoolGauges> bound;
    synchronized (BOUND) {
      bound = List.copyOf(BOUND.getOrDefault(registry, List.of()));
    }
    bound.forEach(SpoolGauges::registerNewCursors);
  }

  private void registerNewCursors() {
    MeterRegistry target = registry.get();
    if (target == null) return;
    usageAtMillis = 0; // a fresh snapshot, so this scrape sees every cursor that exists now
    for (SpoolUsage.CursorLag lag : usage().cursors()) {
      if (cursorsWithGauges.add(lag.name())) registerCursor(target, lag.name());
    }
  }

  private void spoolGauge(MeterRegistry target, String name, String description, String unit, ToDoubleFunction<SpoolUsage> value) {
    Gauge.builder(name, this, g -> value.applyAsDouble(g.usage())).description(description).baseUnit(unit)
        .strongReference(true).register(target);
  }

  private SpoolUsage usage() {
    long now = System.currentTimeMillis();
    SpoolUsage current = usage;
    if (current == null || now - usageAtMillis >= SNAPSHOT_MILLIS) {
      current = spool.usage();
      usage = current;
      usageAtMillis = now;
    }
    return current;
  }

  private void registerCursor(MeterRegistry target, String name) {
    Gauge.builder("tributary.spool.cursor.lag.records", this, g -> g.lag(name, SpoolUsage.CursorLag::records))
        .description("Records the cursor has not acknowledged").tag("cursor", name).strongReference(true).register(target);
    Gauge.builder("tributary.spool.cursor.lag.bytes", this, g -> g.lag(name, SpoolUsage.CursorLag::bytes))
        .description("Bytes of records the cursor has not acknowledged").tag("cursor", name).strongReference(true).register(target);
    TimeGauge.builder("tributary.spool.cursor.lag.age", this, TimeUnit.MILLISECONDS, g -> g.lag(name, SpoolUsage.CursorLag::oldestAgeMillis))
        .description("Age of the oldest record the cursor has not acknowledged").tag("cursor", name).strongReference(true).register(target);
  }

  private double lag(String cursor, ToDoubleFunction<SpoolUsage.CursorLag> value) {
    for (SpoolUsage.CursorLag lag : usage().cursors()) {
      if (lag.name().equals(cursor)) return value.applyAsDouble(lag);
    }
    return Double.NaN;
  }
}
