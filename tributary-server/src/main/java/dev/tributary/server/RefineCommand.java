package dev.tributary.server;

import dev.tributary.refine.RefineConfig;
import dev.tributary.refine.Refiner;
import dev.tributary.status.CheckResult;
import dev.tributary.status.CommandMeters;
import dev.tributary.status.StatusServer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.streams.KafkaStreams;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code tributary refine}: the raw topic to a refined one, deduplicated and optionally reordered, on Kafka Streams. */
@Command(name = "refine", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Read the raw topic(s), write a refined topic exactly once (Kafka Streams).",
        "An event_id seen within --dedup-window of received_at time is dropped.",
        "With --reorder W, events are held W and written in received_at order per",
        "partition; one arriving later than that is written at once with a",
        "'late: true' header, never dropped. Instances with the same application id",
        "share the partitions and their state. Serves /health/live, /health/ready",
        "and /metrics on --port (8082). Settings: defaults < --config file <",
        "TRIBUTARY_* environment < flags; see --print-config.",
        "Started before Kafka or its input topic exists, it waits for them, not ready.",
        "SIGTERM/Ctrl-C commits, leaves the group and closes within close_timeout (20s): exit 0;",
        "1 if it could not (nothing is lost: the transaction is aborted and redone)."})
final class RefineCommand implements Callable<Integer> {
  private static final Logger log = LoggerFactory.getLogger(RefineCommand.class);

  @Spec CommandSpec spec;

  @Option(names = "--kafka", paramLabel = "BOOTSTRAP", description = "Kafka bootstrap servers host:port[,host:port...] (required)") String kafka;
  @Option(names = "--input", paramLabel = "TOPICS", description = "raw topic(s), comma-separated (default events)") String input;
  @Option(names = "--output", paramLabel = "TOPIC", description = "refined topic (default events.refined)") String output;
  @Option(names = "--replication-factor", paramLabel = "N", description = "of the output topic when refine creates it (default broker: its default.replication.factor)") String replicationFactor;
  @Option(names = "--dedup-window", paramLabel = "DURATION", description = "drop an event_id seen within this received_at time (default 24h)") String dedupWindow;
  @Option(names = "--reorder", paramLabel = "DURATION", description = "hold events this long to write them in received_at order (default off)") String reorder;
  @Option(names = "--port", description = "HTTP port for health and metrics (default 8082)") String port;
  @Option(names = "--bind", description = "address of the HTTP port (default 127.0.0.1)") String bind;
  @Option(names = "--state-dir", paramLabel = "DIR", description = "local state (default ./tributary-data/refine)") String stateDir;
  @Option(names = "--application-id", paramLabel = "ID", description = "Kafka Streams application id (default tributary-refine)") String applicationId;
  @Option(names = "--streams-property", paramLabel = "KEY=VALUE", description = "a Kafka Streams or client property (repeatable); wins over the config file's kafka_streams")
  Map<String, String> streamsProperties = new LinkedHashMap<>();
  @Option(names = "--config", description = "YAML config file (keys as in --print-config)") Path config;
  @Option(names = "--print-config", description = "print the effective settings and where each came from, then exit") boolean printConfig;

  @Override
  public Integer call() throws Exception {
    ShutdownSignals.hold();
    RefineSettings settings;
    RefineConfig refine;
    try {
      settings = RefineSettings.resolve(config, System.getenv(), flags(), streamsProperties);
      if (printConfig) {
        spec.commandLine().getOut().print(settings.describe());
        spec.commandLine().getOut().flush();
        return ExitCodes.OK;
      }
      refine = settings.config();
    } catch (ConfigException | IllegalArgumentException e) {
      spec.commandLine().getErr().println("tributary refine: " + e.getMessage());
      return ExitCodes.USAGE;
    }
    return run(settings, refine);
  }

  private Map<String, String> flags() {
    Map<String, String> flags = new LinkedHashMap<>();
    put(flags, "kafka", kafka);
    put(flags, "input", input);
    put(flags, "output", output);
    put(flags, "replication_factor", replicationFactor);
    put(flags, "dedup_window", dedupWindow);
    put(flags, "reorder", reorder);
    put(flags, "port", port);
    put(flags, "bind", bind);
    put(flags, "state_dir", stateDir);
    put(flags, "application_id", applicationId);
    return flags;
  }

  private static void put(Map<String, String> flags, String key, String value) {
    if (value != null) flags.put(key, value);
  }

  /** Runs until SIGTERM/SIGINT (exit 0 once closed) or a fatal Kafka Streams error (exit 1). */
  static int run(RefineSettings s, RefineConfig config) throws Exception {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    try (CommandMeters commandMeters = CommandMeters.bind(registry, "refine", Tributary.VERSION)) {
      return run(s, config, registry);
    }
  }

  private static int run(RefineSettings s, RefineConfig config, PrometheusMeterRegistry registry) throws Exception {
    Refiner refiner = Refiner.start(config, registry);
    StatusServer status;
    try {
      status = StatusServer.start("refine", s.bind(), s.port(), registry, routes -> routes
          .liveness("streams", () -> liveness(refiner.state()))
          .readiness("streams", () -> readiness(refiner)));
    } catch (StatusServer.StatusServerException e) {
      refiner.close(s.closeTimeout());
      throw e;
    }
    log.info("tributary refine: health and metrics on http://{}:{}", s.bind(), status.port());
    CompletableFuture<Integer> exit = new CompletableFuture<>();
    ShutdownSignals.install(() -> {
      boolean closed = refiner.close(s.closeTimeout());
      if (closed) {
        log.info("refine closed: processed records committed");
      } else {
        log.warn("refine did not close within {} s; its open transaction is aborted and redone by the next owner",
            s.closeTimeout().toSeconds());
      }
      exit.complete(closed ? ExitCodes.OK : ExitCodes.FAILURE);
    }, "committing and closing Kafka Streams (send it again to stop at once)",
        "stopping now; the open transaction is aborted and redone by the next owner of its partitions");
    refiner.failure().thenAccept(e -> exit.complete(ExitCodes.FAILURE));
    int code = exit.join();
    status.close();
    if (code != ExitCodes.OK && refiner.failure().isDone()) refiner.close(s.closeTimeout());
    return code;
  }

  /** Live unless Kafka Streams stopped on an error: a restart is what cures that. */
  private static CheckResult liveness(KafkaStreams.State state) {
    Map<String, Object> details = Map.of("state", state.name());
    boolean failed = state == KafkaStreams.State.ERROR || state == KafkaStreams.State.PENDING_ERROR;
    return failed ? CheckResult.failing("Kafka Streams stopped on an error; see the log", details) : CheckResult.ok(details);
  }

  /** Ready while processing; waiting for Kafka or the input, starting, restoring state and rebalancing are not ready. */
  private static CheckResult readiness(Refiner refiner) {
    KafkaStreams.State state = refiner.state();
    Map<String, Object> details = Map.of("state", state.name());
    Optional<String> waiting = refiner.waitingFor();
    if (waiting.isPresent()) return CheckResult.failing(waiting.get(), details);
    return state == KafkaStreams.State.RUNNING ? CheckResult.ok(details)
        : CheckResult.failing("Kafka Streams is " + state + ", not RUNNING (starting, restoring state or rebalancing)", details);
  }
}
