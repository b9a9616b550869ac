package dev.tributary.status;

import io.micrometer.core.instrument.Measurement;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Statistic;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.CountAtBucket;
import io.micrometer.core.instrument.distribution.HistogramSnapshot;
import io.micrometer.core.instrument.distribution.HistogramSupport;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.DoublePredicate;

/**
 * The last {@value #CAPACITY} samples (15 minutes at one a second) of every {@link StatusSeries}
 * whose meter the registry has, in fixed-size rings: memory stays the same however long a command
 * runs. A series is sampled from the first time its meter exists (capture's counters appear with
 * the first event); a sample it could not take (no previous one for a rate, no requests for a
 * percentile) is NaN, written as null.
 */
final class StatusSamples {
  static final int CAPACITY = 15 * 60;

  private final MeterRegistry registry;
  private final List<StatusSeries> catalog;
  private final long[] times = new long[CAPACITY];
  private final Map<StatusSeries, double[]> values = new LinkedHashMap<>();
  private final Map<String, Double> previousTotals = new HashMap<>();
  private final Map<String, NavigableMap<Double, Double>> previousBuckets = new HashMap<>();
  private int next;
  private int size;
  private long previousTime = Long.MIN_VALUE;

  StatusSamples(MeterRegistry registry, List<StatusSeries> catalog) {
    this.registry = registry;
    this.catalog = catalog;
  }

  /** Takes one sample of every series, as of {@code nowMillis}. */
  synchronized void sample(long nowMillis) {
    double seconds = previousTime == Long.MIN_VALUE ? Double.NaN : (nowMillis - previousTime) / 1000.0;
    times[next] = nowMillis;
    for (StatusSeries series : catalog) {
      Collection<Meter> meters = registry.find(series.meter()).tags(series.tags()).meters();
      if (meters.isEmpty() && !values.containsKey(series)) continue;
      double value = meters.isEmpty() ? Double.NaN : read(series, meters, nowMillis, seconds);
      values.computeIfAbsent(series, s -> nanRing())[next] = value;
    }
    next = (next + 1) % CAPACITY;
    size = Math.min(size + 1, CAPACITY);
    previousTime = nowMillis;
  }

  /** The series' newest value; NaN when it has none. */
  synchronized double latest(String key) {
    double[] ring = ring(key);
    return ring == null || size == 0 ? Double.NaN : ring[index(size - 1)];
  }

  /**
   * When the series' values began to satisfy {@code condition} without a break up to the newest
   * sample; -1 when the newest does not, or when every sample kept does (it began earlier).
   */
  synchronized long holdingSince(String key, DoublePredicate condition) {
    double[] ring = ring(key);
    if (ring == null || size == 0 || !condition.test(ring[index(size - 1)])) return -1;
    int first = size - 1;
    while (first > 0 && condition.test(ring[index(first - 1)])) first--;
    return first == 0 && size == CAPACITY ? -1 : times[index(first)];
  }

  /**
   * {@code {"times":[epoch ms…],"series":{key:{"chart","label","unit","values":[…]}}}} for the
   * samples taken after {@code sinceMillis}, oldest first; the series in the catalog's order.
   */
  synchronized Map<String, Object> since(long sinceMillis) {
    int newer = 0;
    while (newer < size && times[index(newer)] <= sinceMillis) newer++;
    int first = newer;
    List<Long> sampleTimes = new ArrayList<>();
    for (int i = first; i < size; i++) sampleTimes.add(times[index(i)]);
    Map<String, Object> series = new LinkedHashMap<>();
    for (StatusSeries s : catalog) {
      double[] ring = values.get(s);
      if (ring == null) continue;
      List<Double> points = new ArrayList<>();
      for (int i = first; i < size; i++) points.add(rounded(ring[index(i)]));
      Map<String, Object> body = new LinkedHashMap<>();
      body.put("chart", s.chart());
      body.put("label", s.label());
      body.put("unit", s.unit());
      body.put("values", points);
      series.put(s.key(), body);
    }
    Map<String, Object> data = new LinkedHashMap<>();
    data.put("times", sampleTimes);
    data.put("series", series);
    return data;
  }

  private double[] ring(String key) {
    for (Map.Entry<StatusSeries, double[]> e : values.entrySet()) {
      if (e.getKey().key().equals(key)) return e.getValue();
    }
    return null;
  }

