package dev.tributary.server;

import dev.tributary.bus.BusConfig;
import dev.tributary.bus.BusServer;
import dev.tributary.bus.LocalBus;
import dev.tributary.capture.CaptureConfig;
import dev.tributary.capture.CaptureServer;
import dev.tributary.capture.CaptureStartException;
import dev.tributary.capture.DurableLog;
import dev.tributary.http.TokensFile;
import dev.tributary.http.ServerCertificate;
import dev.tributary.http.TokensFile;
import dev.tributary.http.TlsFileException;
import dev.tributary.kafka.ForwarderConfig;
import dev.tributary.kafka.SpoolForwarder;
import dev.tributary.lake.LakeConfig;
import dev.tributary.lake.SpoolLakeSink;
import dev.tributary.spool.Quantity;
import dev.tributary.spool.Spool;
import dev.tributary.spool.SpoolConfig;
import dev.tributary.spool.SpoolGauges;
import dev.tributary.spool.SpoolUsage;
import dev.tributary.status.CommandMeters;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import dev.tributary.status.CheckResult;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code tributary serve}: capture to the spool, and the spool to the local lake and/or Kafka. */
@Command(name = "serve", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Run the capture API over a local spool, landing events in a lake (a directory or S3) or forwarding them to Kafka.",
        "Without --kafka the lake runs (no Kafka needed); with --kafka it runs only with --lake-too.",
        "Each event lands in the lake once, after any crash: see docs/lake.md.",
        "Settings come from defaults < --config file < TRIBUTARY_* environment variables < flags; see --print-config.",
        "SIGTERM/Ctrl-C drains: new requests get 503, the lake / Kafka catch up, exit 0.",
        "With Kafka, a drain that does not finish within --drain-timeout exits " + ExitCodes.DRAIN_INCOMPLETE
            + " and leaves the spool intact: keep the volume.",
        "A second SIGTERM/Ctrl-C stops at once; the spool keeps everything for the next start."})
final class ServeCommand implements Callable<Integer> {
  private static final Logger log = LoggerFactory.getLogger(ServeCommand.class);

  @Spec CommandSpec spec;

  @Option(names = "--port", description = "HTTP port (default 8080)") String port;
  @Option(names = "--bind", description = "address to listen on (default 127.0.0.1; others need --tokens-file)") String bind;
  @Option(names = "--data-dir", description = "spool and lake location (default ./tributary-data)") String dataDir;
  @Option(names = "--lake", description = {"lake root: a directory or s3://bucket/prefix (default <data-dir>/lake);",
      "on S3, files are written in <data-dir>/lake-uploads, then uploaded without replacing any object"}) String lake;
  @Option(names = "--format", description = "lake file format: ndjson (gzip, default), ndjson-zstd or parquet (zstd)") String format;
  @Option(names = "--s3-endpoint", paramLabel = "URL", description = "S3-compatible endpoint (MinIO, S3Proxy, ...); implies path-style")
  String s3Endpoint;
  @Option(names = "--s3-path-style", paramLabel = "true|false", description = "path-style bucket addressing (default true with --s3-endpoint)")
  String s3PathStyle;
  @Option(names = "--fsync", description = "always (default), never, or interval=<ms>") String fsync;
  @Option(names = "--tokens-file", description = "YAML file mapping tokens to apps; enables auth") String tokensFile;
  @Option(names = "--tls-cert", description = "PEM certificate chain: with --tls-key, --port serves HTTPS (HTTP/2 and HTTP/1.1); reloaded when it changes")
  String tlsCert;
  @Option(names = "--tls-key", description = "PEM private key of --tls-cert") String tlsKey;
  @Option(names = "--cors-origins", description = "origins whose pages may send events: * (default) or a comma-separated list like https://*.example.com") String corsOrigins;
  @Option(names = "--trusted-proxies", description = "comma-separated addresses / CIDR ranges of proxies whose X-Forwarded-For names the client") String trustedProxies;
  @Option(names = "--drain-timeout", description = "how long SIGTERM waits for the lake / Kafka to catch up (default 30s, 60s with Kafka)") String drainTimeout;
  @Option(names = "--kafka", paramLabel = "BOOTSTRAP", description = "forward the spool to Kafka: host:port[,...]") String kafka;
  @Option(names = "--topic", description = "Kafka topic, or a template like events.{event} (default events)") String topic;
  @Option(names = "--partitions", paramLabel = "N", description = "of the topic when capture creates it (default broker: its num.partitions)") String partitions;
  @Option(names = "--replication-factor", paramLabel = "N", description = "of the topic when capture creates it (default broker: its default.replication.factor)") String replicationFactor;
  @Option(names = "--linger", description = "Kafka producer linger (default 20ms)") String linger;
  @Option(names = "--lake-too", description = "with --kafka, land events in the local lake as well") boolean lakeToo;
  @Option(names = "--producer-property", paramLabel = "KEY=VALUE", description = "a Kafka producer property (repeatable); wins over the config file's kafka_producer")
  Map<String, String> producerProperties = new LinkedHashMap<>();
  @Option(names = "--bus-port", description = "also serve the Chukcha-compatible bus on this port (data in <data-dir>/bus; see tributary bus --help)")
  String busPort;
  @Option(names = "--config", description = "YAML config file (keys as in --print-config)") Path config;
  @Option(names = "--print-config", description = "print the effective settings and where each came from, then exit") boolean printConfig;

