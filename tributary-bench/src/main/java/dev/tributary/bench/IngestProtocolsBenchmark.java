package dev.tributary.bench;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the Segment and PostHog mappings cost: the same 50-event batches of 1 KiB events sent to
 * {@code /v1/events} (NDJSON), Segment's {@code /v1/batch} and PostHog's {@code /batch/}, each
 * against a fresh real capture server over a fresh spool (fsync {@code always}). First fixed
 * rates, the three endpoints taking turns at each rate so that a busy machine weighs on all
 * alike; then the highest sustained rate of each, found as in {@link CaptureBenchmark}.
 */
public final class IngestProtocolsBenchmark {

  /** The endpoints compared, by label. */
  static final Map<String, String> PATHS = new LinkedHashMap<>();

  static {
    PATHS.put("/v1/events", "/v1/events");
    PATHS.put("segment /v1/batch", "/v1/batch");
    PATHS.put("posthog /batch/", "/batch/");
  }

  /**
   * What to run.
   *
   * @param rates request rates of the fixed-rate loads, each run on every endpoint in turn
   * @param search the rate search per endpoint; null skips it
   */
  public record Settings(int batchEvents, int eventBytes, List<Double> rates, Duration duration, Duration warmup,
                         RateSearch search, Duration stepDuration, Duration stepWarmup, Duration jitWarmup) {

    /** 50-event batches of 1 KiB; 100, 200 and 400 req/s for 10 s after 3 s; a search in 8 s steps; 5 s JIT warmup per endpoint. */
    public static Settings defaults() {
      return new Settings(50, 1024, List.of(100.0, 200.0, 400.0), Duration.ofSeconds(10), Duration.ofSeconds(3),
          RateSearch.defaults().withStartRate(100), Duration.ofSeconds(8), Duration.ofSeconds(2), Duration.ofSeconds(5));
    }

    LoadOptions load(int port, String path, double rate) {
      return LoadOptions.defaults(URI.create("http://127.0.0.1:" + port + path)).withRate(rate).withEventBytes(eventBytes)
          .withEventsPerRequest(batchEvents).withDuration(duration).withWarmup(warmup).withConnections(64).withMaxInFlight(256);
    }
  }

  private final Settings settings;

  public IngestProtocolsBenchmark(Settings settings) {
    this.settings = settings;
  }

  /** Runs everything and returns the side-by-side table; each result is printed as it comes. */
  public String run() throws Exception {
    Map<String, List<LoadResult>> fixed = new LinkedHashMap<>();
    Map<String, RateSearch.Outcome> searches = new LinkedHashMap<>();
    try (CaptureLoadGenerator generator = new CaptureLoadGenerator()) {
      for (Map.Entry<String, String> endpoint : PATHS.entrySet()) {
        if (!settings.jitWarmup().isZero()) {
          runOnFreshServer(endpoint.getKey(), generator, port -> settings.load(port, endpoint.getValue(), 100)
              .withWarmup(Duration.ZERO).withDuration(settings.jitWarmup()));
        }
      }
      for (double rate : settings.rates()) {
        for (Map.Entry<String, String> endpoint : PATHS.entrySet()) {
          fixed.computeIfAbsent(endpoint.getKey(), k -> new ArrayList<>())
              .add(runOnFreshServer(endpoint.getKey(), generator, port -> settings.load(port, endpoint.getValue(), rate)));
        }
      }
      if (settings.search() != null) {
        for (Map.Entry<String, String> endpoint : PATHS.entrySet()) {
          LoadOptions base = settings.load(0, endpoint.getValue(), settings.search().startRate())
              .withDuration(settings.stepDuration()).withWarmup(settings.stepWarmup());
          searches.put(endpoint.getKey(), settings.search().find(base, step -> {
            try {
              return runOnFreshServer(endpoint.getKey(), generator,
                  port -> step.withTarget(URI.create("http://127.0.0.1:" + port + endpoint.getValue())));
            } catch (Exception e) {
              throw new IllegalStateException("rate search step failed: " + e.getMessage(), e);
            }
          }));
        }
      }
    }
    return table(fixed, searches);
  }

