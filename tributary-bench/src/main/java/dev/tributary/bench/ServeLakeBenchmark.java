package dev.tributary.bench;

import dev.tributary.capture.DurableLog;
import dev.tributary.lake.LakeConfig;
import dev.tributary.lake.LakeFormat;
import dev.tributary.lake.LakeTarget;
import dev.tributary.lake.SpoolLakeSink;
import dev.tributary.spool.FsyncPolicy;
import dev.tributary.spool.Spool;
import dev.tributary.spool.SpoolConfig;
import dev.tributary.testkit.S3Server;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code serve}'s embedded lake on S3 against the directory lake, in one run: capture latency at
 * 4,000 single-event requests/s of 1 KiB over a spool (fsync {@code always}) with a
 * {@link SpoolLakeSink} landing it in a directory (NDJSON.gz), and on S3Proxy (the testkit's,
 * a child JVM on loopback) in NDJSON.gz and in Parquet; then the sink drains what is left and
 * its thread's CPU time is divided by the events it wrote. Every setup gets a fresh spool, lake
 * and server; everything lives in one scratch directory, deleted afterwards.
 */
public final class ServeLakeBenchmark {

  /** Files complete every 10 s, so uploads run during the load rather than only at the drain. */
  private static final Duration ROLL_AGE = Duration.ofSeconds(10);
  private static final String SINK_THREAD = "lake-sink";

  record Settings(double rate, Duration duration, Duration warmup, Duration jitWarmup) {
    static Settings defaults() {
      return new Settings(4_000, Duration.ofSeconds(25), Duration.ofSeconds(5), Duration.ofSeconds(5));
    }

    LoadOptions load(int port, double r, Duration d, Duration w) {
      return LoadOptions.defaults(URI.create("http://127.0.0.1:" + port + "/v1/events")).withRate(r)
          .withDuration(d).withWarmup(w).withEventBytes(1024).withConnections(64).withMaxInFlight(4096);
    }
  }

  /** One setup's load, the events its sink wrote, the sink thread's CPU, the drain time after the load, the load average. */
  record Row(String setup, LoadResult result, double eventsWritten, double sinkCpuSeconds, double drainSeconds,
             String loadAverage) {
    double cpuMicrosPerEvent() {
      return sinkCpuSeconds * 1e6 / Math.max(1, eventsWritten);
    }
  }

  private final Settings settings;
  private final CaptureLauncher launcher = CaptureLauncher.captureServer();
  private final List<Row> rows = new ArrayList<>();

  ServeLakeBenchmark(Settings settings) {
    this.settings = settings;
  }

  List<Row> run() throws Exception {
    try (ScratchDirectory root = ScratchDirectory.create("serve-lake-bench-");
         CaptureLoadGenerator generator = new CaptureLoadGenerator()) {
      System.setProperty("aws.accessKeyId", S3Server.ACCESS_KEY);
      System.setProperty("aws.secretAccessKey", S3Server.SECRET_KEY);
      System.setProperty("aws.region", "us-east-1");
      System.out.printf("starting S3Proxy (load average %s)%n", LoadAverage.now());
      try (S3Server s3 = S3Server.start(root.resolve("s3"))) {
        String[] names = {"directory, ndjson.gz", "S3Proxy, ndjson.gz", "S3Proxy, parquet"};
        s3.createBucket("bench");
        for (boolean measured : new boolean[] {false, true}) {
          for (int i = 0; i < names.length; i++) {
            // a fresh lake for every run: a lake holds the offsets of one spool only
            String where = (measured ? "load-" : "warmup-") + i;
            LakeTarget target = i == 0 ? LakeTarget.directory(root.resolve(where).resolve("lake"))
                : new LakeTarget("s3://bench/" + where, i == 1 ? LakeFormat.NDJSON_GZIP : LakeFormat.PARQUET, s3.endpoint(), true);
            if (measured) measure(generator, root.resolve(where), names[i], target);
            else warmUp(generator, root.resolve(where), target);
          }
        }
      }
    }
    return List.copyOf(rows);
  }

  private void warmUp(CaptureLoadGenerator generator, Path dir, LakeTarget target) throws Exception {
    if (settings.jitWarmup().isZero()) return;
    System.out.printf("JIT warmup: %d s at 1,000 req/s into %s, not recorded%n", settings.jitWarmup().toSeconds(),
        target.describe());
    try (Served served = Served.open(dir, target);
         CaptureLauncher.Running server = launcher.start(served.log())) {
      generator.run(settings.load(server.port(), 1_000, settings.jitWarmup(), Duration.ZERO));
      served.sink().drain(Duration.ofMinutes(2));
    }
  }