  @Override
  public Integer call() throws Exception {
    ServeSettings settings;
    try {
      settings = ServeSettings.resolve(config, System.getenv(), flags(), producerProperties);
    } catch (ConfigException e) {
      spec.commandLine().getErr().println("tributary serve: " + e.getMessage());
      return ExitCodes.USAGE;
    }
    if (printConfig) {
      spec.commandLine().getOut().print(settings.describe());
      spec.commandLine().getOut().flush(); // print() does not flush, and exit would drop it
      return ExitCodes.OK;
    }
    Optional<ForwarderConfig> forwarding;
    try {
      forwarding = forwarderConfig(settings);
    } catch (IllegalArgumentException e) {
      spec.commandLine().getErr().println("tributary serve: Kafka settings: " + e.getMessage());
      return ExitCodes.USAGE;
    }
    Integer refused = refusal(settings, spec.commandLine().getErr(), "serve");
    return refused != null ? refused : serve(settings, forwarding);
  }

  /**
   * What would stop the start, found before anything is created: the capture configuration
   * (exit 2) or a port in use (exit 1). Null when the start may go on. Also {@code dev}'s check.
   */
  static Integer refusal(ServeSettings s, PrintWriter err, String command) {
    try {
      CaptureServer.checkConfig(captureConfig(s));
      serverCertificate(s);
    } catch (CaptureStartException | TlsFileException e) {
      err.println("tributary " + command + ": " + e.getMessage());
      return ExitCodes.USAGE;
    }
    String busy = PortProbe.problem(s.bind(), s.port(), "--port");
    if (busy == null && s.busPort().isPresent()) busy = PortProbe.problem(s.bind(), s.busPort().get(), "--bus-port");
    if (busy == null) return null;
    err.println("tributary " + command + ": " + busy);
    return ExitCodes.FAILURE;
  }

  static Optional<ForwarderConfig> forwarderConfig(ServeSettings s) {
    return s.kafka().map(bootstrap -> ForwarderConfig.defaults(bootstrap, s.deadLetterDir()).withTopic(s.topic())
        .withLinger(s.linger()).withProducerProperties(s.producerProperties()).withTopicCreation(s.topicCreation()));
  }

  private Map<String, String> flags() {
    Map<String, String> flags = new LinkedHashMap<>();
    put(flags, "port", port);
    put(flags, "bind", bind);
    put(flags, "data_dir", dataDir);
    put(flags, "lake", lake);
    put(flags, "format", format);
    put(flags, "s3_endpoint", s3Endpoint);
    put(flags, "s3_path_style", s3PathStyle);
    put(flags, "fsync", fsync);
    put(flags, "tokens_file", tokensFile);
    put(flags, "tls_cert", tlsCert);
    put(flags, "tls_key", tlsKey);
    put(flags, "cors_origins", corsOrigins);
    put(flags, "trusted_proxies", trustedProxies);
    put(flags, "drain_timeout", drainTimeout);
    put(flags, "kafka", kafka);
    put(flags, "topic", topic);
    put(flags, "partitions", partitions);
    put(flags, "replication_factor", replicationFactor);
    put(flags, "linger", linger);
    put(flags, "bus_port", busPort);
    if (lakeToo) flags.put("embedded_lake", "true");
    return flags;
  }

  private static void put(Map<String, String> flags, String key, String value) {
    if (value != null) flags.put(key, value);
  }

  /**
   * Kafka for readiness: reachable or not, and how far forwarding is behind. Unreachable is
   * degraded, never failing: capture stays ready, since events wait durably in the spool. The
   * brokers' addresses are there so that the status page can say where to look.
   */
  private static Supplier<CheckResult> kafkaCheck(SpoolForwarder forwarder, String bootstrap) {
    return () -> {
      SpoolUsage.CursorLag lag = forwarder.lag();
      Map<String, Object> details = new LinkedHashMap<>();
      // Before the first probe has answered, whether Kafka is reachable is not known yet: not an outage.
      details.put("reachable", forwarder.kafkaProbed() ? forwarder.kafkaReachable() : "not probed yet");
      details.put("bootstrap", bootstrap);
      details.put("lag_records", lag.records());
      details.put("lag_bytes", lag.bytes());
      details.put("oldest_age_ms", lag.oldestAgeMillis());
      return forwarder.kafkaReachable() || !forwarder.kafkaProbed() ? CheckResult.ok(details)
          : CheckResult.degraded("Kafka unreachable; events wait in the spool", details);
    };
  }

