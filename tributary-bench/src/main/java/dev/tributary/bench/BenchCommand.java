package dev.tributary.bench;

import dev.tributary.broker.BrokerJars;
import dev.tributary.broker.KafkaBroker;
import dev.tributary.spool.ProgressLine;
import java.io.PrintWriter;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code tributary bench}: load generators, run from the bench jar ({@code ./tributary bench} in a
 * checkout) so that the production jar carries no benchmark code; the JMH benchmarks run from
 * scripts/bench-spool.
 */
@Command(name = "tributary bench", mixinStandardHelpOptions = true,
    description = "Measure Tributary: open-loop load with HdrHistogram latency (coordinated omission corrected).",
    subcommands = {BenchCommand.Capture.class, BenchCommand.Broker.class})
public final class BenchCommand implements Runnable {
  private static final int OK = 0;
  private static final int FAILURE = 1;

  @Spec CommandSpec spec;

  public static void main(String[] args) {
    System.exit(new CommandLine(new BenchCommand()).execute(args));
  }

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  @Command(name = "broker", mixinStandardHelpOptions = true,
      description = {"A single-node Kafka broker (a child JVM) on a given port until this process is stopped:",
          "for benchmarks that start a server against a Kafka that is down and bring it up later (scripts/bench-vs-chukcha --only outage).",
          "Prints 'broker ready on HOST:PORT' when it takes clients."})
  static final class Broker implements Callable<Integer> {
    @Option(names = "--port", required = true, description = "port for clients") int port;
    @Option(names = "--dir", required = true, description = "the broker's storage directory") java.nio.file.Path dir;

    @Override
    public Integer call() throws InterruptedException {
      KafkaBroker broker = KafkaBroker.startOrResume(dir, port, BrokerJars.central());
      Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().unstarted(broker::close));
      System.out.println("broker ready on " + broker.bootstrapServers());
      Thread.currentThread().join();
      return OK;
    }
  }

  @Command(name = "capture", mixinStandardHelpOptions = true, sortOptions = false,
      description = {"Open-loop load against a capture server, latency measured from when each request was due.",
          "Requests are scheduled at fixed times, so a stall is charged to every request it delayed.",
          "With --compare, starts capture over the spool and over a SQLite spool (WAL, synchronous=FULL) in this",
          "process and runs the same loads against both: 500, 4,000, 20,000 single-event req/s, then the highest",
          "sustained rate of 100-event requests.",
          "A load prints a progress line on stderr every 2 s (requests due of all, req/s, ETA, answers, errors and the recent P99) "
              + "and a last one; stdout keeps only the result table."})
  static final class Capture implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(names = "--url", defaultValue = "http://127.0.0.1:8080/v1/events", description = "target (default: ${DEFAULT-VALUE})")
    URI url;
    @Option(names = "--rate", defaultValue = "1000", description = "requests per second (default: ${DEFAULT-VALUE})")
    double rate;
    @Option(names = "--duration", defaultValue = "20", description = "measured seconds (default: ${DEFAULT-VALUE})")
    long durationSeconds;
    @Option(names = "--warmup", defaultValue = "5", description = "unmeasured seconds first (default: ${DEFAULT-VALUE})")
    long warmupSeconds;
    @Option(names = "--event-bytes", defaultValue = "1024", description = "size of each event's JSON (default: ${DEFAULT-VALUE})")
    int eventBytes;
    @Option(names = "--events-per-request", defaultValue = "1", description = "(default: ${DEFAULT-VALUE})")
    int eventsPerRequest;
    @Option(names = "--connections", defaultValue = "32", description = "(default: ${DEFAULT-VALUE})")
    int connections;
    @Option(names = "--max-in-flight", defaultValue = "1024", description = "requests past it wait, and are timed from when they were due (default: ${DEFAULT-VALUE})")
    int maxInFlight;
    @Option(names = "--token", description = "bearer token")
    String token;
    @Option(names = "--find-max", description = "step the rate up until less than 95%% is achieved or P99 passes 1 s; report the highest sustained")
    boolean findMax;
    @Option(names = "--compare", description = "run the spool-vs-SQLite comparison in this process instead of loading --url")
    boolean compare;
    @Option(names = "--rates", split = ",", description = "with --compare: single-event rates (default 500,4000,20000)")
    List<Double> rates = new ArrayList<>();
    /** Hidden: lets tests see progress lines without running for seconds. */
    @Option(names = "--progress-interval-ms", hidden = true) Long progressIntervalMillis;

    @Override
    public Integer call() throws Exception {
      PrintWriter out = spec.commandLine().getOut();
      if (compare) {
        out.println(new CaptureBenchmark(settings(), CaptureLauncher.captureServer()).run().toTable());
        return OK;
      }
      LoadOptions options = LoadOptions.defaults(url).withRate(rate).withDuration(Duration.ofSeconds(durationSeconds))
          .withWarmup(Duration.ofSeconds(warmupSeconds)).withEventBytes(eventBytes).withEventsPerRequest(eventsPerRequest)
          .withConnections(connections).withMaxInFlight(maxInFlight).withBearerToken(token);
      Duration interval = progressIntervalMillis == null ? ProgressLine.INTERVAL : Duration.ofMillis(progressIntervalMillis);
      try (CaptureLoadGenerator generator = new CaptureLoadGenerator(spec.commandLine().getErr(), interval)) {
        if (findMax) {
          RateSearch.Outcome outcome = generator.findMaxSustainedRate(options, RateSearch.defaults().withStartRate(rate));
          out.println(outcome.toTable());
          return outcome.best().isPresent() ? OK : FAILURE;
        }
        LoadResult result = generator.run(options);
        out.println(result.toTable());
        return result.errorCount() == 0 ? OK : FAILURE;
      }
    }

    private CaptureBenchmark.Settings settings() {
      CaptureBenchmark.Settings d = CaptureBenchmark.Settings.defaults();
      return new CaptureBenchmark.Settings(rates.isEmpty() ? d.singleEventRates() : rates, Duration.ofSeconds(durationSeconds),
          Duration.ofSeconds(warmupSeconds), eventBytes, d.batchEvents(), d.search(), d.stepDuration(), d.stepWarmup(),
          d.connections(), d.maxInFlight(), d.jitWarmup());
    }
  }
}
