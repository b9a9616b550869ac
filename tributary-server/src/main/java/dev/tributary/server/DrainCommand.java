package dev.tributary.server;

import dev.tributary.kafka.ForwarderConfig;
import dev.tributary.kafka.SpoolForwarder;
import dev.tributary.spool.Spool;
import dev.tributary.spool.SpoolConfig;
import dev.tributary.spool.SpoolLockedException;
import dev.tributary.spool.SpoolUsage;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
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
        "SIGTERM/Ctrl-C stops; what Kafka confirmed stays acknowledged and a new run continues from there.",
        "Exit status: 0 fully drained (or --watch stopped), 1 refused or failed (e.g. the spool's owner is alive), 75 not fully drained (the spool is intact)."})
final class DrainCommand implements Callable<Integer> {
  private static final Logger log = LoggerFactory.getLogger(DrainCommand.class);
  private static final String LOCK_FILE = "spool.lock";
  private static final String CURSORS_DIR = "cursors";
  private static final String CURSOR_SUFFIX = ".cursor";
  private static final Pattern SEGMENT = Pattern.compile("\\d{20}\\.seg");
  private static final Duration POLL = Duration.ofMillis(200);

  @Spec CommandSpec spec;

  @ArgGroup(exclusive = true, multiplicity = "1") Target target;

  static final class Target {
    @Option(names = "--spool", paramLabel = "DIR", required = true, description = "the spool directory of a dead node (its <data-dir>/spool)")
    Path spool;
    @Option(names = "--watch", paramLabel = "ROOT", required = true, description = "keep draining every unheld spool that appears under ROOT")
    Path watch;
  }

  @Option(names = "--kafka", paramLabel = "BOOTSTRAP", required = true, description = "Kafka bootstrap servers, host:port[,host:port...]")
  String kafka;

  @Option(names = "--topic", defaultValue = ForwarderConfig.DEFAULT_TOPIC,
      description = "topic, or a template like events.{event} (default: ${DEFAULT-VALUE}); use what the node used")
  String topic;

  @Option(names = "--dead-letters", paramLabel = "DIR",
      description = "dead-letter spool for records Kafka refuses (default: dead-letters beside the spool directory)")
  Path deadLetters;

  @Option(names = "--node-id", description = "capture_node header (default: the spool directory's name, or its parent's when it is named 'spool')")
  String nodeId;

  @Option(names = "--drain-timeout", paramLabel = "DURATION", converter = DurationConverter.class,
      description = "give up on a spool after this long, e.g. 90s, 10m (default: no limit)")
  Duration drainTimeout;

  @Option(names = "--remove", description = "once fully drained, delete the spool's files and its directory when nothing else is in it")
  boolean remove;

  @Option(names = "--scan-interval", paramLabel = "DURATION", converter = DurationConverter.class, defaultValue = "5s",
      description = "with --watch: how often ROOT is scanned (default: ${DEFAULT-VALUE})")
  Duration scanInterval;

  @Option(names = "--producer-property", paramLabel = "KEY=VALUE", description = "a Kafka producer property, applied last (e.g. security settings)")
  Map<String, String> producerProperties = new LinkedHashMap<>();

  private final CountDownLatch stop = new CountDownLatch(1);
  private volatile String stopReason;

  /** Stops the drain or the watch as SIGTERM does: what Kafka confirmed is acknowledged, the rest stays. */
  void stop(String reason) {
    stopReason = reason;
    stop.countDown();
  }

  private boolean stopped() {
    return stop.getCount() == 0;
  }

  @Override
  public Integer call() throws Exception {
    Map<Signal, SignalHandler> previous = installSignals();
    try {
      return target.spool != null ? drainOnce(target.spool) : watch(target.watch);
    } finally {
      previous.forEach(Signal::handle);
    }
  }

