package dev.tributary.bench;

import java.util.Map;
import java.util.stream.Collectors;
import org.HdrHistogram.Histogram;

/**
 * What one load measured. Only requests due after warmup count. Latency is from the moment a
 * request was due to the moment its answer was complete, so time spent queued (in the client,
 * the network or the server) counts: coordinated omission is corrected.
 *
 * @param due requests due in the measured part ({@code rate × duration})
 * @param ok requests answered 2xx; their latencies are in {@code latency}
 * @param errors failed requests by cause: an HTTP status ({@code "503"}), {@code "timeout"},
 *     {@code "not sent (in-flight cap)"} (due, but no room before the run ended), or an exception name
 * @param delayedByCap requests that found {@code maxInFlight} answers pending and waited to be sent
 * @param achievedRequestsPerSecond {@code ok} over the time from the first due request to the last answer
 * @param latency from due to answered, of the {@code ok} requests
 * @param sendLag from due to handed to the HTTP client, of all requests sent: the load generator's
 *     own share of {@code latency} (its scheduling delays and waits for the in-flight cap)
 */
public record LoadResult(
    LoadOptions options,
    long due,
    long ok,
    Map<String, Long> errors,
    long delayedByCap,
    double achievedRequestsPerSecond,
    Latency latency,
    Latency sendLag) {

  /** Latency percentiles in milliseconds over {@code count} requests. */
  public record Latency(long count, double p50, double p90, double p99, double p999, double max) {
    static Latency of(Histogram nanos) {
      if (nanos.getTotalCount() == 0) return new Latency(0, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
      return new Latency(nanos.getTotalCount(),
          ms(nanos.getValueAtPercentile(50)), ms(nanos.getValueAtPercentile(90)),
          ms(nanos.getValueAtPercentile(99)), ms(nanos.getValueAtPercentile(99.9)), ms(nanos.getMaxValue()));
    }

    private static double ms(long nanos) {
      return nanos / 1e6;
    }
  }

  public long errorCount() {
    return errors.values().stream().mapToLong(Long::longValue).sum();
  }

  public double eventsPerSecond() {
    return achievedRequestsPerSecond * options.eventsPerRequest();
  }

  /** Payload megabytes (10^6) per second acknowledged. */
  public double megabytesPerSecond() {
    return eventsPerSecond() * options.eventBytes() / 1e6;
  }

  /** Whether the target rate was held: at least {@code minRatio} of it achieved, no errors, P99 within the limit. */
  public boolean sustained(double minRatio, double p99LimitMillis) {
    return errorCount() == 0 && achievedRequestsPerSecond >= minRatio * options.requestsPerSecond()
        && latency.p99() <= p99LimitMillis;
  }

  /** A printable table of this result. */
  public String toTable() {
    return String.join("\n",
        "target    " + options.target(),
        "load      " + options.describe(),
        String.format("answered  %,d ok of %,d due; achieved %,.1f req/s = %,.0f events/s = %,.1f MB/s",
            ok, due, achievedRequestsPerSecond, eventsPerSecond(), megabytesPerSecond()),
        String.format("latency   p50 %s  p90 %s  p99 %s  p99.9 %s  max %s ms",
            f(latency.p50()), f(latency.p90()), f(latency.p99()), f(latency.p999()), f(latency.max())),
        String.format("send lag  p50 %s  p99 %s  max %s ms (the generator's own share of the latency)",
            f(sendLag.p50()), f(sendLag.p99()), f(sendLag.max())),
        "errors    " + describeErrors(),
        String.format("delayed   %,d requests waited for the in-flight cap (latency counted from when due)", delayedByCap));
  }

  String describeErrors() {
    if (errors.isEmpty()) return "none";
    return errors.entrySet().stream().sorted(Map.Entry.comparingByKey())
        .map(e -> String.format("%s: %,d", e.getKey(), e.getValue())).collect(Collectors.joining(", "));
  }

  static String f(double millis) {
    return Double.isNaN(millis) ? "-" : millis < 10 ? String.format("%.3f", millis) : String.format("%,.1f", millis);
  }
}