  /** Runs the server until a SIGTERM/SIGINT drain ends; returns the exit code. Also the heart of {@code dev}. */
  static int serve(ServeSettings s, Optional<ForwarderConfig> forwarding) throws Exception {
    ShutdownSignals.hold();
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    try (CommandMeters commandMeters = CommandMeters.bind(registry, "serve", Tributary.VERSION)) {
      return serve(s, forwarding, registry);
    }
  }

  private static int serve(ServeSettings s, Optional<ForwarderConfig> forwarding, PrometheusMeterRegistry registry) throws Exception {
    Spool spool = Spool.open(new SpoolConfig(s.spoolDir(), s.spoolSegmentBytes(), s.spoolMaxBytes(), s.fsync()));
    SpoolLakeSink sink = null;
    SpoolForwarder forwarder = null;
    CaptureServer capture;
    try {
      SpoolGauges.bind(spool, registry);
      if (s.lakeEnabled()) {
        sink = SpoolLakeSink.start(spool, LakeConfig.defaults(s.lakeTarget()).withUploadDir(s.lakeUploadDir())
            .withRollBytes(s.lakeRollBytes()).withRollAge(s.lakeRollAge()).withDedupWindow(s.dedupWindow())
            .withPathFormat(s.lakePathFormat()), registry);
      }
      if (forwarding.isPresent()) forwarder = SpoolForwarder.start(spool, forwarding.get(), registry);
      capture = CaptureServer.start(captureConfig(s), DurableLog.of(spool), registry, serverCertificate(s));
    } catch (Exception e) {
      if (forwarder != null) forwarder.close();
      if (sink != null) sink.close();
      spool.close();
      throw e;
    }
    AutoCloseable bus;
    try {
      bus = startBus(s, registry);
    } catch (Exception e) {
      capture.close();
      if (forwarder != null) forwarder.close();
      if (sink != null) sink.close();
      spool.close();
      throw e;
    }
    if (forwarder != null) capture.status().readiness("kafka", kafkaCheck(forwarder, forwarding.get().bootstrapServers()));
    warnAboutIdleCursors(spool, s);
    log.info("tributary serve: listening on {}://{}:{}, spool {}, {}, fsync {}, auth {}", s.tlsCert().isPresent() ? "https" : "http",
        s.bind(), capture.port(),
        s.spoolDir().toAbsolutePath().normalize(), destinations(s), s.fsync(),
        s.tokensFile().map(f -> "on (" + f + ")").orElse("off (loopback only)"));
    CountDownLatch stopped = new CountDownLatch(1);
    Drain drain = new Drain(capture, bus, forwarder, sink, spool, s, stopped);
    ShutdownSignals.install(drain, "draining (send it again to stop at once; the spool keeps what is not delivered)",
        "stopping now; what the spool has not delivered yet is delivered at the next start");
    stopped.await();
    return drain.exitCode;
  }

  /** The bus beside capture when {@code bus_port} is set, on {@code <data_dir>/bus}, with capture's tokens file; what stops it. */
  private static AutoCloseable startBus(ServeSettings s, PrometheusMeterRegistry registry) throws Exception {
    if (s.busPort().isEmpty()) return () -> { };
    LocalBus bus = LocalBus.open(BusConfig.defaults(s.busDir(), BusCommand.hostInstance()).withFsync(s.fsync()));
    BusServer server;
    try {
      // Capture's check has refused an invalid tokens file already; the bus reads the same one.
      server = BusServer.startBeside(bus, s.bind(), s.busPort().get(), registry,
          s.tokensFile().isPresent() ? TokensFile.load(s.tokensFile().get()) : null);
    } catch (Exception e) {
      bus.close();
      throw e;
    }
    log.info("tributary serve: bus listening on http://{}:{}, chunks in {}", s.bind(), server.port(), s.busDir().toAbsolutePath().normalize());
    return () -> {
      server.close();
      bus.close();
    };
  }

  /**
   * A consumer of an earlier run that this run does not start (the lake after switching to Kafka,
   * the forwarder after switching back) still holds its records: the spool keeps every segment
   * until it acknowledges them, so the spool fills up. Say so at start, not when capture answers 503.
   */
  private static void warnAboutIdleCursors(Spool spool, ServeSettings s) {
    for (var lag : spool.usage().cursors()) {
      boolean forwarder = lag.name().equals(SpoolForwarder.CURSOR);
      boolean idle = forwarder ? s.kafka().isEmpty() : !s.lakeEnabled();
      if (idle && lag.records() > 0) {
        log.warn("cursor '{}' of an earlier run has {} ({} bytes) it has not taken, and this run does not start it; "
                + "the spool keeps them (and everything after) until it runs again: {}", lag.name(), Quantity.of(lag.records(), "record"),
            lag.bytes(),
            forwarder ? "serve --kafka, or 'tributary drain', forwards them" : "serve --lake-too lands them");
      }
    }
  }

