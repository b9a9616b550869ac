package dev.tributary.spool;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The progress of a long command ({@code send}, {@code drain}, {@code dead-letters replay},
 * {@code spool verify}, {@code bench}) as lines on stderr: one every interval while it runs and a
 * last one when it ends, but nothing at all when it ends within the first interval. Whole lines
 * rather than a redrawn bar, so that they read the same in a terminal, a log and a CI job; stdout
 * keeps only the command's result for scripts to parse.
 */
public final class ProgressLine implements AutoCloseable {
  /** How often a line is printed unless a test asks for less. */
  public static final Duration INTERVAL = Duration.ofSeconds(2);
  private static final String BYTES = "MiB";

  /**
   * How far the work is: {@code done} of {@code total} (negative when unknown) in {@code unit}, with
   * a {@code detail} said after it (or null). Read on the progress thread, so built from counters
   * that are safe to read there.
   */
  public record Reading(long done, long total, String unit, String detail) {
    /** A count, {@code unit} plural: "records", "requests". */
    public static Reading of(long done, long total, String unit) {
      return new Reading(done, total, unit, null);
    }

    /** Bytes, shown and rated in MiB. */
    public static Reading bytes(long done, long total) {
      return new Reading(done, total, BYTES, null);
    }

    public Reading and(String detail) {
      return new Reading(done, total, unit, detail);
    }
  }

  private final PrintWriter err;
  private final String command;
  private final Supplier<Reading> reading;
  private final Duration interval;
  private final long started = System.nanoTime();
  private final CountDownLatch ended = new CountDownLatch(1);
  private final Thread printer;
  private volatile boolean shown;

  private ProgressLine(PrintWriter err, String command, Duration interval, Supplier<Reading> reading) {
    this.err = err;
    this.command = command;
    this.reading = reading;
    this.interval = interval;
    this.printer = Thread.ofPlatform().daemon().name("progress").start(this::print);
  }

  /** Prints {@code reading} on {@code err} every {@code interval}, each line headed by {@code command}, until closed. */
  public static ProgressLine start(PrintWriter err, String command, Duration interval, Supplier<Reading> reading) {
    return new ProgressLine(err, command, interval, reading);
  }

  /** Rates and ETAs come from the last interval alone: a start slowed by warmup must not skew them for the whole run. */
  private void print() {
    long lastDone = 0;
    long lastAt = started;
    try {
      while (!ended.await(interval.toNanos(), TimeUnit.NANOSECONDS)) {
        Reading r = reading.get();
        long now = System.nanoTime();
        err.println(format(command, r, (r.done() - lastDone) / seconds(now - lastAt), null));
        err.flush();
        shown = true;
        lastDone = r.done();
        lastAt = now;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Stops the lines; says where the work ended when it lasted past the first interval, by the
   * clock rather than by whether the printer thread got to run (on a busy machine it may not have).
   */
  @Override
  public void close() {
    ended.countDown();
    try {
      printer.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (shown || System.nanoTime() - started >= interval.toNanos()) {
      Reading r = reading.get();
      double seconds = seconds(System.nanoTime() - started);
      err.println(format(command, r, r.done() / seconds, seconds));
      err.flush();
    }
  }

  private static double seconds(long nanos) {
    return Math.max(nanos / 1e9, 1e-3);
  }

  /**
   * {@code tributary x: 1,200 / 5,000 records (24%), 600 records/s, ETA 7s; detail}; the last line,
   * given the whole run's {@code seconds}, ends {@code in 8.3 s} instead of an ETA.
   */
  static String format(String command, Reading r, double rate, Double seconds) {
    StringBuilder line = new StringBuilder(command).append(": ").append(amount(r.unit(), r.done()));
    if (r.total() >= 0) line.append(" / ").append(amount(r.unit(), r.total()));
    line.append(' ').append(r.unit());
    if (r.total() >= 0) line.append(String.format(" (%d%%)", r.total() == 0 ? 100 : 100 * Math.min(r.done(), r.total()) / r.total()));
    line.append(", ").append(r.unit().equals(BYTES) ? String.format("%.1f MiB/s", rate / (1 << 20)) : String.format("%,.0f %s/s", rate, r.unit()));
    if (seconds != null) {
      line.append(String.format(", in %.1f s", seconds));
    } else if (r.total() > r.done() && rate > 0) {
      line.append(", ETA ").append(eta(Math.round((r.total() - r.done()) / rate)));
    }
    if (r.detail() != null) line.append("; ").append(r.detail());
    return line.toString();
  }

  private static String amount(String unit, long n) {
    return unit.equals(BYTES) ? String.format("%.1f", n / (double) (1 << 20)) : String.format("%,d", n);
  }

  /** In the forms the commands' duration flags take: 45s, 3m20s, 2h5m. */
  private static String eta(long seconds) {
    if (seconds < 1) return "<1s";
    if (seconds < 60) return seconds + "s";
    if (seconds < 3600) return seconds / 60 + "m" + (seconds % 60 == 0 ? "" : seconds % 60 + "s");
    return seconds / 3600 + "h" + (seconds % 3600 / 60 == 0 ? "" : seconds % 3600 / 60 + "m");
  }
}
