package dev.tributary.server;

import dev.tributary.broker.BrokerJars;
import dev.tributary.broker.KafkaBroker;
import dev.tributary.lake.KafkaLakeSink;
import dev.tributary.lake.KafkaSinkConfig;
import dev.tributary.lake.LakeTarget;
import dev.tributary.refine.RefineConfig;
import dev.tributary.refine.Refiner;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code tributary dev}: the whole pipeline on one machine, to try it. A real Kafka broker runs as
 * a child process with its data in {@code <data-dir>/kafka}; {@code serve} forwards to it, refine
 * deduplicates into {@code <topic>.refined}, and the Kafka lake sink lands that in
 * {@code <data-dir>/lake}, all in this process. Ctrl-C drains serve into the broker, closes
 * refine and the sink (each commits what it did), then stops the broker.
 *
 * <p>The broker keeps its topics across runs ({@link KafkaBroker#startOrResume}), so what refine
 * or the sink had not reached at a stop is picked up at the next start; delete
 * {@code <data-dir>/kafka} for an empty one.
 */
@Command(name = "dev", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Try the whole pipeline on one machine: Kafka, serve, refine and the lake sink in one command.",
        "A local Kafka broker (a child JVM on 127.0.0.1:9092, data in <data-dir>/kafka, kept across runs), serve forwarding to it, "
            + "refine (<topic> -> <topic>.refined, each event_id once) and the lake sink (<topic>.refined -> --lake, "
            + "default <data-dir>/lake, a file completed every 10 s).",
        "Refine and the sink use their own group ids (tributary-dev-refine, tributary-dev-sink), so a refine or sink started beside dev runs apart from it.",
        "Prints the addresses. Ctrl-C drains serve into Kafka, closes refine and the sink, then stops the broker.",
        "The broker's jars (about 45 MB) are fetched on first use from Maven Central, or --maven-repository, into $XDG_CACHE_HOME/tributary "
            + "(default ~/.cache/tributary) and used from there after."})
final class DevCommand implements Callable<Integer> {
  private static final Logger log = LoggerFactory.getLogger(DevCommand.class);
  private static final int PARTITIONS = 3;
  /** Short, so that a demo's events show in the lake quickly; production keeps the sink's 5 minutes. */
  private static final Duration LAKE_FILE_AGE = Duration.ofSeconds(10);
  private static final Duration STAGE_CLOSE_TIMEOUT = Duration.ofSeconds(30);
  /**
   * dev's own Kafka Streams application id and sink group: with the defaults, a {@code refine} or
   * {@code sink} started beside dev, as the README shows, joined dev's groups, took half of its
   * partitions and corrupted its tasks (TaskCorruptedException).
   */
  static final String REFINE_APPLICATION_ID = "tributary-dev-refine";
  static final String SINK_GROUP = "tributary-dev-sink";
  /** Kafka's usual port, so that the README's commands beside dev work as written. */
  static final int DEFAULT_KAFKA_PORT = 9092;

  @Spec CommandSpec spec;

  @Option(names = "--port", description = "HTTP port of the capture API (default 8080)") String port;
  @Option(names = "--data-dir", description = "spool, Kafka's data, refine's state and the lake (default ./tributary-dev)") String dataDir = "./tributary-dev";
  @Option(names = "--topic", description = "raw Kafka topic (default events); refine writes <topic>.refined") String topic;
  @Option(names = "--lake", description = "the sink's lake: a directory or s3://bucket/prefix (default <data-dir>/lake)") String lake;
  @Option(names = "--format", description = "lake file format: ndjson (gzip, default), ndjson-zstd or parquet (zstd)") String format;
  @Option(names = "--s3-endpoint", paramLabel = "URL", description = "S3-compatible endpoint (MinIO, S3Proxy, ...); implies path-style")
  String s3Endpoint;
  @Option(names = "--kafka-port", paramLabel = "PORT",
      description = "the broker's port on 127.0.0.1 (default 9092, or a free one when 9092 is taken; 0: a free one)") Integer kafkaPort;
  @Option(names = "--maven-repository", paramLabel = "URL",
      description = "where the broker's jars are fetched from on first use (default Maven Central; a mirror for a closed network)")
  URI mavenRepository = BrokerJars.CENTRAL;

  @Override
  public Integer call() throws Exception {
    ShutdownSignals.hold();
    try {
      // Checked before the broker's seconds of start: the real address is only known after.
      ServeSettings s = ServeSettings.resolve(null, System.getenv(), flags("127.0.0.1:9092"));
      ServeCommand.forwarderConfig(s);
      if (s.topic().contains("{")) throw new ConfigException("dev refines one topic; topic templates like " + s.topic() + " need serve --kafka");
      Integer refused = ServeCommand.refusal(s, spec.commandLine().getErr(), "dev");
      if (refused != null) return refused;
      if (kafkaPort != null && (kafkaPort < 0 || kafkaPort > 65535)) throw new ConfigException("--kafka-port must be 0 to 65535, got " + kafkaPort);
      if (!List.of("https", "http", "file").contains(String.valueOf(mavenRepository.getScheme()))) {
        throw new ConfigException("--maven-repository must be an https, http or file URL, got " + mavenRepository);
      }
    } catch (ConfigException | IllegalArgumentException e) {
      spec.commandLine().getErr().println("tributary dev: " + e.getMessage());
      return ExitCodes.USAGE;
    }
    String busy = kafkaPort == null ? null : PortProbe.problem("127.0.0.1", kafkaPort, "--kafka-port (0: any free port)");
    if (busy != null) {
      spec.commandLine().getErr().println("tributary dev: " + busy);
      return ExitCodes.FAILURE;
    }
    Path dir = Path.of(dataDir).toAbsolutePath().normalize();
    log.info("starting a Kafka broker in {} (takes a few seconds; delete the directory for an empty broker)", dir.resolve("kafka"));
    try (KafkaBroker broker = KafkaBroker.startOrResume(dir.resolve("kafka"), brokerPort(),
        BrokerJars.from(mavenRepository, BrokerJars.central().cache()))) {
      ServeSettings settings = ServeSettings.resolve(null, System.getenv(), flags(broker.bootstrapServers()));
      broker.createTopicIfMissing(settings.topic(), PARTITIONS);
      return runPipeline(broker.bootstrapServers(), settings, dir);
    }
  }

  private int brokerPort() {
    if (kafkaPort != null) return kafkaPort;
    if (PortProbe.problem("127.0.0.1", DEFAULT_KAFKA_PORT, "--kafka-port") == null) return DEFAULT_KAFKA_PORT;
    log.warn("port {} is in use (another Kafka?): the broker takes a free port, printed below; --kafka-port chooses one",
        DEFAULT_KAFKA_PORT);
    return 0;
  }


  private int runPipeline(String bootstrap, ServeSettings settings, Path dir) throws Exception {
    String refined = settings.topic() + ".refined";
    SimpleMeterRegistry stages = new SimpleMeterRegistry();
    Refiner refiner = Refiner.start(RefineConfig.defaults(bootstrap, dir.resolve("refine")).withTopics(List.of(settings.topic()), refined)
        .withApplicationId(REFINE_APPLICATION_ID), stages);
    KafkaLakeSink sink = null;
    try {
      LakeTarget lakeTarget = settings.lakeTarget();
      sink = KafkaLakeSink.start(KafkaSinkConfig.of(bootstrap, refined, lakeTarget.location()).withTarget(lakeTarget)
          .withPathFormat(settings.lakePathFormat()).withGroup(SINK_GROUP)
          .withRolls(LAKE_FILE_AGE, KafkaSinkConfig.DEFAULT_MAX_FILE_BYTES, KafkaSinkConfig.DEFAULT_MAX_FILE_RECORDS), stages);
      PrintWriter out = spec.commandLine().getOut();
      out.printf("Kafka bootstrap: %s   (raw topic %s, refined topic %s, broker log %s)%n", bootstrap, settings.topic(), refined,
          dir.resolve("kafka").resolve("broker.log"));
      out.printf("Lake:            %s   (a file completed every %d s)%n", lakeTarget.describe(), LAKE_FILE_AGE.toSeconds());
      out.printf("Capture API:     http://%s:%d/v1/events   Ctrl-C drains into Kafka and stops everything%n", settings.bind(), settings.port());
      out.flush();
      int code = ServeCommand.serve(settings, ServeCommand.forwarderConfig(settings));
      log.info("serve stopped (exit {}); closing refine and the lake sink, then the Kafka broker", code);
      return code;
    } finally {
      if (!refiner.close(STAGE_CLOSE_TIMEOUT)) log.warn("refine did not close within {} s; the next start redoes its open work", STAGE_CLOSE_TIMEOUT.toSeconds());
      if (sink != null && !sink.stop(STAGE_CLOSE_TIMEOUT)) log.warn("the lake sink did not stop within {} s; the next start redoes its open files", STAGE_CLOSE_TIMEOUT.toSeconds());
    }
  }

  private Map<String, String> flags(String bootstrap) {
    Map<String, String> flags = new LinkedHashMap<>();
    flags.put("data_dir", dataDir);
    flags.put("kafka", bootstrap);
    if (port != null) flags.put("port", port);
    if (topic != null) flags.put("topic", topic);
    if (lake != null) flags.put("lake", lake);
    if (format != null) flags.put("format", format);
    if (s3Endpoint != null) flags.put("s3_endpoint", s3Endpoint);
    return flags;
  }
}