  private static String destinations(ServeSettings s) {
    String kafka = s.kafka().map(k -> "Kafka at " + k + " (topic " + s.topic() + ")").orElse(null);
    String lake = s.lakeEnabled() ? "lake " + s.lakeTarget().describe() : null;
    if (kafka == null) return lake;
    return lake == null ? kafka + ", no local lake" : kafka + " and " + lake;
  }

  /** What capture presents over HTTPS, or null for plain HTTP. */
  private static ServerCertificate serverCertificate(ServeSettings s) throws TlsFileException {
    return s.tlsCert().isPresent() ? ServerCertificate.read(s.tlsCert().get(), s.tlsKey().orElseThrow()) : null;
  }

  private static CaptureConfig captureConfig(ServeSettings s) {
    CaptureConfig c = CaptureConfig.defaults().withBindHost(s.bind()).withPort(s.port()).withMaxRequestBytes(s.maxRequestBytes())
        .withCorsOrigins(s.corsOrigins()).withTrustedProxies(s.trustedProxies());
    return s.tokensFile().map(c::withTokensFile).orElse(c);
  }

  /**
   * The graceful stop: refuse new events, let Kafka and/or the lake take what the spool holds,
   * release everything. With Kafka, an unfinished forward is a distinct exit status: the spool then
   * holds events nobody else has, and whoever runs this process must keep its volume.
   */
  private static final class Drain implements Runnable {
    private final CaptureServer capture;
    private final AutoCloseable bus;
    private final SpoolForwarder forwarder;
    private final SpoolLakeSink sink;
    private final Spool spool;
    private final ServeSettings settings;
    private final CountDownLatch stopped;
    volatile int exitCode = ExitCodes.OK;

    Drain(CaptureServer capture, AutoCloseable bus, SpoolForwarder forwarder, SpoolLakeSink sink, Spool spool, ServeSettings settings,
        CountDownLatch stopped) {
      this.capture = capture;
      this.bus = bus;
      this.forwarder = forwarder;
      this.sink = sink;
      this.spool = spool;
      this.settings = settings;
      this.stopped = stopped;
    }

    @Override
    public void run() {
      try {
        capture.drain();
        long started = System.nanoTime();
        Duration timeout = settings.drainTimeout();
        log.info("draining: capture answers 503; {} the spool up to offset {} (timeout {} s)",
            forwarder == null ? "landing" : sink == null ? "forwarding" : "forwarding and landing", spool.nextOffset(),
            timeout.toSeconds());
        if (forwarder != null) drainForwarder(timeout, started);
        if (sink != null) drainSink(remaining(timeout, started));
        capture.close();
        bus.close();
        if (forwarder != null) forwarder.close();
        if (sink != null) sink.close();
        spool.close();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        exitCode = ExitCodes.FAILURE;
      } catch (Exception e) {
        log.error("drain failed; the spool keeps what did not land", e);
        exitCode = ExitCodes.FAILURE;
      } finally {
        stopped.countDown();
      }
    }

    private void drainForwarder(Duration timeout, long started) throws InterruptedException {
      if (forwarder.drain(timeout)) {
        log.info("drained: every captured event is in Kafka ({} ms)", (System.nanoTime() - started) / 1_000_000);
        return;
      }
      exitCode = ExitCodes.DRAIN_INCOMPLETE;
      log.warn("drain timeout of {} s passed with {} not yet in Kafka (Kafka {}); the spool {} keeps them: "
              + "exiting with {} so the volume is kept; a restart or 'tributary drain' forwards them",
          timeout.toSeconds(), Quantity.of(forwarder.lag().records(), "record"), forwarder.kafkaReachable() ? "reachable" : "unreachable",
          settings.spoolDir().toAbsolutePath().normalize(), ExitCodes.DRAIN_INCOMPLETE);
    }

    private void drainSink(Duration timeout) {
      if (sink.drain(timeout)) {
        log.info("drained: every captured event is in the lake");
      } else {
        log.warn("drain timeout of {} s passed; the rest stays in the spool and lands at the next start",
            settings.drainTimeout().toSeconds());
      }
    }

    private static Duration remaining(Duration timeout, long started) {
      Duration left = timeout.minusNanos(System.nanoTime() - started);
      return left.isNegative() ? Duration.ZERO : left;
    }
  }
}
