package dev.tributary.bench;

import dev.tributary.broker.KafkaBroker;
import dev.tributary.capture.DurableLog;
import dev.tributary.kafka.ForwarderConfig;
import dev.tributary.kafka.SpoolForwarder;
import dev.tributary.spool.FsyncPolicy;
import dev.tributary.spool.Spool;
import dev.tributary.spool.SpoolConfig;
import dev.tributary.spool.SpoolUsage;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;

/**
 * Capture in front of Kafka, on a real single-node broker the testkit starts as a child JVM:
 * acknowledgement latency of capture over the spool with a {@link SpoolForwarder} running, with
 * Kafka up and with Kafka killed (SIGKILL), beside the usual design that answers only after
 * Kafka's acknowledgement ({@link KafkaAckedDurableLog}); then an outage under load and the
 * forwarder's drain rate once the broker is back. Every load gets a fresh spool (fsync
 * {@code always}) and a fresh server; everything lives in one scratch directory, deleted afterwards.
 */
public final class KafkaCaptureBenchmark {

  private static final long SPOOL_MAX_BYTES = 32L << 30;
  private static final String FORWARDED_TOPIC = ForwarderConfig.DEFAULT_TOPIC;
  private static final String BASELINE_TOPIC = "kafka-acked";

  /**
   * @param rates single-event request rates for the latency loads
   * @param outage how long capture runs at {@code outageRate} with the broker killed before it restarts
   * @param drainLoadRate single-event req/s kept up while the backlog drains (0: none)
   * @param drainLoad how long that load runs from the restart on
   */
  record Settings(List<Double> rates, Duration duration, Duration warmup, Duration jitWarmup, Duration outage,
                  double outageRate, double drainLoadRate, Duration drainLoad, Duration drainTimeout) {
    /**
     * The forwarder counts as caught up once at most this many records behind the spool: half a
     * second of the load kept up during the drain (what a 20 ms linger and the confirmations in
     * flight leave behind at any moment), none without one.
     */
    long caughtUpRecords() {
      return (long) (drainLoadRate / 2);
    }

    static Settings defaults() {
      return new Settings(List.of(500.0, 4_000.0), Duration.ofSeconds(15), Duration.ofSeconds(5), Duration.ofSeconds(5),
          Duration.ofMinutes(5), 4_000, 4_000, Duration.ofSeconds(60), Duration.ofMinutes(10));
    }

    LoadOptions load(int port, double rate, Duration duration, Duration warmup) {
      return LoadOptions.defaults(URI.create("http://127.0.0.1:" + port + "/v1/events")).withRate(rate)
          .withDuration(duration).withWarmup(warmup).withEventBytes(1024).withConnections(64).withMaxInFlight(4096);
    }
  }

  /** One latency load: which setup, at which rate, what it gave, the forwarder's lag after it, the load average around it. */
  record Row(String setup, double rate, LoadResult result, String lagAfter, String loadAverage) {}

  /** The outage: capture while Kafka was down, the backlog it left, and how the forwarder drained it. */
  /**
   * Times in seconds from when the restarted broker was ready: {@code firstForward} when Kafka
   * confirmed the first record, {@code caughtUp} when the forwarder was at most
   * {@link Settings#caughtUpRecords()} records behind; {@code forwarded…} counts confirmed records at those
   * points and at {@code loadEnd}, when the load kept up during the drain ended (NaN without one).
   */
  record Drain(LoadResult duringOutage, SpoolUsage.CursorLag backlog, double restartSeconds, double firstForward,
               double caughtUp, long forwarded, double loadEnd, long forwardedAtLoadEnd, double bytesPerRecord,
               LoadResult duringDrain, String loadAverage) {
    double recordsPerSecond() {
      return forwarded / (caughtUp - firstForward);
    }
  }

  record Result(List<Row> rows, Drain drain) {}

  private interface Setup {
    OpenLog open(Path dir) throws Exception;
  }

  private record OpenLog(DurableLog log, SpoolForwarder forwarder, AutoCloseable... resources) implements AutoCloseable {
    String lag() {
      return forwarder == null ? "-" : String.format("%,d", forwarder.lag().records());
    }

    @Override
    public void close() throws Exception {
      for (AutoCloseable r : resources) r.close();
    }
  }

  private final Settings settings;
  private final CaptureLauncher launcher = CaptureLauncher.captureServer();
  private final List<Row> rows = new ArrayList<>();

  KafkaCaptureBenchmark(Settings settings) {
    this.settings = settings;
  }