  private void measure(CaptureLoadGenerator generator, Path dir, String name, LakeTarget target)
      throws Exception {
    String before = LoadAverage.now();
    try (Served served = Served.open(dir, target);
         CaptureLauncher.Running server = launcher.start(served.log())) {
      long cpuBefore = served.sinkCpuNanos();
      LoadResult r = generator.run(settings.load(server.port(), settings.rate(), settings.duration(), settings.warmup()));
      long drainStart = System.nanoTime();
      if (!served.sink().drain(Duration.ofMinutes(5))) System.out.println("the sink did not drain within 5 minutes");
      double drainSeconds = (System.nanoTime() - drainStart) / 1e9;
      double cpu = (served.sinkCpuNanos() - cpuBefore) / 1e9;
      Row row = new Row(name, r, served.registry().get("tributary.lake.events.written").counter().count(), cpu,
          drainSeconds, before + " -> " + LoadAverage.now());
      rows.add(row);
      System.out.printf("%n[%s] %,.0f events landed, sink CPU %.2f s (%.1f µs/event), drain after the load %.1f s; "
          + "load average %s%n%s%n", name, row.eventsWritten(), cpu, row.cpuMicrosPerEvent(), drainSeconds,
          row.loadAverage(), r.toTable());
    }
  }

  /** A spool with the lake sink on it, as {@code serve} runs them. */
  private record Served(Spool spool, SpoolLakeSink sink, SimpleMeterRegistry registry, long sinkThreadId)
      implements AutoCloseable {
    static Served open(Path dir, LakeTarget target) throws IOException {
      Spool spool = Spool.open(SpoolConfig.defaults(Files.createDirectories(dir.resolve("spool")))
          .withFsync(FsyncPolicy.ALWAYS));
      SimpleMeterRegistry registry = new SimpleMeterRegistry();
      SpoolLakeSink sink = SpoolLakeSink.start(spool, LakeConfig.defaults(target).withUploadDir(dir.resolve("uploads"))
          .withRollAge(ROLL_AGE), registry);
      long id = Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().equals(SINK_THREAD) && t.isAlive())
          .mapToLong(Thread::threadId).max().orElseThrow();
      return new Served(spool, sink, registry, id);
    }

    DurableLog log() {
      return DurableLog.of(spool);
    }

    long sinkCpuNanos() {
      ThreadMXBean threads = ManagementFactory.getThreadMXBean();
      return threads.getThreadCpuTime(sinkThreadId);
    }

    @Override public void close() {
      sink.close();
      spool.close();
    }
  }


  String table() {
    StringBuilder out = new StringBuilder();
    out.append(String.format("serve's lake, spool fsync always, %,.0f single-event requests/s of 1 KiB, %d s after %d s warmup,"
        + " files every %d s;%nlatency in ms from when each request was due to its answer; sink CPU per event landed%n%n",
        settings.rate(), settings.duration().toSeconds(), settings.warmup().toSeconds(), ROLL_AGE.toSeconds()));
    out.append(String.format("%-22s %10s %8s %8s %8s %8s %8s %8s  %-10s %10s %8s  %s%n", "lake", "achieved", "p50", "p90",
        "p99", "p99.9", "max", "lag p99", "errors", "sink µs/ev", "drain s", "load average"));
    for (Row r : rows) {
      LoadResult x = r.result();
      out.append(String.format("%-22s %,10.0f %8s %8s %8s %8s %8s %8s  %-10s %10.1f %8.1f  %s%n", r.setup(),
          x.achievedRequestsPerSecond(), LoadResult.f(x.latency().p50()), LoadResult.f(x.latency().p90()),
          LoadResult.f(x.latency().p99()), LoadResult.f(x.latency().p999()), LoadResult.f(x.latency().max()),
          LoadResult.f(x.sendLag().p99()), x.describeErrors(), r.cpuMicrosPerEvent(), r.drainSeconds(), r.loadAverage()));
    }
    return out.toString();
  }

  /** Options (seconds): {@code --rate 4000 --duration 25 --warmup 5 --jit-warmup 5}. */
  public static void main(String[] args) throws Exception {
    Settings d = Settings.defaults();
    double rate = d.rate();
    Duration duration = d.duration(), warmup = d.warmup(), jit = d.jitWarmup();
    if (args.length % 2 != 0) throw new IllegalArgumentException("every option takes a value");
    for (int i = 0; i < args.length; i += 2) {
      String v = args[i + 1];
      switch (args[i]) {
        case "--rate" -> rate = Double.parseDouble(v);
        case "--duration" -> duration = Duration.ofSeconds(Long.parseLong(v));
        case "--warmup" -> warmup = Duration.ofSeconds(Long.parseLong(v));
        case "--jit-warmup" -> jit = Duration.ofSeconds(Long.parseLong(v));
        default -> throw new IllegalArgumentException("unknown option " + args[i]
            + "; options: --rate 4000 --duration 25 --warmup 5 --jit-warmup 5");
      }
    }
    ServeLakeBenchmark benchmark = new ServeLakeBenchmark(new Settings(rate, duration, warmup, jit));
    benchmark.run();
    System.out.println();
    System.out.println(benchmark.table());
    System.exit(0);
  }
}
