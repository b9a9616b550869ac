package dev.tributary.server;

import dev.tributary.kafka.ForwarderConfig;
import dev.tributary.kafka.OrphanSpoolDrain;
import dev.tributary.kafka.OrphanSpoolWatch;
import dev.tributary.spool.ProgressLine;
import dev.tributary.spool.SpoolFiles;
import dev.tributary.spool.SpoolLockedException;
import dev.tributary.spool.SpoolUsage;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * {@code tributary drain}: forwards to Kafka a spool that a dead node left behind, or, with
 * {@code --watch}, every such spool that appears under a directory. The forwarder's own cursor
 * is used, so a drain stopped at any point resumes where Kafka's confirmations ended.
 */
@Command(name = "drain", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Forward to Kafka a spool left behind by a dead node, then say (or, with --remove, do) what can be removed.",
        "With --watch ROOT: keep scanning ROOT for spools no live process holds (ROOT/<x> or ROOT/<x>/<y>) and drain each.",
        "Settings: defaults < --config file < TRIBUTARY_* environment < flags; see --print-config.",
        "SIGTERM/Ctrl-C stops; what Kafka confirmed stays acknowledged and a new run continues from there.",
        "A drain longer than 2 s gets a progress line on stderr every 2 s (records forwarded of total, records/s, ETA) and a last one; "
            + "stdout keeps only the result.",
        "Exit status: 0 fully drained (or --watch stopped), 1 refused or failed (e.g. the spool's owner is alive), 75 not fully drained (the spool is intact)."})
final class DrainCommand implements Callable<Integer> {
  private static final Logger log = LoggerFactory.getLogger(DrainCommand.class);

  @Spec CommandSpec spec;

  @ArgGroup(exclusive = true, multiplicity = "1") Target target;

  static final class Target {
    @Option(names = "--spool", paramLabel = "DIR", required = true, description = "the spool directory of a dead node (its <data-dir>/spool)")
    Path spool;
    @Option(names = "--watch", paramLabel = "ROOT", required = true, description = "keep draining every unheld spool that appears under ROOT")
    Path watch;
  }

  @Option(names = "--kafka", paramLabel = "BOOTSTRAP", description = "Kafka bootstrap servers, host:port[,host:port...] (required)")
  String kafka;

  @Option(names = "--topic", description = "topic, or a template like events.{event}; use what the node used (default "
      + ForwarderConfig.DEFAULT_TOPIC + ")")
  String topic;

  @Option(names = "--dead-letters", paramLabel = "DIR",
      description = "dead-letter spool for records Kafka refuses (default: dead-letters beside the spool directory)")
  String deadLetters;

  @Option(names = "--node-id", description = "capture_node header (default: the spool directory's name, or its parent's when it is named 'spool')")
  String nodeId;

  @Option(names = "--drain-timeout", paramLabel = "DURATION", description = "give up on a spool after this long, e.g. 90s, 10m (default: no limit)")
  String drainTimeout;

  @Option(names = "--remove", description = "once fully drained, delete the spool's files and its directory when nothing else is in it")
  boolean remove;

  @Option(names = "--scan-interval", paramLabel = "DURATION", description = "with --watch: how often ROOT is scanned (default: 5s)")
  String scanInterval;

  @Option(names = "--producer-property", paramLabel = "KEY=VALUE", description = "a Kafka producer property (repeatable): SASL, TLS...")
  Map<String, String> producerProperties = new LinkedHashMap<>();

  @Option(names = "--config", paramLabel = "FILE", description = "YAML config file (keys as in --print-config)") Path config;
  @Mixin ProgressOption progressOption;
  @Option(names = "--print-config", description = "print the effective settings and where each came from, then exit") boolean printConfig;

  private DrainSettings settings;
  private final CountDownLatch stop = new CountDownLatch(1);
  private volatile String stopReason;

  /** Stops the drain or the watch as SIGTERM does: what Kafka confirmed is acknowledged, the rest stays. */
  void stop(String reason) {
    stopReason = reason;
    stop.countDown();
  }

