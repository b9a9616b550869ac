package dev.tributary.server;

import dev.tributary.bus.Bus;
import dev.tributary.bus.BusConfig;
import dev.tributary.bus.BusServer;
import dev.tributary.bus.KafkaBus;
import dev.tributary.bus.LocalBus;
import dev.tributary.http.TokensFile;
import dev.tributary.http.TokensFileException;
import dev.tributary.status.CommandMeters;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code tributary bus}: the Chukcha-compatible HTTP event bus on its own port. */
@Command(name = "bus", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Run a Chukcha-compatible HTTP event bus at the root of its own port.",
        "  POST /write?category=C        messages ending in \\n; empty 200 once durable",
        "  GET  /read?category=C&chunk=NAME&off=BYTES&max_size=BYTES",
        "                                whole messages from byte off; empty at the end",
        "  GET  /listChunks?category=C   [{\"name\",\"complete\",\"size\"}, ...]",
        "  GET  /listCategories          [\"C\", ...]",
        "  POST /ack?category=C&chunk=NAME&size=BYTES",
        "                                delete a complete chunk read to its end",
        "reader=NAME on /read, /listChunks and /ack: that reader's own acknowledgements.",
        "With --tokens-file: a token as 'Authorization: Bearer', Basic auth (http://bus:TOKEN@host:port) or token=TOKEN.",
        "Chunks: <data-dir>/<category>/<instance>-chunk<9 digits>, see docs/bus.md.",
        "Settings: defaults < --config file < TRIBUTARY_* environment < flags; see --print-config.",
        "SIGTERM/Ctrl-C stops: writes in flight complete, open chunks are completed.", ""})
final class BusCommand implements Callable<Integer> {
  private static final Logger log = LoggerFactory.getLogger(BusCommand.class);

  @Spec CommandSpec spec;

  @Option(names = "--port", description = "HTTP port (default 8083; 0: any free port)") String port;
  @Option(names = "--data-dir", description = "where the chunk files go, relative to the working directory or absolute (default ./bus-data)")
  String dataDir;
  @Option(names = "--instance", description = "this node's name, the prefix of its chunk names; unique per node (default: from the host name)")
  String instance;
  @Option(names = "--bind", description = "address to listen on (default 127.0.0.1; others need --tokens-file)") String bind;
  @Option(names = "--tokens-file", description = "YAML file of tokens, their apps and bus rights; enables auth (see docs/bus.md)")
  String tokensFile;
  @Option(names = "--fsync", description = "always (default: answer after fsync), never, or interval=<ms>") String fsync;
  @Option(names = "--max-chunk-size", paramLabel = "SIZE", description = "start a new chunk past this size (default 20MiB)") String maxChunkSize;
  @Option(names = "--rotate-interval", paramLabel = "DURATION", description = "complete a non-empty chunk after this long (default 10m)")
  String rotateInterval;
  @Option(names = "--retention-age", paramLabel = "DURATION",
      description = "delete complete chunks last written longer ago, read or not (default: keep)") String retentionAge;
  @Option(names = "--retention-size", paramLabel = "SIZE",
      description = "per category, delete the oldest complete chunks past this size (default: no limit)") String retentionSize;
  @Option(names = "--kafka", paramLabel = "BOOTSTRAP",
      description = "serve the same API from Kafka at host:port[,...] instead of local chunk files (see docs/bus.md)") String kafka;
  @Option(names = "--topic-prefix", description = "with --kafka, a category's topic is this plus its name (default bus.)") String topicPrefix;
  @Option(names = "--records-per-chunk", description = "with --kafka, Kafka offsets per chunk (default 100000)") String recordsPerChunk;
  @Option(names = "--kafka-property", paramLabel = "KEY=VALUE",
      description = "with --kafka, a Kafka client property (repeatable): SASL, TLS...")
  Map<String, String> kafkaProperties = new LinkedHashMap<>();
  @Option(names = "--kafka-properties-file", paramLabel = "FILE",
      description = "with --kafka, a Java properties file of Kafka client properties (SASL credentials, say)") String kafkaPropertiesFile;
  @Option(names = "--config", paramLabel = "FILE", description = "YAML config file (keys as in --print-config)") Path config;
  @Option(names = "--print-config", description = "print the effective settings and where each came from, then exit") boolean printConfig;