  private int drainOnce(Path dir) {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    String refusal = refusal(dir);
    if (refusal != null) {
      err.println("tributary drain: " + refusal);
      return ExitCodes.FAILURE;
    }
    Outcome o;
    try {
      o = drain(dir, new Progress(err));
    } catch (SpoolLockedException e) {
      err.println("tributary drain: spool " + dir + " is held by a live process (" + holder(dir)
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
    log.info("watching {} for orphaned spools every {} s (Kafka at {})", root, scanInterval.toSeconds(), kafka);
    Map<Path, String> settled = new HashMap<>();
    Set<Path> heldReported = new HashSet<>();
    while (!stopped()) {
      for (Path dir : candidates(root)) {
        if (stopped()) break;
        drainIfChanged(dir, settled, heldReported);
      }
      stop.await(scanInterval.toMillis(), TimeUnit.MILLISECONDS);
    }
    log.info("watch of {} stopped ({})", root, stopReason);
    return ExitCodes.OK;
  }

  /**
   * Drains {@code dir} unless it looks as it did when last fully drained: reopening a drained
   * spool every scan would only fill the log. A held spool is tried again every scan (the lock
   * costs nothing) but reported once.
   */
  private void drainIfChanged(Path dir, Map<Path, String> settled, Set<Path> heldReported) {
    String signature = signature(dir);
    if (signature.equals(settled.get(dir))) return;
    try {
      Outcome o = drain(dir, Progress.NONE);
      heldReported.remove(dir);
      log.info(o.summary());
      if (o.drained()) settled.put(dir, signature(dir));
    } catch (SpoolLockedException e) {
      if (heldReported.add(dir)) log.info("spool {} is held by a live process ({}); skipped while it is", dir, holder(dir));
    } catch (IOException | RuntimeException e) {
      log.warn("could not drain spool {}; trying again at the next scan", dir, e);
    }
  }

  /** Spool directories at depth 1 or 2 under {@code root}, except dead-letter spools and our own dead-letter directory. */
  private List<Path> candidates(Path root) {
    List<Path> out = new ArrayList<>();
    for (Path child : directories(root)) {
      if (looksLikeSpool(child)) {
        out.add(child);
      } else {
        for (Path grandchild : directories(child)) if (looksLikeSpool(grandchild)) out.add(grandchild);
      }
    }
    out.removeIf(d -> isDeadLetterSpool(d) || (deadLetters != null && d.toAbsolutePath().normalize().equals(deadLetters.toAbsolutePath().normalize())));
    return out;
  }

  private static List<Path> directories(Path dir) {
    List<Path> out = new ArrayList<>();
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir, Files::isDirectory)) {
      entries.forEach(out::add);
    } catch (IOException e) {
      log.debug("cannot list {}", dir, e);
    }
    out.sort(null);
    return out;
  }

  private static boolean looksLikeSpool(Path dir) {
    return Files.exists(dir.resolve(LOCK_FILE)) || !segmentFiles(dir).isEmpty();
  }

  /** The forwarder's dead-letter spool has a {@code replay} cursor from its first open; forwarding it would send wrappers, not events. */
  private static boolean isDeadLetterSpool(Path dir) {
    return Files.exists(dir.resolve(CURSORS_DIR).resolve("replay" + CURSOR_SUFFIX));
  }

