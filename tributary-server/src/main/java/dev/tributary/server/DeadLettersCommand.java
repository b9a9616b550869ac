package dev.tributary.server;

import dev.tributary.kafka.DeadLetter;
import dev.tributary.kafka.DeadLetters;
import dev.tributary.kafka.ForwarderConfig;
import dev.tributary.spool.ProgressLine;
import dev.tributary.spool.SpoolLockedException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code tributary dead-letters list|show|replay --dir DIR}: the records Kafka refused for good.
 * The dead-letter spool is opened exclusively, so these run while no server forwards into it.
 */
@Command(name = "dead-letters", mixinStandardHelpOptions = true,
    description = {"Look at and replay the records Kafka refused for good (too large, invalid topic, not authorized).",
        "DIR is the forwarder's dead-letter spool; the server (or drain) that writes it must be stopped first.",
        "Settings (--dir, and replay's --kafka, --topic, --producer-property): defaults < --config file < TRIBUTARY_* environment < flags; one file serves all three subcommands."},
    subcommands = {DeadLettersCommand.ListLetters.class, DeadLettersCommand.Show.class, DeadLettersCommand.Replay.class})
final class DeadLettersCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /**
   * The settings every subcommand reads ({@code --dir} over the file and the environment), and
   * opening the directory with clear refusals.
   */
  static final class DeadLetterDir {
    @Option(names = {"--dir", "--dead-letters"}, paramLabel = "DIR",
        description = "the dead-letter spool directory (required; key dead_letters)")
    String dirFlag;
    @Option(names = "--config", paramLabel = "FILE", description = "YAML config file (keys as in --print-config)") Path config;
    @Option(names = "--print-config", description = "print the effective settings and where each came from, then exit") boolean printConfig;

    Path dir;
    int exit;

    /**
     * The settings, with {@code flags} (by key) and {@code producerFlags} over the file and the
     * environment; null once {@code --print-config} has printed them or a bad setting has been
     * reported: the caller then exits with {@link #exit}.
     */
    DrainSettings resolve(CommandSpec spec, Map<String, String> flags, Map<String, String> producerFlags, boolean toKafka) {
      Map<String, String> given = new LinkedHashMap<>(flags);
      if (dirFlag != null) given.put("dead_letters", dirFlag);
      DrainSettings settings;
      try {
        var schema = DrainSettings.DEAD_LETTERS_SCHEMA;
        settings = toKafka ? DrainSettings.resolve(schema, config, System.getenv(), given, producerFlags)
            : DrainSettings.resolveWithoutKafka(schema, config, System.getenv(), given, producerFlags);
        if (settings.deadLetters() == null) {
          throw new ConfigException("dead_letters is not set; set it (--dir, TRIBUTARY_DEAD_LETTERS or 'dead_letters:' in the config file)");
        }
      } catch (ConfigException e) {
        spec.commandLine().getErr().println(spec.qualifiedName() + ": " + e.getMessage());
        exit = ExitCodes.USAGE;
        return null;
      }
      if (printConfig) {
        spec.commandLine().getOut().print(settings.describe());
        spec.commandLine().getOut().flush();
        exit = ExitCodes.OK;
        return null;
      }
      dir = settings.deadLetters();
      return settings;
    }

    /** Opens the spool, or returns empty after saying on {@code err} why it cannot. */
    Optional<DeadLetters> open(PrintWriter err, String command) throws IOException {
      String refusal = refusal();
      if (refusal == null) {
        try {
          return Optional.of(DeadLetters.open(dir));
        } catch (SpoolLockedException e) {
          refusal = "dead letters in " + dir + " are held by a running process (" + holder()
              + "): the server or drain that forwards into them. Stop it first; its /metrics show the count meanwhile.";
        }
      }
      err.println("tributary dead-letters " + command + ": " + refusal);
      err.flush();
      return Optional.empty();
    }

    /** Checked before opening, which would create an empty spool. */
    private String refusal() throws IOException {
      if (!Files.isDirectory(dir)) return "no dead letters at " + dir + " (not a directory)";
      if (Files.exists(dir.resolve("cursors").resolve("forwarder.cursor"))) {
        return dir + " is a capture spool, not a dead-letter spool (see 'tributary drain')";
      }
      try (Stream<Path> files = Files.list(dir)) {
        if (files.noneMatch(f -> f.getFileName().toString().endsWith(".seg"))) return dir + " is not a spool directory (no segment files)";
      }
      return null;
    }

    private String holder() {
      try {
        String pid = Files.readString(dir.resolve("spool.lock")).trim();
        return pid.isEmpty() ? "unknown PID" : "PID " + pid;
      } catch (IOException e) {
        return "unknown PID";
      }
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "The dead letters not yet replayed, oldest first.")
  static final class ListLetters implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin DeadLetterDir dir;
    @Option(names = "--limit", defaultValue = "100", description = "show at most this many (default: ${DEFAULT-VALUE})") int limit;

    @Override
    public Integer call() throws IOException {
      if (dir.resolve(spec, Map.of(), Map.of(), false) == null) return dir.exit;
      Optional<DeadLetters> opened = dir.open(spec.commandLine().getErr(), "list");
      if (opened.isEmpty()) return ExitCodes.FAILURE;
      try (DeadLetters letters = opened.get()) {
        PrintWriter out = spec.commandLine().getOut();
        List<DeadLetter> list = letters.list(Math.max(1, limit));
        out.printf("%-8s %-24s %-24s %10s %12s  %-26s %s%n", "OFFSET", "DEAD AT", "TOPIC", "BYTES", "SPOOL OFFSET", "ERROR", "REASON");
        for (DeadLetter d : list) {
          out.printf("%-8d %-24s %-24s %10d %12d  %-26s %s%n", d.offset(), d.deadAt().truncatedTo(ChronoUnit.MILLIS), d.topic(), d.payload().length,
              d.spoolOffset(), simpleName(d.error()), d.reason());
        }
        long count = letters.count();
        out.printf("%,d dead letter(s)%s in %s%n", count, count > list.size() ? ", first " + list.size() + " shown" : "", dir.dir);
        out.flush();
        return ExitCodes.OK;
      }
    }
  }

  @Command(name = "show", mixinStandardHelpOptions = true, description = "One dead letter: where it came from, Kafka's reason, and the event itself.")
  static final class Show implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin DeadLetterDir dir;
    @Parameters(paramLabel = "OFFSET", description = "its offset, as 'list' shows it") long offset;

    @Override
    public Integer call() throws IOException {
      if (dir.resolve(spec, Map.of(), Map.of(), false) == null) return dir.exit;
      Optional<DeadLetters> opened = dir.open(spec.commandLine().getErr(), "show");
      if (opened.isEmpty()) return ExitCodes.FAILURE;
      try (DeadLetters letters = opened.get()) {
        Optional<DeadLetter> found = letters.show(offset);
        if (found.isEmpty()) {
          spec.commandLine().getErr().println("tributary dead-letters show: no dead letter at offset " + offset + " in " + dir.dir
              + " (replayed already, or never there; see 'list')");
          return ExitCodes.FAILURE;
        }
        DeadLetter d = found.get();
        PrintWriter out = spec.commandLine().getOut();
        out.println("offset:        " + d.offset());
        out.println("dead at:       " + d.deadAt());
        out.println("spool offset:  " + d.spoolOffset());
        out.println("topic:         " + d.topic());
        out.println("error:         " + d.error());
        out.println("reason:        " + d.reason());
        out.println("bytes:         " + d.payload().length);
        out.println();
        out.println(d.payloadText());
        out.flush();
        return ExitCodes.OK;
      }
    }
  }

  @Command(name = "replay", mixinStandardHelpOptions = true,
      description = {"Send every dead letter to Kafka again, one at a time (e.g. after raising the topic's max.message.bytes).",
          "One refused again is set aside again with the new reason; exit 1 when any was.",
          "A replay longer than 2 s gets a progress line on stderr every 2 s (replayed of total, records/s, ETA, refused again) "
              + "and a last one; stdout keeps only the result."})
  static final class Replay implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin DeadLetterDir dir;
    @Mixin ProgressOption progressOption;
    @Option(names = "--kafka", paramLabel = "BOOTSTRAP", description = "Kafka bootstrap servers (required)") String kafka;
    @Option(names = "--topic", description = "topic or template like events.{event}, as the forwarder had it (default: "
        + ForwarderConfig.DEFAULT_TOPIC + ")") String topic;
    @Option(names = "--producer-property", paramLabel = "KEY=VALUE", description = "a Kafka producer property (repeatable): SASL, TLS...")
    Map<String, String> producerProperties = new LinkedHashMap<>();

    @Override
    public Integer call() throws IOException {
      PrintWriter err = spec.commandLine().getErr();
      Map<String, String> flags = new LinkedHashMap<>();
      if (kafka != null) flags.put("kafka", kafka);
      if (topic != null) flags.put("topic", topic);
      DrainSettings settings = dir.resolve(spec, flags, producerProperties, true);
      if (settings == null) return dir.exit;
      Optional<DeadLetters> opened = dir.open(err, "replay");
      if (opened.isEmpty()) return ExitCodes.FAILURE;
      try (DeadLetters letters = opened.get()) {
        long before = letters.count();
        ForwarderConfig forwarder = ForwarderConfig.defaults(settings.kafka(), dir.dir).withTopic(settings.topic())
            .withProducerProperties(settings.producerProperties());
        long started = System.nanoTime();
        DeadLetters.ReplayResult r;
        AtomicReference<DeadLetters.ReplayResult> sofar = new AtomicReference<>(new DeadLetters.ReplayResult(0, 0));
        try (ProgressLine progress = progressOption.start(err, "tributary dead-letters replay", () -> {
          DeadLetters.ReplayResult now = sofar.get();
          return ProgressLine.Reading.of(now.delivered() + now.deadAgain(), before, "records").and(now.deadAgain() + " refused again");
        })) {
          r = letters.replay(forwarder, sofar::set);
        } catch (IOException e) {
          err.println("tributary dead-letters replay: " + e.getMessage() + "; " + letters.count()
              + " dead letter(s) left in " + dir.dir + " (the replayed ones are acknowledged)");
          return ExitCodes.FAILURE;
        }
        spec.commandLine().getOut().printf("replayed %,d of %,d dead letter(s) in %.1f s: %,d delivered to Kafka, %,d refused again%s; %,d left in %s%n", r.delivered() + r.deadAgain(), before,
            (System.nanoTime() - started) / 1e9, r.delivered(), r.deadAgain(),
            r.deadAgain() > 0 ? " (set aside again with the new reason: see 'list')" : "", letters.count(), dir.dir);
        spec.commandLine().getOut().flush();
        return r.deadAgain() == 0 ? ExitCodes.OK : ExitCodes.FAILURE;
      }
    }
  }

  private static String simpleName(String className) {
    return className.substring(className.lastIndexOf('.') + 1);
  }
}