  @Override
  public Integer call() throws Exception {
    ShutdownSignals.hold();
    BusSettings settings;
    KafkaBus.Config kafkaConfig;
    BusConfig localConfig;
    TokensFile tokens;
    try {
      settings = BusSettings.resolve(config, System.getenv(), flags(), kafkaProperties);
      kafkaConfig = settings.kafkaConfig();
      localConfig = kafkaConfig == null ? settings.localConfig() : null;
      tokens = printConfig || settings.tokensFile() == null ? null : TokensFile.load(settings.tokensFile());
      if (!printConfig) BusServer.check(settings.bind(), tokens);
    } catch (ConfigException | IllegalArgumentException | TokensFileException e) {
      spec.commandLine().getErr().println("tributary bus: " + e.getMessage());
      return ExitCodes.USAGE;
    }
    if (printConfig) {
      spec.commandLine().getOut().print(settings.describe());
      spec.commandLine().getOut().flush();
      return ExitCodes.OK;
    }
    if (kafkaConfig != null) return serve(KafkaBus.open(kafkaConfig), settings.bind(), settings.port(), tokens);
    String busy = PortProbe.problem(settings.bind(), settings.port(), "--port");
    if (busy != null) {
      spec.commandLine().getErr().println("tributary bus: " + busy);
      return ExitCodes.FAILURE;
    }
    log.info("tributary bus: chunks in {}", settings.dataDir());
    LocalBus bus = LocalBus.open(localConfig);
    return serve(bus, settings.bind(), settings.port(), tokens);
  }

  private Map<String, String> flags() {
    Map<String, String> flags = new LinkedHashMap<>();
    String[][] given = {{"port", port}, {"data_dir", dataDir}, {"instance", instance}, {"bind", bind}, {"tokens_file", tokensFile}, {"fsync", fsync},
        {"max_chunk_size", maxChunkSize}, {"rotate_interval", rotateInterval}, {"retention_age", retentionAge},
        {"retention_size", retentionSize}, {"kafka", kafka}, {"topic_prefix", topicPrefix}, {"records_per_chunk", recordsPerChunk},
        {"kafka_properties_file", kafkaPropertiesFile}};
    for (String[] flag : given) if (flag[1] != null) flags.put(flag[0], flag[1]);
    return flags;
  }

  /** Serves {@code bus} until SIGTERM/SIGINT, then closes the server and the bus. */
  private static int serve(Bus bus, String bind, int port, TokensFile tokens) throws Exception {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    try (CommandMeters commandMeters = CommandMeters.bind(registry, "bus", Tributary.VERSION)) {
      return serve(bus, bind, port, registry, tokens);
    }
  }

  private static int serve(Bus bus, String bind, int port, PrometheusMeterRegistry registry, TokensFile tokens) throws Exception {
    BusServer server;
    try {
      server = BusServer.start(bus, bind, port, registry, tokens);
    } catch (Exception e) {
      bus.close();
      throw e;
    }
    log.info("tributary bus: listening on http://{}:{} (status on /health/ready, metrics on /metrics)", bind, server.port());
    CountDownLatch stopped = new CountDownLatch(1);
    ShutdownSignals.install(() -> {
      server.close();
      bus.close();
      log.info("bus stopped");
      stopped.countDown();
    }, "closing the bus (send it again to stop at once)", "stopping now; every write already answered is kept");
    stopped.await();
    return ExitCodes.OK;
  }

  /** The host name made a valid instance name: chunk names of nodes on different hosts then differ. */
  static String hostInstance() {
    String host;
    try {
      host = InetAddress.getLocalHost().getHostName();
    } catch (java.net.UnknownHostException e) {
      host = "node";
    }
    String name = host.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_-]", "_").replaceAll("^[^a-z0-9]+", "");
    return name.isEmpty() ? "node" : name.substring(0, Math.min(64, name.length()));
  }

}
