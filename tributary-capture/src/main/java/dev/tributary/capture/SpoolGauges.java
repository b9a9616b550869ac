package dev.tributary.capture;

import dev.tributary.spool.Spool;
import dev.tributary.spool.SpoolUsage;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.TimeGauge;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;

/**
 * The spool's size and every cursor's lag as gauges. One {@link Spool#usage()} snapshot serves
 * all gauges of a scrape (it is reused for {@value #SNAPSHOT_MILLIS} ms). A cursor that appears
 * after {@link #bind} gets its gauges at the first scrape that sees it; a cursor that goes away
 * reports NaN. The gauges hold this object strongly: nothing else keeps it.
 */
public final class SpoolGauges {

  private static final long SNAPSHOT_MILLIS = 500;

  private final Spool spool;
  private final MeterRegistry registry;
  private final Set<String> cursorsWithGauges = ConcurrentHashMap.newKeySet();
  private volatile SpoolUsage usage;
  private volatile long usageAtMillis;

  private SpoolGauges(Spool spool, MeterRegistry registry) {
    this.spool = spool;
    this.registry = registry;
  }

  public static void bind(Spool spool, MeterRegistry registry) {
    SpoolGauges gauges = new SpoolGauges(spool, registry);
    gauges.spoolGauge("tributary.spool.size", "Bytes of segment files on disk", "bytes", SpoolUsage::bytes);
    gauges.spoolGauge("tributary.spool.capacity", "Configured maximum size of the spool", "bytes", SpoolUsage::maxBytes);
    gauges.spoolGauge("tributary.spool.records", "Records from the oldest retained one to the end", "records", SpoolUsage::records);
    gauges.spoolGauge("tributary.spool.segments", "Segment files on disk", "segments", SpoolUsage::segments);
    gauges.spoolGauge("tributary.spool.next.offset", "Offset the next append gets", null, SpoolUsage::nextOffset);
    gauges.usage();
  }

  private void spoolGauge(String name, String description, String unit, ToDoubleFunction<SpoolUsage> value) {
    Gauge.builder(name, this, g -> value.applyAsDouble(g.usage())).description(description).baseUnit(unit).strongReference(true).register(registry);
  }

  private SpoolUsage usage() {
    long now = System.currentTimeMillis();
    SpoolUsage current = usage;
    if (current == null || now - usageAtMillis >= SNAPSHOT_MILLIS) {
      current = spool.usage();
      usage = current;
      usageAtMillis = now;
      for (SpoolUsage.CursorLag lag : current.cursors()) {
        if (cursorsWithGauges.add(lag.name())) registerCursor(lag.name());
      }
    }
    return current;
  }

  private void registerCursor(String name) {
    Gauge.builder("tributary.spool.cursor.lag.records", this, g -> g.lag(name, SpoolUsage.CursorLag::records))
        .description("Records the cursor has not acknowledged").tag("cursor", name).strongReference(true).register(registry);
    Gauge.builder("tributary.spool.cursor.lag.bytes", this, g -> g.lag(name, SpoolUsage.CursorLag::bytes))
        .description("Bytes of records the cursor has not acknowledged").tag("cursor", name).strongReference(true).register(registry);
    TimeGauge.builder("tributary.spool.cursor.lag.age", this, TimeUnit.MILLISECONDS, g -> g.lag(name, SpoolUsage.CursorLag::oldestAgeMillis))
        .description("Age of the oldest record the cursor has not acknowledged").tag("cursor", name).strongReference(true).register(registry);
  }

  private double lag(String cursor, ToDoubleFunction<SpoolUsage.CursorLag> value) {
    for (SpoolUsage.CursorLag lag : usage().cursors()) {
      if (lag.name().equals(cursor)) return value.applyAsDouble(lag);
    }
    return Double.NaN;
  }
}