  private int index(int age) {
    return Math.floorMod(next - size + age, CAPACITY);
  }

  private double read(StatusSeries series, Collection<Meter> meters, long nowMillis, double seconds) {
    return switch (series.reading()) {
      case RATE -> rate(series.key(), sum(meters), seconds);
      case TOTAL, SUM -> sum(meters);
      case MIN -> meters.stream().mapToDouble(StatusSamples::value).filter(v -> !Double.isNaN(v)).min().orElse(Double.NaN);
      case MAX -> meters.stream().mapToDouble(StatusSamples::value).filter(v -> !Double.isNaN(v)).max().orElse(Double.NaN);
      case AGE -> nowMillis / 1000.0 - meters.stream().mapToDouble(StatusSamples::value).filter(v -> !Double.isNaN(v))
          .min().orElse(Double.NaN);
      case P50 -> percentile(series.key(), meters, 0.5);
      case P99 -> percentile(series.key(), meters, 0.99);
    };
  }

  private double rate(String key, double total, double seconds) {
    Double previous = previousTotals.put(key, total);
    // A counter that went down was registered anew: no rate across that.
    if (previous == null || total < previous || !(seconds > 0)) return Double.NaN;
    return (total - previous) / seconds;
  }

  /**
   * The quantile of the values recorded since the previous sample, interpolated in the bucket it
   * falls in as Prometheus' {@code histogram_quantile} does; NaN when nothing was recorded.
   */
  private double percentile(String key, Collection<Meter> meters, double quantile) {
    NavigableMap<Double, Double> buckets = cumulativeBuckets(meters);
    NavigableMap<Double, Double> previous = previousBuckets.put(key, buckets);
    if (previous == null || buckets.isEmpty()) return Double.NaN;
    double total = buckets.lastEntry().getValue() - previous.getOrDefault(Double.POSITIVE_INFINITY, 0.0);
    if (total <= 0) return Double.NaN;
    double rank = quantile * total;
    double lowerBound = 0;
    double lowerCount = 0;
    for (Map.Entry<Double, Double> bucket : buckets.entrySet()) {
      double count = bucket.getValue() - previous.getOrDefault(bucket.getKey(), 0.0);
      if (count >= rank) {
        if (bucket.getKey() == Double.POSITIVE_INFINITY) return lowerBound;
        return lowerBound + (bucket.getKey() - lowerBound) * (rank - lowerCount) / Math.max(count - lowerCount, 1e-9);
      }
      lowerBound = bucket.getKey();
      lowerCount = count;
    }
    return lowerBound;
  }

  /** Upper bound (ms for timers) to the count of values at or below it, summed over the meters; +Inf holds the total. */
  private static NavigableMap<Double, Double> cumulativeBuckets(Collection<Meter> meters) {
    NavigableMap<Double, Double> buckets = new TreeMap<>();
    for (Meter meter : meters) {
      if (!(meter instanceof HistogramSupport histogram)) continue;
      HistogramSnapshot snapshot = histogram.takeSnapshot();
      for (CountAtBucket c : snapshot.histogramCounts()) {
        double bound = meter instanceof Timer ? c.bucket(TimeUnit.MILLISECONDS) : c.bucket();
        buckets.merge(bound, c.count(), Double::sum);
      }
      buckets.merge(Double.POSITIVE_INFINITY, (double) snapshot.count(), Double::sum);
    }
    return buckets;
  }

  private static double sum(Collection<Meter> meters) {
    double sum = Double.NaN;
    for (Meter meter : meters) {
      double v = value(meter);
      if (!Double.isNaN(v)) sum = Double.isNaN(sum) ? v : sum + v;
    }
    return sum;
  }

  /** A counter's count or a gauge's value. */
  private static double value(Meter meter) {
    for (Measurement m : meter.measure()) {
      if (m.getStatistic() == Statistic.COUNT || m.getStatistic() == Statistic.VALUE) return m.getValue();
    }
    return Double.NaN;
  }

  private static Double rounded(double v) {
    return Double.isNaN(v) || Double.isInfinite(v) ? null : Math.round(v * 1000) / 1000.0;
  }

  private static double[] nanRing() {
    double[] ring = new double[CAPACITY];
    Arrays.fill(ring, Double.NaN);
    return ring;
  }
}
