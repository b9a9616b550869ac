package dev.tributary.status;

import io.micrometer.core.instrument.Tags;
import java.util.List;

/**
 * One line of a chart on the {@code /status} page: what it reads from the registry and how. The
 * page's charts are {@link #ALL} grouped by {@link #chart}; a series whose meter a command does
 * not have is never sampled, so its chart is left out.
 *
 * @param key the series' name in {@code /status/data}
 * @param chart the title of the chart it is drawn in
 * @param label the line's name in the chart's legend
 * @param unit what the numbers are: {@code /s}, {@code ms}, {@code s}, {@code bytes} or a noun
 * @param reading how the meters of that name (summed over their tags) become one number a second
 * @param meter the Micrometer name of the meter
 * @param tags the tags a meter must have to count (none: every meter of the name)
 */
record StatusSeries(String key, String chart, String label, String unit, Reading reading, String meter, Tags tags) {

  StatusSeries(String key, String chart, String label, String unit, Reading reading, String meter) {
    this(key, chart, label, unit, reading, meter, Tags.empty());
  }

  /** How a series turns the meters of its name into one number per sample. */
  enum Reading {
    /** Increase of the counters' sum per second since the previous sample. */
    RATE,
    /** The counters' sum. */
    TOTAL,
    /** The gauges' sum. */
    SUM,
    /** The gauges' smallest value (a 0/1 gauge: 0 if any instance is 0). */
    MIN,
    /** The gauges' largest value. */
    MAX,
    /** Seconds from the sample to the smallest of the gauges, which are epoch-second timestamps. */
    AGE,
    /** Median of the values recorded since the previous sample, from the histogram buckets. */
    P50,
    /** 99th percentile of the values recorded since the previous sample, from the histogram buckets. */
    P99
  }

  static final List<StatusSeries> ALL = List.of(
      new StatusSeries("capture_in", "Events per second", "accepted", "/s", Reading.RATE, "tributary.capture.events.accepted"),
      new StatusSeries("kafka_out", "Events per second", "sent to Kafka", "/s", Reading.RATE, "tributary.forwarder.sent"),
      new StatusSeries("lake_out", "Events per second", "written to the lake", "/s", Reading.RATE, "tributary.lake.events.written"),
      new StatusSeries("refine_in", "Events per second", "read by refine", "/s", Reading.RATE, "tributary.refine.events.in"),
      new StatusSeries("refine_out", "Events per second", "refined", "/s", Reading.RATE, "tributary.refine.events.out"),
      new StatusSeries("replicated", "Events per second", "written to the journal store", "/s", Reading.RATE, "tributary.journal.replicator.records"),
      new StatusSeries("ack_p50", "Ack latency", "p50", "ms", Reading.P50, "tributary.capture.ack"),
      new StatusSeries("ack_p99", "Ack latency", "p99", "ms", Reading.P99, "tributary.capture.ack"),
      new StatusSeries("spool_used", "Spool", "used", "bytes", Reading.SUM, "tributary.spool.size"),
      new StatusSeries("spool_capacity", "Spool", "capacity", "bytes", Reading.SUM, "tributary.spool.capacity"),
      new StatusSeries("lag_records", "Forward lag", "records waiting", "records", Reading.SUM, "tributary.forwarder.lag.records"),
      new StatusSeries("lag_oldest", "Oldest record waiting", "age", "s", Reading.MAX, "tributary.forwarder.lag.oldest.seconds"),
      new StatusSeries("kafka_reachable", "Kafka reachable", "reachable (1) or not (0)", "", Reading.MIN, "tributary.forwarder.kafka.reachable"),
      new StatusSeries("dead_letters", "Dead letters", "stored", "records", Reading.SUM, "tributary.forwarder.dead.letters.stored"),
      new StatusSeries("lake_complete_age", "Lake complete up to", "age", "s", Reading.AGE, "tributary.lake.complete.up.to.timestamp"),
      new StatusSeries("lake_files", "Lake files written", "files", "files", Reading.TOTAL, "tributary.lake.files.completed"),
      new StatusSeries("refine_duplicates", "Refine duplicates and late events", "duplicates dropped", "/s", Reading.RATE,
          "tributary.refine.duplicates.dropped"),
      new StatusSeries("refine_late", "Refine duplicates and late events", "late events", "/s", Reading.RATE, "tributary.refine.late.events"),
      new StatusSeries("refine_delay_p99", "Refine end-to-end delay", "p99", "ms", Reading.P99, "tributary.refine.end.to.end.delay"),
      new StatusSeries("replicator_stopped", "Journal partitions stopped", "partitions", "partitions", Reading.SUM,
          "tributary.journal.replicator.stopped.partitions"),
      new StatusSeries("bus_writes", "Bus requests per second", "writes", "/s", Reading.RATE, "tributary.bus.requests",
          Tags.of("operation", "write")),
      new StatusSeries("bus_reads", "Bus requests per second", "reads", "/s", Reading.RATE, "tributary.bus.requests",
          Tags.of("operation", "read")));
}