  @Override
  public Integer call() throws Exception {
    try {
      settings = DrainSettings.resolve(DrainSettings.DRAIN_SCHEMA, config, System.getenv(), flags(), producerProperties);
    } catch (ConfigException e) {
      spec.commandLine().getErr().println("tributary drain: " + e.getMessage());
      return ExitCodes.USAGE;
    }
    if (printConfig) {
      spec.commandLine().getOut().print(settings.describe());
      spec.commandLine().getOut().flush();
      return ExitCodes.OK;
    }
    Map<Signal, SignalHandler> previous = installSignals();
    try {
      return target.spool != null ? drainOnce(target.spool) : watch(target.watch);
    } finally {
      previous.forEach(Signal::handle);
    }
  }

  private OrphanSpoolDrain orphanDrain() {
    return new OrphanSpoolDrain(new OrphanSpoolDrain.Settings(settings.kafka(), settings.topic(), settings.deadLetters(),
        settings.nodeId(), settings.drainTimeout(), settings.producerProperties()),
        remove, () -> stop.getCount() == 0 ? stopReason : null);
  }

  private Map<String, String> flags() {
    Map<String, String> flags = new LinkedHashMap<>();
    String[][] given = {{"kafka", kafka}, {"topic", topic}, {"dead_letters", deadLetters}, {"node_id", nodeId},
        {"drain_timeout", drainTimeout}, {"scan_interval", scanInterval}};
    for (String[] flag : given) if (flag[1] != null) flags.put(flag[0], flag[1]);
    return flags;
  }

  private int drainOnce(Path dir) {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    String refusal = OrphanSpoolDrain.refusal(dir);
    if (refusal != null) {
      err.println("tributary drain: " + refusal);
      return ExitCodes.FAILURE;
    }
    OrphanSpoolDrain.Outcome o;
    RecordsForwarded forwarded = new RecordsForwarded();
    try (ProgressLine progress = progressOption.start(err, "tributary drain", forwarded::reading)) {
      o = orphanDrain().drain(dir, forwarded);
    } catch (SpoolLockedException e) {
      err.println("tributary drain: spool " + dir + " is held by a live process (" + SpoolFiles.holder(dir)
          + "); it is not orphaned. Stop that process first (it forwards or drains the spool itself).");
      return ExitCodes.FAILURE;
    } catch (IOException e) {
      err.println("tributary drain: " + e.getMessage());
      return ExitCodes.FAILURE;
    }
    out.println(o.summary());
    out.flush();
    return o.drained() ? ExitCodes.OK : ExitCodes.DRAIN_INCOMPLETE;
  }

  private int watch(Path root) throws InterruptedException {
    if (!Files.isDirectory(root)) {
      spec.commandLine().getErr().println("tributary drain: --watch " + root + " is not a directory");
      return ExitCodes.FAILURE;
    }
    log.info("watching {} for orphaned spools every {} s (Kafka at {})", root, settings.scanInterval().toSeconds(), settings.kafka());
    new OrphanSpoolWatch(orphanDrain(), root, settings.deadLetters()).run(settings.scanInterval(), stop);
    log.info("watch of {} stopped ({})", root, stopReason);
    return ExitCodes.OK;
  }

  /** SIGTERM and SIGINT stop gracefully; a second one halts (the spool is durable, so even that loses nothing). */
  private Map<Signal, SignalHandler> installSignals() {
    AtomicInteger received = new AtomicInteger();
    SignalHandler handler = signal -> {
      if (received.incrementAndGet() == 1) {
        log.info("SIG{} received: stopping; what Kafka confirmed stays acknowledged (send it again to stop at once)", signal.getName());
        stop("SIG" + signal.getName());
      } else {
        Runtime.getRuntime().halt(ExitCodes.DRAIN_INCOMPLETE);
      }
    };
    Map<Signal, SignalHandler> previous = new HashMap<>();
    for (String name : List.of("TERM", "INT")) {
      Signal s = new Signal(name);
      previous.put(s, Signal.handle(s, handler));
    }
    return previous;
  }

  /** How far the drain is, for the progress thread. */
  private static final class RecordsForwarded implements OrphanSpoolDrain.Progress {
    private volatile ProgressLine.Reading reading = ProgressLine.Reading.of(0, -1, "records");

    @Override
    public void show(SpoolUsage.CursorLag before, SpoolUsage.CursorLag now, boolean kafkaReachable) {
      ProgressLine.Reading r = ProgressLine.Reading.of(before.records() - now.records(), before.records(), "records");
      reading = kafkaReachable ? r : r.and("Kafka unreachable");
    }

    ProgressLine.Reading reading() {
      return reading;
    }
  }
}
