package dev.tributary.bench;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Capture end to end over real HTTP on loopback, fsync {@code always}, against the spool and
 * against the SQLite baseline in the same run: fixed rates of single-event requests, then the
 * highest sustained rate of 100-event requests. Each load gets a fresh server over a fresh log
 * in a scratch directory, deleted afterwards. Server and load generator share this JVM (and,
 * on a small machine, its cores).
 */
public final class CaptureBenchmark {

  /**
   * What to run.
   *
   * @param singleEventRates request rates for the single-event loads
   * @param duration measured time of each fixed-rate load (after {@code warmup})
   * @param batchEvents events per request in the rate search
   * @param stepDuration measured time of each rate-search step (after {@code stepWarmup})
   * @param jitWarmup before anything is measured, each log gets this long of single-event and of
   *     batch load, unrecorded, so that no log is measured while the JVM still compiles the
   *     code paths (zero skips it)
   */
  public record Settings(List<Double> singleEventRates, Duration duration, Duration warmup, int eventBytes,
                         int batchEvents, RateSearch search, Duration stepDuration, Duration stepWarmup,
                         int connections, int maxInFlight, Duration jitWarmup) {

    /**
     * 500, 4,000 and 20,000 req/s of one 1 KiB event, 20 s after 5 s warmup; 100-event search in
     * 10 s steps after 3 s; 5 s of JIT warmup per log and load shape first.
     */
    public static Settings defaults() {
      return new Settings(List.of(500.0, 4_000.0, 20_000.0), Duration.ofSeconds(20), Duration.ofSeconds(5), 1024,
          100, RateSearch.defaults(), Duration.ofSeconds(10), Duration.ofSeconds(3), 64, 4096, Duration.ofSeconds(5));
    }

    LoadOptions load(int port, double rate) {
      return LoadOptions.defaults(URI.create("http://127.0.0.1:" + port + "/v1/events"))
          .withRate(rate).withDuration(duration).withWarmup(warmup).withEventBytes(eventBytes)
          .withConnections(connections).withMaxInFlight(maxInFlight);
    }

    LoadOptions batchLoad(int port) {
      return load(port, search.startRate()).withEventsPerRequest(batchEvents)
          .withDuration(stepDuration).withWarmup(stepWarmup).withMaxInFlight(Math.max(1, maxInFlight / 16));
    }
  }

  /** Per backend label: the fixed-rate results in order, and the rate search. */
  public record Report(Settings settings, Map<String, List<LoadResult>> fixed, Map<String, RateSearch.Outcome> searches) {

    /** The side-by-side table. */
    public String toTable() {
      StringBuilder out = new StringBuilder();
      out.append(String.format("Capture over HTTP/1.1 on loopback, fsync always, %d B events; latency in ms from when each%n"
          + "request was due to its answer; lag = from due to handed to the HTTP client (the generator's own delay)%n%n",
          settings.eventBytes()));
      out.append(String.format("%-24s %-7s %12s %9s %9s %9s %9s %9s %9s  %s%n",
          "load", "log", "achieved/s", "p50", "p90", "p99", "p99.9", "max", "lag p99", "errors"));
      for (int i = 0; i < settings.singleEventRates().size(); i++) {
        String load = String.format("%,.0f req/s x 1 event", settings.singleEventRates().get(i));
        for (var entry : fixed.entrySet()) {
          LoadResult r = entry.getValue().get(i);
          out.append(String.format("%-24s %-7s %,12.0f %9s %9s %9s %9s %9s %9s  %s%n", load, entry.getKey(),
              r.achievedRequestsPerSecond(), LoadResult.f(r.latency().p50()), LoadResult.f(r.latency().p90()),
              LoadResult.f(r.latency().p99()), LoadResult.f(r.latency().p999()), LoadResult.f(r.latency().max()),
              LoadResult.f(r.sendLag().p99()), r.describeErrors()));
          load = "";
        }
      }
      out.append(String.format("%nHighest sustained rate of %d-event requests (>= %.0f%% of target, no errors, p99 <= %s ms):%n",
          settings.batchEvents(), settings.search().minAchievedRatio() * 100, LoadResult.f(settings.search().p99LimitMillis())));
      for (var entry : searches.entrySet()) {
        out.append(String.format("  %-7s %s%n", entry.getKey(), entry.getValue().best()
            .map(b -> String.format("%,.0f req/s = %,.0f events/s = %,.1f MB/s (p50 %s, p99 %s ms)",
                b.achievedRequestsPerSecond(), b.eventsPerSecond(), b.megabytesPerSecond(),
                LoadResult.f(b.latency().p50()), LoadResult.f(b.latency().p99())))
            .orElse("none: the first step already failed")));
      }
      ratio().ifPresent(r -> out.append(String.format("  spool / sqlite events/s: %.1fx%n", r)));
      for (var entry : searches.entrySet()) {
        out.append(String.format("%nRate search steps, %s:%n%s%n", entry.getKey(), entry.getValue().toTable()));
      }
      return out.toString();
    }

    private Optional<Double> ratio() {
      var spool = searches.get(CaptureBackend.SPOOL.label);
      var sqlite = searches.get(CaptureBackend.SQLITE.label);
      if (spool == null || sqlite == null || spool.best().isEmpty() || sqlite.best().isEmpty()) return Optional.empty();
      return Optional.of(spool.best().get().eventsPerSecond() / sqlite.best().get().eventsPerSecond());
    }
  }

  private final Settings settings;
  private final CaptureLauncher launcher;