  private String table(Map<String, List<LoadResult>> fixed, Map<String, RateSearch.Outcome> searches) {
    StringBuilder out = new StringBuilder(String.format("%d-event requests of %d B events, fsync always; latency in ms from due to answer%n%n",
        settings.batchEvents(), settings.eventBytes()));
    out.append(String.format("%-18s %10s %11s %11s %8s %8s %8s  %s%n", "endpoint", "target/s", "achieved/s", "events/s",
        "p50", "p99", "max", "errors"));
    for (int i = 0; i < settings.rates().size(); i++) {
      for (Map.Entry<String, List<LoadResult>> e : fixed.entrySet()) {
        LoadResult r = e.getValue().get(i);
        out.append(String.format("%-18s %,10.0f %,11.0f %,11.0f %8s %8s %8s  %s%n", e.getKey(), r.options().requestsPerSecond(),
            r.achievedRequestsPerSecond(), r.eventsPerSecond(), LoadResult.f(r.latency().p50()), LoadResult.f(r.latency().p99()),
            LoadResult.f(r.latency().max()), r.describeErrors()));
      }
    }
    if (!searches.isEmpty()) {
      out.append(String.format("%nhighest sustained rate (>= 95%% achieved, no errors, P99 <= %.0f ms):%n", settings.search().p99LimitMillis()));
      double baseline = searches.values().iterator().next().best().map(LoadResult::eventsPerSecond).orElse(Double.NaN);
      searches.forEach((label, outcome) -> out.append(outcome.best()
          .map(b -> String.format("%-18s %,8.0f req/s = %,9.0f events/s  (%.0f%% of /v1/events)%n", label,
              b.achievedRequestsPerSecond(), b.eventsPerSecond(), 100 * b.eventsPerSecond() / baseline))
          .orElse(String.format("%-18s none sustained%n", label))));
    }
    return out.toString();
  }

  private interface LoadForPort {
    LoadOptions at(int port);
  }

  private static LoadResult runOnFreshServer(String label, CaptureLoadGenerator generator, LoadForPort load) throws Exception {
    try (ScratchDirectory dir = ScratchDirectory.create("ingest-bench-");
         CaptureBackend.OpenLog log = CaptureBackend.SPOOL.open(dir.path());
         CaptureLauncher.Running server = CaptureLauncher.captureServer().start(log.log())) {
      LoadResult result = generator.run(load.at(server.port()));
      System.out.printf("%n[%s]%n%s%n", label, result.toTable());
      return result;
    }
  }

  /**
   * Options (all optional): {@code --rates 100,200,400 --duration 10 --warmup 3 --step-duration 8
   * --step-warmup 2 --jit-warmup 5 --start-rate 100 --no-search} (durations in seconds).
   */
  public static void main(String[] args) throws Exception {
    Settings d = Settings.defaults();
    List<Double> rates = d.rates();
    Duration duration = d.duration(), warmup = d.warmup(), stepDuration = d.stepDuration(), stepWarmup = d.stepWarmup();
    Duration jitWarmup = d.jitWarmup();
    RateSearch search = d.search();
    for (int i = 0; i < args.length; i++) {
      String option = args[i];
      if (option.equals("--no-search")) {
        search = null;
        continue;
      }
      if (i + 1 == args.length) throw new IllegalArgumentException("option " + option + " needs a value");
      String value = args[++i];
      switch (option) {
        case "--rates" -> rates = java.util.Arrays.stream(value.split(",")).map(String::trim).map(Double::valueOf).toList();
        case "--duration" -> duration = Duration.ofSeconds(Long.parseLong(value));
        case "--warmup" -> warmup = Duration.ofSeconds(Long.parseLong(value));
        case "--step-duration" -> stepDuration = Duration.ofSeconds(Long.parseLong(value));
        case "--step-warmup" -> stepWarmup = Duration.ofSeconds(Long.parseLong(value));
        case "--jit-warmup" -> jitWarmup = Duration.ofSeconds(Long.parseLong(value));
        case "--start-rate" -> search = (search == null ? RateSearch.defaults() : search).withStartRate(Double.parseDouble(value));
        default -> throw new IllegalArgumentException("unknown option " + option + "; options: --rates 100,200,400 --duration 10"
            + " --warmup 3 --step-duration 8 --step-warmup 2 --jit-warmup 5 --start-rate 100 --no-search");
      }
    }
    Settings settings = new Settings(d.batchEvents(), d.eventBytes(), rates, duration, warmup, search, stepDuration, stepWarmup, jitWarmup);
    String table = new IngestProtocolsBenchmark(settings).run();
    System.out.println();
    System.out.println(table);
  }
}
