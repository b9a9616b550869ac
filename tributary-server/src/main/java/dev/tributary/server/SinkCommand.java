package dev.tributary.server;

import dev.tributary.lake.KafkaLakeSink;
import dev.tributary.lake.KafkaSinkConfig;
import dev.tributary.status.CheckResult;
import dev.tributary.status.CommandMeters;
import dev.tributary.status.StatusServer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code tributary sink}: Kafka to the lake (a directory or S3), exactly once, as a member of a consumer group. */
@Command(name = "sink", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Land Kafka topics in the lake, each record exactly once, as a member of a consumer group.",
        "Run more members with the same --group to share the partitions.",
        "Files are named after topic, partition and offsets, under events/event_type=<type>/dt=<day>/hour=<hh>/ (--path-format;"
            + " bad records under events/_errors/).",
        "Offsets are committed only once the files holding the records below them are published.",
        "S3 uses the AWS SDK's standard credential and region chains (AWS_ACCESS_KEY_ID, ~/.aws, instance roles).",
        "Settings come from defaults < --config file < TRIBUTARY_* environment variables < flags; see --print-config.",
        "Started before Kafka or its topics exist, it waits for them, not ready; it never creates a topic it reads.",
        "SIGTERM/Ctrl-C: stop reading, publish the open files, commit, exit 0. See docs/lake.md."})
final class SinkCommand implements Callable<Integer> {
  private static final Logger log = LoggerFactory.getLogger(SinkCommand.class);
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(60);

  @Spec CommandSpec spec;

  @Option(names = "--kafka", paramLabel = "BOOTSTRAP", description = "Kafka bootstrap servers host:port[,...] (required)") String kafka;
  @Option(names = "--topics", description = "topic names, comma-separated, or /regex/ (default events)") String topics;
  @Option(names = "--lake", description = {"a directory or s3://bucket/prefix", "(default ./tributary-data/lake)"}) String lake;
  @Option(names = "--format", description = "ndjson (gzip, default), ndjson-zstd or parquet") String format;
  @Option(names = "--group", description = "consumer group (default " + KafkaSinkConfig.DEFAULT_GROUP + ")") String group;
  @Option(names = "--max-file-age", description = "complete files at this received_at span or age (default 5m, at most 1h)") String maxFileAge;
  @Option(names = "--max-file-bytes", description = "complete files at this many uncompressed bytes (default 128MiB)") String maxFileBytes;
  @Option(names = "--max-file-records", description = "complete files at this many records (default 10000000)") String maxFileRecords;
  @Option(names = "--path-format", paramLabel = "TEMPLATE", description = "layout of the event partitions, a template holding"
      + " {event_type}, {yyyy}, {MM}, {dd} and {HH} once each (default the layout above, see docs/lake.md)") String pathFormat;
  @Option(names = "--s3-endpoint", paramLabel = "URL", description = "S3-compatible endpoint (MinIO, S3Proxy, ...); implies path-style") String s3Endpoint;
  @Option(names = "--s3-path-style", paramLabel = "true|false", description = "path-style bucket addressing") String s3PathStyle;
  @Option(names = "--port", description = "HTTP port of /health/live, /health/ready, /metrics (default 8081)") String port;
  @Option(names = "--bind", description = "address of that port (default 127.0.0.1)") String bind;
  @Option(names = "--consumer-property", paramLabel = "KEY=VALUE", description = "a Kafka consumer property (repeatable), e.g. security.protocol=SSL")
  Map<String, String> consumerProperties = new LinkedHashMap<>();
  @Option(names = "--config", description = "YAML config file (keys as in --print-config)") Path config;
  @Option(names = "--print-config", description = "print the effective settings and where each came from, then exit") boolean printConfig;