  public CaptureBenchmark(Settings settings, CaptureLauncher launcher) {
    this.settings = settings;
    this.launcher = launcher;
  }

  /** Runs every load against every backend; prints each result to {@code System.out} as it comes. */
  public Report run() throws Exception {
    Map<String, List<LoadResult>> fixed = new LinkedHashMap<>();
    Map<String, RateSearch.Outcome> searches = new LinkedHashMap<>();
    try (CaptureLoadGenerator generator = new CaptureLoadGenerator()) {
      warmUpJit(generator);
      for (double rate : settings.singleEventRates()) {
        for (CaptureBackend backend : CaptureBackend.values()) {
          LoadResult r = runOnFreshServer(backend, generator, port -> settings.load(port, rate));
          fixed.computeIfAbsent(backend.label, k -> new ArrayList<>()).add(r);
        }
      }
      for (CaptureBackend backend : CaptureBackend.values()) {
        searches.put(backend.label, settings.search().find(settings.batchLoad(0), step -> {
          try {
            return runOnFreshServer(backend, generator, port -> step.withTarget(settings.batchLoad(port).target()));
          } catch (Exception e) {
            throw new IllegalStateException("rate search step failed: " + e.getMessage(), e);
          }
        }));
      }
    }
    return new Report(settings, fixed, searches);
  }

  private void warmUpJit(CaptureLoadGenerator generator) throws Exception {
    if (settings.jitWarmup().isZero()) return;
    System.out.printf("JIT warmup: %d s of single-event and %d s of %d-event load per log, not recorded%n",
        settings.jitWarmup().toSeconds(), settings.jitWarmup().toSeconds(), settings.batchEvents());
    for (CaptureBackend backend : CaptureBackend.values()) {
      try (ScratchDirectory dir = ScratchDirectory.create("capture-bench-warmup-");
           CaptureBackend.OpenLog log = backend.open(dir.path());
           CaptureLauncher.Running server = launcher.start(log.log())) {
        generator.run(settings.load(server.port(), 1_000).withWarmup(Duration.ZERO).withDuration(settings.jitWarmup()));
        generator.run(settings.batchLoad(server.port()).withRate(50).withWarmup(Duration.ZERO)
            .withDuration(settings.jitWarmup()));
      }
    }
  }

  private interface LoadForPort {
    LoadOptions at(int port);
  }

  private LoadResult runOnFreshServer(CaptureBackend backend, CaptureLoadGenerator generator, LoadForPort load)
      throws Exception {
    try (ScratchDirectory dir = ScratchDirectory.create("capture-bench-" + backend.label + "-");
         CaptureBackend.OpenLog log = backend.open(dir.path());
         CaptureLauncher.Running server = launcher.start(log.log())) {
      LoadResult result = generator.run(load.at(server.port()));
      System.out.printf("%n[%s]%n%s%n", backend.label, result.toTable());
      return result;
    }
  }

  /**
   * Runs the comparison against the real capture server and prints the table. Options (all
   * optional): {@code --rates 500,4000,20000 --duration 20 --warmup 5 --step-duration 10
   * --step-warmup 3 --jit-warmup 5 --start-rate 100 --p99-limit-ms 1000} (durations in seconds).
   */
  public static void main(String[] args) throws Exception {
    Settings s = parse(args, Settings.defaults());
    Report report = new CaptureBenchmark(s, CaptureLauncher.captureServer()).run();
    System.out.println();
    System.out.println(report.toTable());
  }

  static Settings parse(String[] args, Settings d) {
    if (args.length % 2 != 0) throw new IllegalArgumentException(usage("every option takes a value"));
    List<Double> rates = d.singleEventRates();
    Duration duration = d.duration(), warmup = d.warmup(), stepDuration = d.stepDuration(), stepWarmup = d.stepWarmup();
    Duration jitWarmup = d.jitWarmup();
    RateSearch search = d.search();
    for (int i = 0; i < args.length; i += 2) {
      String value = args[i + 1];
      try {
        switch (args[i]) {
          case "--rates" -> rates = Arrays.stream(value.split(",")).map(String::trim).map(Double::valueOf).toList();
          case "--duration" -> duration = Duration.ofSeconds(Long.parseLong(value));
          case "--warmup" -> warmup = Duration.ofSeconds(Long.parseLong(value));
          case "--step-duration" -> stepDuration = Duration.ofSeconds(Long.parseLong(value));
          case "--step-warmup" -> stepWarmup = Duration.ofSeconds(Long.parseLong(value));
          case "--jit-warmup" -> jitWarmup = Duration.ofSeconds(Long.parseLong(value));
          case "--start-rate" -> search = search.withStartRate(Double.parseDouble(value));
          case "--p99-limit-ms" -> search = search.withP99LimitMillis(Double.parseDouble(value));
          default -> throw new IllegalArgumentException(usage("unknown option " + args[i]));
        }
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(usage("option " + args[i] + " needs a number, got '" + value + "'"));
      }
    }
    return new Settings(rates, duration, warmup, d.eventBytes(), d.batchEvents(), search, stepDuration, stepWarmup,
        d.connections(), d.maxInFlight(), jitWarmup);
  }

  private static String usage(String problem) {
    return problem + "; options: --rates 500,4000,20000 --duration 20 --warmup 5 --step-duration 10 --step-warmup 3"
        + " --jit-warmup 5"
        + " --start-rate 100 --p99-limit-ms 1000 (durations in seconds)";
  }
}
