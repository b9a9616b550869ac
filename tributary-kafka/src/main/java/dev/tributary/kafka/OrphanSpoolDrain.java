package dev.tributary.kafka;

import dev.tributary.spool.Quantity;
import dev.tributary.spool.Spool;
import dev.tributary.spool.SpoolConfig;
import dev.tributary.spool.SpoolFiles;
import dev.tributary.spool.SpoolLockedException;
import dev.tributary.spool.SpoolUsage;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Forwards to Kafka a spool that a dead node left behind, through the forwarder's own cursor, so
 * a drain stopped at any point resumes where Kafka's confirmations ended. What Kafka refuses goes
 * to a dead-letter spool beside it.
 */
public final class OrphanSpoolDrain {
  private static final Duration POLL = Duration.ofMillis(200);

  /**
   * What to drain to. {@code deadLetters}, {@code nodeId} and {@code timeout} may be null: a
   * {@code dead-letters} directory beside the spool, the node's id from the spool's path, no limit.
   */
  public record Settings(String kafka, String topic, Path deadLetters, String nodeId, Duration timeout,
                         Map<String, String> producerProperties) {}

  /** Told of the drain's progress every 200 ms. */
  public interface Progress {
    Progress NONE = (before, now, kafkaReachable) -> {};

    void show(SpoolUsage.CursorLag before, SpoolUsage.CursorLag now, boolean kafkaReachable);
  }

  /** What one drain did. {@code why} says why it stopped early (null when drained). */
  public record Outcome(Path dir, boolean drained, String why, long records, long bytes, long recordsLeft, long bytesLeft,
                        long deadLetters, Path deadLetterDir, Duration took, String removal) {

    public String summary() {
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

  private final Settings settings;
  private final boolean remove;
  private final Supplier<String> stopReason;

  /**
   * @param remove delete a fully drained spool's files when no other cursor still needs them
   * @param stopReason why the drain must stop now, or null while it may go on (polled)
   */
  public OrphanSpoolDrain(Settings settings, boolean remove, Supplier<String> stopReason) {
    this.settings = settings;
    this.remove = remove;
    this.stopReason = stopReason;
  }

  /** Why {@code dir} cannot be drained at all, or null. Checked before opening, which would create a spool. */
  public static String refusal(Path dir) {
    if (!Files.isDirectory(dir)) return "no spool at " + dir + " (not a directory)";
    if (!SpoolFiles.isSpool(dir)) return dir + " is not a spool directory (no segment files, no lock file)";
    if (isDeadLetterSpool(dir)) return dir + " is a dead-letter spool; use 'tributary dead-letters replay --dir " + dir + "'";
    return null;
  }

  /** The forwarder's dead-letter spool has a replay cursor from its first open; forwarding it would send wrappers, not events. */
  static boolean isDeadLetterSpool(Path dir) {
    return SpoolFiles.hasCursor(dir, DeadLetters.REPLAY_CURSOR);
  }

  /** Drains {@code dir} until Kafka has all of it, the timeout passes or a stop is asked. */
  public Outcome drain(Path dir, Progress progress) throws IOException {
    long started = System.nanoTime();
    Path dead = deadLetterDir(dir);
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    String why;
    SpoolUsage.CursorLag before;
    SpoolUsage.CursorLag after;
    List<SpoolUsage.CursorLag> othersBehind;
    try (Spool spool = Spool.open(SpoolConfig.defaults(dir))) {
      SpoolForwarder forwarder = startForwarder(spool, dir, dead, registry);
      try {
        before = forwarder.lag();
        why = await(forwarder, before, progress, started);
      } finally {
        forwarder.close();
      }
      after = forwarder.lag();
      progress.show(before, after, forwarder.kafkaReachable());
      othersBehind = spool.usage().cursors().stream()
          .filter(c -> !c.name().equals(SpoolForwarder.CURSOR) && c.records() > 0).toList();
    }
    Counter deadCounter = registry.find("tributary.forwarder.dead.letters").counter();
    long deadLettered = deadCounter == null ? 0 : (long) deadCounter.count();
    boolean drained = after.records() == 0;
    String removal = drained ? afterDrain(dir, othersBehind) : null;
    return new Outcome(dir, drained, why, before.records() - after.records(), Math.max(0, before.bytes() - after.bytes()),
        after.records(), after.bytes(), deadLettered, dead, Duration.ofNanos(System.nanoTime() - started), removal);
  }

  Path deadLetterDir(Path dir) {
    if (settings.deadLetters() != null) return settings.deadLetters();
    Path parent = dir.toAbsolutePath().normalize().getParent();
    return parent == null ? dir.resolve("dead-letters") : parent.resolve("dead-letters");
  }

  private SpoolForwarder startForwarder(Spool spool, Path dir, Path dead, SimpleMeterRegistry registry) throws IOException {
    ForwarderConfig config = ForwarderConfig.defaults(settings.kafka(), dead).withTopic(settings.topic())
        .withNodeId(settings.nodeId() != null ? settings.nodeId() : nodeIdOf(dir))
        .withProducerProperties(settings.producerProperties());
    try {
      return SpoolForwarder.start(spool, config, registry);
    } catch (SpoolLockedException e) {
      throw new IOException("the dead-letter spool " + dead + " is held by a live process (" + SpoolFiles.holder(dead)
          + "); choose another with --dead-letters", e);
    }
  }

  /** Waits until the forwarder has everything; returns why it stopped early, or null. */
  private String await(SpoolForwarder forwarder, SpoolUsage.CursorLag before, Progress progress, long started) {
    Duration timeout = settings.timeout();
    long deadline = timeout == null ? Long.MAX_VALUE : started + timeout.toNanos();
    try {
      while (true) {
        long asked = System.nanoTime();
        if (forwarder.drain(POLL)) return null;
        String stop = stopReason.get();
        if (stop != null) return stop;
        if (System.nanoTime() > deadline) {
          return "drain timeout of " + timeout.toSeconds() + " s passed" + (forwarder.kafkaReachable() ? "" : " (Kafka unreachable)");
        }
        // drain() returns before its timeout only when the forwarder thread has ended.
        if (System.nanoTime() - asked < POLL.toNanos() / 2) return "the forwarder stopped on an error (see the log)";
        progress.show(before, forwarder.lag(), forwarder.kafkaReachable());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "interrupted";
    }
  }

  /** What to do with a fully drained spool: remove it when asked, else say it can go. */
  private String afterDrain(Path dir, List<SpoolUsage.CursorLag> othersBehind) {
    if (!othersBehind.isEmpty()) {
      return "kept: cursor(s) " + othersBehind.stream().map(c -> c.name() + " (" + Quantity.of(c.records(), "record") + " behind)").toList()
          + " still need it";
    }
    if (!remove) return "every cursor is at the end: " + dir + " can be removed (or run again with --remove)";
    try {
      return SpoolFiles.remove(dir);
    } catch (IOException e) {
      return "could not remove " + dir + ": " + e;
    }
  }

  /** The dead node's id, from where its spool lives: {@code .../node-7/spool} or {@code .../node-7}. */
  public static String nodeIdOf(Path dir) {
    Path abs = dir.toAbsolutePath().normalize();
    Path name = abs.getFileName();
    if (name != null && name.toString().equals("spool") && abs.getParent() != null && abs.getParent().getFileName() != null) {
      return abs.getParent().getFileName().toString();
    }
    return name == null ? "unknown" : name.toString();
  }
}