  /** Runs everything on one broker, printing each result as it comes; returns the latency rows and the drain. */
  Result run() throws Exception {
    try (ScratchDirectory root = ScratchDirectory.create("kafka-bench-");
         CaptureLoadGenerator generator = new CaptureLoadGenerator();
         CaptureLoadGenerator drainGenerator = new CaptureLoadGenerator()) {
      System.out.printf("starting a Kafka broker (load average %s)%n", LoadAverage.now());
      KafkaBroker broker = KafkaBroker.start(root.resolve("broker"));
      try {
        createTopics(broker.bootstrapServers());
        Setup forwarded = dir -> spoolWithForwarder(dir, broker.bootstrapServers(), new SimpleMeterRegistry());
        Setup kafkaAcked = kafkaAcked(broker.bootstrapServers(), Map.of());
        Setup kafkaAckedNoLinger = kafkaAcked(broker.bootstrapServers(), Map.of("linger.ms", "0"));
        warmUpJit(generator, forwarded, kafkaAcked);
        for (double rate : settings.rates()) {
          measure(generator, "spool + forwarder, Kafka up", rate, forwarded);
          measure(generator, "acked by Kafka, linger default", rate, kafkaAcked);
          measure(generator, "acked by Kafka, linger 0", rate, kafkaAckedNoLinger);
        }
        System.out.println("killing the broker (SIGKILL)");
        broker.kill();
        for (double rate : settings.rates()) measure(generator, "spool + forwarder, Kafka down", rate, forwarded);
        return new Result(List.copyOf(rows), outageAndDrain(generator, drainGenerator, broker));
      } finally {
        broker.kill();
      }
    }
  }

  private static OpenLog spoolWithForwarder(Path dir, String bootstrap, MeterRegistry registry) throws IOException {
    Spool spool = Spool.open(SpoolConfig.defaults(Files.createDirectories(dir.resolve("spool")))
        .withFsync(FsyncPolicy.ALWAYS).withMaxBytes(SPOOL_MAX_BYTES));
    try {
      SpoolForwarder forwarder = SpoolForwarder.start(spool,
          ForwarderConfig.defaults(bootstrap, dir.resolve("dead-letters")).withNodeId("bench"), registry);
      return new OpenLog(DurableLog.of(spool), forwarder, forwarder, spool);
    } catch (IOException | RuntimeException e) {
      spool.close();
      throw e;
    }
  }

  private static Setup kafkaAcked(String bootstrap, Map<String, String> producerProperties) {
    return dir -> {
      KafkaAckedDurableLog log = KafkaAckedDurableLog.open(bootstrap, BASELINE_TOPIC, producerProperties);
      return new OpenLog(log, null, log);
    };
  }