  @Override
  public Integer call() throws Exception {
    ShutdownSignals.hold();
    SinkSettings settings;
    KafkaSinkConfig sinkConfig;
    try {
      settings = SinkSettings.resolve(config, System.getenv(), flags(), consumerProperties);
      sinkConfig = settings.sinkConfig();
    } catch (ConfigException | IllegalArgumentException e) {
      spec.commandLine().getErr().println("tributary sink: " + e.getMessage());
      return ExitCodes.USAGE;
    }
    if (printConfig) {
      spec.commandLine().getOut().print(settings.describe());
      spec.commandLine().getOut().flush();
      return ExitCodes.OK;
    }
    return run(settings, sinkConfig);
  }

  private static int run(SinkSettings settings, KafkaSinkConfig sinkConfig) throws Exception {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    try (CommandMeters commandMeters = CommandMeters.bind(registry, "sink", Tributary.VERSION)) {
      return run(settings, sinkConfig, registry);
    }
  }

  private static int run(SinkSettings settings, KafkaSinkConfig sinkConfig, PrometheusMeterRegistry registry) throws Exception {
    KafkaLakeSink sink = KafkaLakeSink.start(sinkConfig, registry);
    StatusServer status;
    try {
      status = StatusServer.start("sink", settings.bind(), settings.port(), registry, routes -> routes
          .liveness("sink", () -> sink.running() ? CheckResult.ok(Map.of()) : CheckResult.failing("the sink stopped; see its log", Map.of()))
          .readiness("sink", () -> readiness(sink)));
    } catch (StatusServer.StatusServerException e) {
      sink.stop(STOP_TIMEOUT);
      throw e;
    }
    log.info("tributary sink: status on http://{}:{}/health/ready, metrics on /metrics", settings.bind(), status.port());

    CountDownLatch signalled = new CountDownLatch(1);
    ShutdownSignals.install(signalled::countDown, "closing the open lake files and committing their offsets (send it again to stop at once)",
        "stopping now; the records of open lake files are read again from Kafka at the next start");
    while (!signalled.await(500, java.util.concurrent.TimeUnit.MILLISECONDS) && sink.running()) {
      // wait for SIGTERM/SIGINT, or for the sink to stop on its own (an unrecoverable error)
    }
    int exit;
    if (!sink.running()) {
      log.error("the sink stopped on its own; see the errors above");
      exit = ExitCodes.FAILURE;
    } else {
      exit = sink.stop(STOP_TIMEOUT) ? ExitCodes.OK : ExitCodes.FAILURE;
    }
    status.close();
    return exit;
  }

  /** Ready once Kafka answers, the topics exist and the sink has joined its group, and while no failure is being recovered from. */
  private static CheckResult readiness(KafkaLakeSink sink) {
    Map<String, Object> details = Map.of("partitions", partitions(sink.status()));
    return sink.ready() ? CheckResult.ok(details)
        : CheckResult.failing(sink.waitingFor().orElse("joining the consumer group or recovering from a failure (see the log)"), details);
  }

  private static List<Map<String, Object>> partitions(List<KafkaLakeSink.PartitionStatus> status) {
    return status.stream().map(s -> {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("topic", s.topic());
      m.put("partition", s.partition());
      m.put("position", s.position());
      m.put("committed_offset", s.committedOffset());
      m.put("complete_up_to", s.completeUpTo() == null ? null : s.completeUpTo().toString());
      return m;
    }).toList();
  }

  private Map<String, String> flags() {
    Map<String, String> flags = new LinkedHashMap<>();
    put(flags, "kafka", kafka);
    put(flags, "topics", topics);
    put(flags, "lake", lake);
    put(flags, "format", format);
    put(flags, "group", group);
    put(flags, "max_file_age", maxFileAge);
    put(flags, "max_file_bytes", maxFileBytes);
    put(flags, "max_file_records", maxFileRecords);
    put(flags, "path_format", pathFormat);
    put(flags, "s3_endpoint", s3Endpoint);
    put(flags, "s3_path_style", s3PathStyle);
    put(flags, "port", port);
    put(flags, "bind", bind);
    return flags;
  }

  private static void put(Map<String, String> flags, String key, String value) {
    if (value != null) flags.put(key, value);
  }
}