  private static List<Path> segmentFiles(Path dir) {
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(f -> SEGMENT.matcher(f.getFileName().toString()).matches()).sorted().toList();
    } catch (IOException e) {
      return List.of();
    }
  }

  private static String signature(Path dir) {
    StringBuilder s = new StringBuilder();
    for (Path f : segmentFiles(dir)) {
      try {
        s.append(f.getFileName()).append(':').append(Files.size(f)).append(';');
      } catch (IOException e) {
        s.append(f.getFileName()).append(":?;");
      }
    }
    return s.toString();
  }

  /** Why {@code dir} cannot be drained at all, or null. Checked before opening, which would create a spool. */
  private static String refusal(Path dir) {
    if (!Files.isDirectory(dir)) return "no spool at " + dir + " (not a directory)";
    if (!looksLikeSpool(dir)) return dir + " is not a spool directory (no segment files, no " + LOCK_FILE + ")";
    if (isDeadLetterSpool(dir)) return dir + " is a dead-letter spool; use 'tributary dead-letters replay --dir " + dir + "'";
    return null;
  }

  private static String holder(Path dir) {
    try {
      String pid = Files.readString(dir.resolve(LOCK_FILE)).trim();
      return pid.isEmpty() ? "unknown PID" : "PID " + pid;
    } catch (IOException e) {
      return "unknown PID";
    }
  }

  private Outcome drain(Path dir, Progress progress) throws IOException {
    long started = System.nanoTime();
    Path dead = deadLetters != null ? deadLetters : siblingOf(dir, "dead-letters");
    ForwarderConfig config = ForwarderConfig.defaults(kafka, dead).withTopic(topic)
        .withNodeId(nodeId != null ? nodeId : nodeIdOf(dir)).withProducerProperties(producerProperties);
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    String why;
    SpoolUsage.CursorLag before, after;
    List<SpoolUsage.CursorLag> othersBehind;
    try (Spool spool = Spool.open(SpoolConfig.defaults(dir))) {
      SpoolForwarder forwarder;
      try {
        forwarder = SpoolForwarder.start(spool, config, registry);
      } catch (SpoolLockedException e) {
        throw new IOException("the dead-letter spool " + dead + " is held by a live process (" + holder(dead)
            + "); choose another with --dead-letters", e);
      }
      try {
        before = forwarder.lag();
        why = await(forwarder, before, progress, started);
      } finally {
        forwarder.close();
      }
      after = forwarder.lag();
      othersBehind = spool.usage().cursors().stream()
          .filter(c -> !c.name().equals(SpoolForwarder.CURSOR) && c.records() > 0).toList();
    }
    progress.clear();
    Counter deadCounter = registry.find("tributary.forwarder.dead.letters").counter();
    long deadLettered = deadCounter == null ? 0 : (long) deadCounter.count();
    boolean drained = after.records() == 0;
    String removal = drained ? afterDrain(dir, othersBehind) : null;
    return new Outcome(dir, drained, why, before.records() - after.records(), Math.max(0, before.bytes() - after.bytes()),
        after.records(), after.bytes(), deadLettered, dead, Duration.ofNanos(System.nanoTime() - started), removal);
  }

  /** Waits until the forwarder has everything; returns why it stopped early, or null. */
  private String await(SpoolForwarder forwarder, SpoolUsage.CursorLag before, Progress progress, long started) {
    long deadline = drainTimeout == null ? Long.MAX_VALUE : started + drainTimeout.toNanos();
    try {
      while (true) {
        long asked = System.nanoTime();
        if (forwarder.drain(POLL)) return null;
        if (stopped()) return stopReason;
        if (System.nanoTime() > deadline) {
          return "drain timeout of " + drainTimeout.toSeconds() + " s passed" + (forwarder.kafkaReachable() ? "" : " (Kafka unreachable)");
        }
        // drain() returns before its timeout only when the forwarder thread has ended.
        if (System.nanoTime() - asked < POLL.toNanos() / 2) return "the forwarder stopped on an error (see the log)";
        SpoolUsage.CursorLag now = forwarder.lag();
        progress.show(before, now, forwarder.kafkaReachable(), started);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "interrupted";
    }
  }

  /** What to do with a fully drained spool: remove it with --remove, else say it can go. */
  private String afterDrain(Path dir, List<SpoolUsage.CursorLag> othersBehind) {
    if (!othersBehind.isEmpty()) {
      return "kept: cursor(s) " + othersBehind.stream().map(c -> c.name() + " (" + c.records() + " records behind)").toList()
          + " still need it";
    }
    if (!remove) return "every cursor is at the end: " + dir + " can be removed (or run again with --remove)";
    try {
      return removeSpool(dir);
    } catch (IOException e) {
      return "could not remove " + dir + ": " + e;
    }
  }

  /** Deletes the spool's own files (segments, cursors, lock), then the directory if that left it empty. */
  private static String removeSpool(Path dir) throws IOException {
    for (Path f : segmentFiles(dir)) Files.delete(f);
    Path cursors = dir.resolve(CURSORS_DIR);
    if (Files.isDirectory(cursors)) {
      try (Stream<Path> files = Files.list(cursors)) {
        for (Path f : files.filter(f -> f.getFileName().toString().endsWith(CURSOR_SUFFIX)).toList()) Files.delete(f);
      }
      try (Stream<Path> left = Files.list(cursors)) {
        if (left.findAny().isEmpty()) Files.delete(cursors);
      }
    }
    Files.deleteIfExists(dir.resolve(LOCK_FILE));
    try (Stream<Path> left = Files.list(dir)) {
      List<Path> rest = left.toList();
      if (!rest.isEmpty()) return "removed the spool's files; " + dir + " kept, it also holds " + rest.stream().map(Path::getFileName).toList();
    }
    Files.delete(dir);
    return "removed " + dir;
  }

  private static Path siblingOf(Path dir, String name) {
    Path parent = dir.toAbsolutePath().normalize().getParent();
    return parent == null ? dir.resolve(name) : parent.resolve(name);
  }

  /** The dead node's id, from where its spool lives: {@code .../node-7/spool} or {@code .../node-7}. */
  static String nodeIdOf(Path dir) {
    Path abs = dir.toAbsolutePath().normalize();
    Path name = abs.getFileName();
    if (name != null && name.toString().equals("spool") && abs.getParent() != null && abs.getParent().getFileName() != null) {
      return abs.getParent().getFileName().toString();
    }
    return name == null ? "unknown" : name.toString();
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

  /** What one drain did. {@code why} says why it stopped early (null when drained). */
  record Outcome(Path dir, boolean drained, String why, long records, long bytes, long recordsLeft, long bytesLeft,
                 long deadLetters, Path deadLetterDir, Duration took, String removal) {

    String summary() {
      double seconds = Math.max(took.toNanos() / 1e9, 1e-3);
      String moved = String.format("%,d records (%s) in %.1f s (%,.0f records/s, %s/s); %,d dead letter(s)%s",
          records, mib(bytes), seconds, records / seconds, mib((long) (bytes / seconds)), deadLetters,
          deadLetters > 0 ? " in " + deadLetterDir + " (tributary dead-letters list --dir " + deadLetterDir + ")" : "");
      if (drained) return "drained spool " + dir + ": " + moved + ". " + removal;
      return "spool " + dir + " NOT fully drained (" + why + "): " + moved + "; " + String.format("%,d records (%s) left",
          recordsLeft, mib(bytesLeft)) + ". The spool is intact: run drain again to continue.";
    }

    private static String mib(long bytes) {
      return String.format("%.1f MiB", bytes / (1024.0 * 1024));
    }
  }

  /** A one-line progress bar on stderr, only when it is a terminal. */
  static class Progress {
    static final Progress NONE = new Progress(null);
    private final PrintWriter err;
    private boolean drawn;

    Progress(PrintWriter err) {
      this.err = System.console() != null ? err : null;
    }

    void show(SpoolUsage.CursorLag before, SpoolUsage.CursorLag now, boolean kafkaReachable, long started) {
      if (err == null) return;
      long done = before.records() - now.records();
      int pct = before.records() == 0 ? 100 : (int) (100 * done / before.records());
      double seconds = Math.max((System.nanoTime() - started) / 1e9, 1e-3);
      err.printf("\r[%s%s] %3d%%  %,d / %,d records  %,.0f records/s%s   ", "#".repeat(pct / 4), ".".repeat(25 - pct / 4),
          pct, done, before.records(), done / seconds, kafkaReachable ? "" : "  (Kafka unreachable)");
      err.flush();
      drawn = true;
    }

    void clear() {
      if (err == null || !drawn) return;
      err.print("\r" + " ".repeat(100) + "\r");
      err.flush();
    }
  }

  /** {@code 500ms}, {@code 90s}, {@code 10m}, {@code 2h}. */
  static final class DurationConverter implements ITypeConverter<Duration> {
    private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m|h)");

    @Override
    public Duration convert(String value) {
      Matcher m = DURATION.matcher(value.trim());
      if (!m.matches()) throw new IllegalArgumentException("'" + value + "' is not a duration like 500ms, 90s, 10m or 2h");
      long n = Long.parseLong(m.group(1));
      return switch (m.group(2)) {
        case "ms" -> Duration.ofMillis(n);
        case "s" -> Duration.ofSeconds(n);
        case "m" -> Duration.ofMinutes(n);
        default -> Duration.ofHours(n);
      };
    }
  }
}