  private static void createTopics(String bootstrap) throws ExecutionException, InterruptedException {
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
      admin.createTopics(List.of(new NewTopic(FORWARDED_TOPIC, 1, (short) 1), new NewTopic(BASELINE_TOPIC, 1, (short) 1)))
          .all().get();
    }
  }

  private void warmUpJit(CaptureLoadGenerator generator, Setup... setups) throws Exception {
    if (settings.jitWarmup().isZero()) return;
    System.out.printf("JIT warmup: %d s at 1,000 req/s per setup, not recorded%n", settings.jitWarmup().toSeconds());
    for (Setup setup : setups) {
      try (ScratchDirectory dir = ScratchDirectory.create("kafka-bench-warmup-");
           OpenLog log = setup.open(dir.path());
           CaptureLauncher.Running server = launcher.start(log.log())) {
        generator.run(settings.load(server.port(), 1_000, settings.jitWarmup(), Duration.ZERO));
      }
    }
  }

  private void measure(CaptureLoadGenerator generator, String setupName, double rate, Setup setup) throws Exception {
    String before = LoadAverage.now();
    try (ScratchDirectory dir = ScratchDirectory.create("kafka-bench-load-");
         OpenLog log = setup.open(dir.path());
         CaptureLauncher.Running server = launcher.start(log.log())) {
      LoadResult r = generator.run(settings.load(server.port(), rate, settings.duration(), settings.warmup()));
      Row row = new Row(setupName, rate, r, log.lag(), before + " -> " + LoadAverage.now());
      rows.add(row);
      System.out.printf("%n[%s, %,.0f req/s] forwarder lag after: %s records; load average %s%n%s%n",
          setupName, rate, row.lagAfter(), row.loadAverage(), r.toTable());
    }
  }

  private Drain outageAndDrain(CaptureLoadGenerator generator, CaptureLoadGenerator drainGenerator, KafkaBroker broker)
      throws Exception {
    String before = LoadAverage.now();
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    try (ScratchDirectory dir = ScratchDirectory.create("kafka-bench-outage-");
         OpenLog log = spoolWithForwarder(dir.path(), broker.bootstrapServers(), registry);
         CaptureLauncher.Running server = launcher.start(log.log())) {
      System.out.printf("%noutage: %,.0f req/s for %d s with the broker down%n", settings.outageRate(), settings.outage().toSeconds());
      LoadResult outage = generator.run(settings.load(server.port(), settings.outageRate(), settings.outage(), Duration.ZERO));
      SpoolUsage.CursorLag backlog = log.forwarder().lag();
      System.out.printf("%s%nbacklog: %,d records, %,d bytes; restarting the broker%n", outage.toTable(), backlog.records(), backlog.bytes());
      long restartAt = System.nanoTime();
      double[] loadEnd = {Double.NaN, 0};
      CompletableFuture<LoadResult> drainLoad = settings.drainLoadRate() <= 0 ? CompletableFuture.completedFuture(null)
          : CompletableFuture.supplyAsync(() -> {
            LoadResult r = runQuietly(drainGenerator,
                settings.load(server.port(), settings.drainLoadRate(), settings.drainLoad(), Duration.ZERO));
            loadEnd[1] = sent(registry);
            loadEnd[0] = System.nanoTime();
            return r;
          });
      broker.restart();
      long readyAt = System.nanoTime();
      System.out.printf("broker ready after %.1f s%n", (readyAt - restartAt) / 1e9);
      double sentAtReady = sent(registry);
      long deadline = readyAt + settings.drainTimeout().toNanos();
      long firstForwardAt = 0;
      long nextPrint = readyAt;
      long lag;
      while ((lag = log.forwarder().lag().records()) > settings.caughtUpRecords() && System.nanoTime() < deadline) {
        Thread.sleep(100);
        long now = System.nanoTime();
        double forwarded = sent(registry) - sentAtReady;
        if (firstForwardAt == 0 && forwarded > 0) firstForwardAt = now;
        if (now >= nextPrint) {
          System.out.printf("  +%5.1f s  lag %,9d records  forwarded %,9.0f%n", (now - readyAt) / 1e9, lag, forwarded);
          nextPrint = now + 5_000_000_000L;
        }
      }
      long caughtUpAt = System.nanoTime();
      if (firstForwardAt == 0) firstForwardAt = caughtUpAt;
      long forwarded = (long) (sent(registry) - sentAtReady);
      if (lag > settings.caughtUpRecords()) System.out.printf("drain did not catch up within %d s%n", settings.drainTimeout().toSeconds());
      LoadResult duringDrain = drainLoad.get();
      return new Drain(outage, backlog, (readyAt - restartAt) / 1e9, (firstForwardAt - readyAt) / 1e9,
          (caughtUpAt - readyAt) / 1e9, forwarded, (loadEnd[0] - readyAt) / 1e9, (long) (loadEnd[1] - sentAtReady),
          (double) backlog.bytes() / Math.max(1, backlog.records()), duringDrain, before + " -> " + LoadAverage.now());
    }
  }

  private static LoadResult runQuietly(CaptureLoadGenerator generator, LoadOptions options) {
    try {
      return generator.run(options);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  private static double sent(MeterRegistry registry) {
    return registry.get("tributary.forwarder.sent").counter().count();
  }


  String table(Drain d) {
    StringBuilder out = new StringBuilder();
    out.append(String.format("Capture in front of Kafka, fsync always, 1 KiB single-event requests, %d s after %d s warmup;%n"
        + "latency in ms from when each request was due to its answer%n%n", settings.duration().toSeconds(), settings.warmup().toSeconds()));
    out.append(String.format("%-32s %8s %10s %8s %8s %8s %8s %8s %8s %10s  %-12s %s%n", "setup", "req/s", "achieved", "p50", "p90",
        "p99", "p99.9", "max", "lag p99", "fwd lag", "errors", "load average"));
    for (Row r : rows) {
      LoadResult x = r.result();
      out.append(String.format("%-32s %,8.0f %,10.0f %8s %8s %8s %8s %8s %8s %10s  %-12s %s%n", r.setup(), r.rate(),
          x.achievedRequestsPerSecond(), LoadResult.f(x.latency().p50()), LoadResult.f(x.latency().p90()),
          LoadResult.f(x.latency().p99()), LoadResult.f(x.latency().p999()), LoadResult.f(x.latency().max()),
          LoadResult.f(x.sendLag().p99()), r.lagAfter(), x.describeErrors(), r.loadAverage()));
    }
    double mb = d.recordsPerSecond() * d.bytesPerRecord() / 1e6;
    out.append(String.format("%nOutage: %,.0f req/s for %d s with the broker killed; load average %s%n", settings.outageRate(),
        settings.outage().toSeconds(), d.loadAverage()));
    out.append("  capture during the outage:\n    ").append(d.duringOutage().toTable().replace("\n", "\n    ")).append('\n');
    out.append(String.format("  backlog: %,d records, %,d bytes (%.0f bytes per spool record)%n", d.backlog().records(),
        d.backlog().bytes(), d.bytesPerRecord()));
    out.append(String.format("  broker restart to ready: %.1f s%n", d.restartSeconds()));
    out.append(String.format("  first record confirmed %.1f s after the broker was ready; at most %,d records behind %.1f s after ready%n",
        d.firstForward(), settings.caughtUpRecords(), d.caughtUp()));
    out.append(String.format("  forwarded from ready to caught up: %,d records (the backlog plus what capture took meanwhile)%n", d.forwarded()));
    out.append(String.format("  drain rate (first confirmation to caught up): %,.0f records/s = %,.1f MB/s = %.1fx the outage ingest of %,.0f events/s%n",
        d.recordsPerSecond(), mb, d.recordsPerSecond() / settings.outageRate(), settings.outageRate()));
    if (!Double.isNaN(d.loadEnd()) && d.loadEnd() < d.caughtUp() && d.loadEnd() > d.firstForward()) {
      double withLoad = d.forwardedAtLoadEnd() / (d.loadEnd() - d.firstForward());
      double alone = (d.forwarded() - d.forwardedAtLoadEnd()) / (d.caughtUp() - d.loadEnd());
      out.append(String.format("    while capture took %,.0f req/s (to +%.1f s): %,.0f records/s; afterwards, draining alone: %,.0f records/s%n",
          settings.drainLoadRate(), d.loadEnd(), withLoad, alone));
    }
    if (d.duringDrain() != null) {
      out.append(String.format("  capture during restart and drain (%,.0f req/s for %d s from the restart on):%n    ",
          settings.drainLoadRate(), settings.drainLoad().toSeconds()));
      out.append(d.duringDrain().toTable().replace("\n", "\n    ")).append('\n');
    }
    return out.toString();
  }

  /**
   * Options (all optional, durations in seconds): {@code --rates 500,4000 --duration 15 --warmup 5
   * --jit-warmup 5 --outage 300 --outage-rate 4000 --drain-load-rate 4000 --drain-load 60 --drain-timeout 600}.
   */
  public static void main(String[] args) throws Exception {
    KafkaCaptureBenchmark benchmark = new KafkaCaptureBenchmark(parse(args, Settings.defaults()));
    Result result = benchmark.run();
    System.out.println();
    System.out.println(benchmark.table(result.drain()));
    System.exit(0);
  }

  static Settings parse(String[] args, Settings d) {
    if (args.length % 2 != 0) throw new IllegalArgumentException("every option takes a value");
    List<Double> rates = d.rates();
    Duration duration = d.duration(), warmup = d.warmup(), jit = d.jitWarmup(), outage = d.outage();
    Duration drainLoad = d.drainLoad(), drainTimeout = d.drainTimeout();
    double outageRate = d.outageRate(), drainLoadRate = d.drainLoadRate();
    for (int i = 0; i < args.length; i += 2) {
      String v = args[i + 1];
      switch (args[i]) {
        case "--rates" -> rates = Arrays.stream(v.split(",")).map(String::trim).map(Double::valueOf).toList();
        case "--duration" -> duration = Duration.ofSeconds(Long.parseLong(v));
        case "--warmup" -> warmup = Duration.ofSeconds(Long.parseLong(v));
        case "--jit-warmup" -> jit = Duration.ofSeconds(Long.parseLong(v));
        case "--outage" -> outage = Duration.ofSeconds(Long.parseLong(v));
        case "--outage-rate" -> outageRate = Double.parseDouble(v);
        case "--drain-load-rate" -> drainLoadRate = Double.parseDouble(v);
        case "--drain-load" -> drainLoad = Duration.ofSeconds(Long.parseLong(v));
        case "--drain-timeout" -> drainTimeout = Duration.ofSeconds(Long.parseLong(v));
        default -> throw new IllegalArgumentException("unknown option " + args[i] + "; options: --rates 500,4000 --duration 15"
            + " --warmup 5 --jit-warmup 5 --outage 300 --outage-rate 4000 --drain-load-rate 4000 --drain-load 60 --drain-timeout 600");
      }
    }
    return new Settings(rates, duration, warmup, jit, outage, outageRate, drainLoadRate, drainLoad, drainTimeout);
  }
}
