package dev.tributary.server;

import dev.tributary.journal.AppendMetadata;
import dev.tributary.journal.Event;
import dev.tributary.journal.EventLines;
import dev.tributary.journal.Journal;
import dev.tributary.journal.Journals;
import dev.tributary.journal.JournalsConfig;
import dev.tributary.journal.PartitionOffset;
import dev.tributary.journal.PurgeExpired;
import dev.tributary.journal.Replicator;
import dev.tributary.journal.ReplicatorConfig;
import dev.tributary.status.CheckResult;
import dev.tributary.status.CommandMeters;
import dev.tributary.status.StatusServer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code tributary journal ...}: the event-sourcing journal on Kafka with its read store in PostgreSQL or Cassandra. */
@Command(name = "journal", mixinStandardHelpOptions = true,
    description = {"Event-sourcing journals on Kafka (kafka-journal's wire format) with a read store in PostgreSQL (--postgres) or Cassandra (--cassandra, kafka-journal's tables).",
        "Run 'journal replicate' somewhere to copy the topics into the store; the other commands work without it (reads merge the store with the unreplicated Kafka head). See docs/journal.md.",
        "Settings (connections, --topic, --topics, --group, --purge-expired-every): defaults < --config file < TRIBUTARY_* environment < flags; see --print-config. Per-call arguments (--id, --from, --to, --expire-after, --head-cache, standard input) are flags only.",
        "Passwords: --postgres-password-file or TRIBUTARY_POSTGRES_PASSWORD; --cassandra-password-file or TRIBUTARY_CASSANDRA_PASSWORD."},
    subcommands = {JournalCommand.Replicate.class, JournalCommand.Append.class, JournalCommand.Read.class,
        JournalCommand.Pointer.class, JournalCommand.Delete.class, JournalCommand.Purge.class})
final class JournalCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /**
   * Where the journal is: flags over {@link JournalSettings}' other layers. {@link #resolve}
   * returns null once {@code --print-config} has printed them, or once a bad setting has been
   * reported: the caller then exits with {@link #exit}.
   */
  static final class Connection {
    @Option(names = "--kafka", paramLabel = "BOOTSTRAP", description = "Kafka bootstrap servers, host:port[,...] (required)")
    String kafka;

    @Option(names = "--postgres", paramLabel = "JDBC_URL", description = {"the read store in PostgreSQL (this or --cassandra), e.g.",
        "jdbc:postgresql://localhost:5432/app?user=app"})
    String postgres;

    @Option(names = "--cassandra", paramLabel = "HOST:PORT[,...]",
        description = "the read store in Cassandra, in kafka-journal's tables (this or --postgres)")
    String cassandra;

    @Option(names = "--keyspace", description = "Cassandra: the keyspace (default journal)")
    String keyspace;

    @Option(names = "--local-dc", paramLabel = "DC", description = "Cassandra: the local datacenter (default datacenter1)")
    String localDc;

    @Option(names = "--cassandra-username", paramLabel = "USER", description = "Cassandra: the user, with --cassandra-password-file")
    String cassandraUsername;

    @Option(names = "--cassandra-password-file", paramLabel = "FILE",
        description = "a file holding the Cassandra password (or TRIBUTARY_CASSANDRA_PASSWORD)")
    String cassandraPasswordFile;

    @Option(names = "--cassandra-migrate", description = "Cassandra: upgrade tables of an older kafka-journal schema version")
    boolean cassandraMigrate;

    @Option(names = "--postgres-password-file", paramLabel = "FILE",
        description = "a file holding the PostgreSQL password (or TRIBUTARY_POSTGRES_PASSWORD)")
    String postgresPasswordFile;

    @Option(names = "--kafka-property", paramLabel = "KEY=VALUE",
        description = "a Kafka client property (repeatable): SASL, TLS...")
    Map<String, String> kafkaProperties = new LinkedHashMap<>();

    @Option(names = "--kafka-properties-file", paramLabel = "FILE",
        description = "a Java properties file of Kafka client properties (SASL credentials, say)")
    String kafkaPropertiesFile;

    @Option(names = "--config", paramLabel = "FILE", description = "YAML config file (keys as in --print-config)")
    Path config;

    @Option(names = "--print-config", description = "print the effective settings and where each came from, then exit")
    boolean printConfig;

    int exit;

    /** {@code given}: the subcommand's own settings given as flags, by key (null when not given). */
    JournalSettings resolve(CommandSpec spec, String[]... given) {
      Map<String, String> flags = new LinkedHashMap<>();
      for (String[] g : given) if (g[1] != null) flags.put(g[0], g[1]);
      if (kafka != null) flags.put("kafka", kafka);
      if (postgres != null) flags.put("postgres", postgres);
      if (postgresPasswordFile != null) flags.put("postgres_password_file", postgresPasswordFile);
      if (cassandra != null) flags.put("cassandra", cassandra);
      if (keyspace != null) flags.put("keyspace", keyspace);
      if (localDc != null) flags.put("local_dc", localDc);
      if (cassandraUsername != null) flags.put("cassandra_username", cassandraUsername);
      if (cassandraPasswordFile != null) flags.put("cassandra_password_file", cassandraPasswordFile);
      if (cassandraMigrate) flags.put("cassandra_migrate", "true");
      if (kafkaPropertiesFile != null) flags.put("kafka_properties_file", kafkaPropertiesFile);
      JournalSettings settings;
      try {
        settings = JournalSettings.resolve(config, System.getenv(), flags, kafkaProperties);
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
      return settings;
    }
  }

  static final class Target {
    @Mixin Connection connection;

    @Option(names = "--id", required = true, description = "the journal's id (its Kafka record key)")
    String id;

    @Option(names = "--topic", description = "the journal's topic (default: " + JournalsConfig.DEFAULT_TOPIC + ")")
    String topic;

    @Option(names = "--head-cache", description = "tail the topic's head in the background (for many reads in one process)")
    boolean headCache;

    JournalSettings resolve(CommandSpec spec) {
      return connection.resolve(spec, new String[] {"topic", topic});
    }

    Journals journals(JournalSettings settings) {
      return Journals.start(JournalsConfig.of(settings.kafka(), settings.store()).withTopic(settings.topic()).withHeadCache(headCache)
          .withKafkaProperties(settings.kafkaProperties()));
    }
  }

  @Command(name = "replicate", mixinStandardHelpOptions = true,
      description = {"Copy the journal topics into the store until SIGTERM or Ctrl-C.",
          "Creates its tables and runs as a consumer group: run several for standby or throughput. Also purges journals whose expireAfter has passed.",
          "A record that cannot be decoded stops its partition with an error; nothing is skipped.",
          "SIGTERM or Ctrl-C: finishes the poll in hand, commits it, and exits 0."})
  static final class Replicate implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin Connection connection;

    @Option(names = "--topics", paramLabel = "PREFIX",
        description = "replicate every topic whose name starts with PREFIX (default: " + JournalsConfig.DEFAULT_TOPIC + ")")
    String prefix;

    @Option(names = "--group", description = "the consumer group (default " + ReplicatorConfig.DEFAULT_GROUP + ")")
    String group;

    @Option(names = "--purge-expired-every", paramLabel = "DURATION",
        description = "how often expired journals are purged, 0s for never (default: 60s)")
    String purgeEvery;

    @Option(names = "--port", description = "HTTP port of /health/* and /metrics (default 8083)")
    String port;

    @Option(names = "--bind", description = "address of that port (default 127.0.0.1)")
    String bind;

    private final CountDownLatch stop = new CountDownLatch(1);

    /** Stops replication as the first SIGTERM or Ctrl-C does. */
    void stop() {
      stop.countDown();
    }

    @Override
    public Integer call() throws InterruptedException, StatusServer.StatusServerException {
      ShutdownSignals.hold();
      JournalSettings settings = connection.resolve(spec, new String[] {"topics", prefix}, new String[] {"group", group},
          new String[] {"purge_expired_every", purgeEvery}, new String[] {"port", port}, new String[] {"bind", bind});
      if (settings == null) return connection.exit;
      String prefix = settings.topicPrefix(), group = settings.group();
      Duration purgeEvery = settings.purgeExpiredEvery();
      ReplicatorConfig config = ReplicatorConfig.of(settings.kafka(), settings.store()).withTopicPrefix(prefix).withGroupId(group)
          .withKafkaProperties(settings.kafkaProperties());
      // Closing (in reverse order) stops the purge, then the replicator: it finishes the poll in hand, writes it to
      // the store, commits it to Kafka, and logs what it applied.
      PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
      try (CommandMeters commandMeters = CommandMeters.bind(registry, "journal replicate", Tributary.VERSION);
           Replicator replicator = Replicator.start(config, registry);
           StatusServer status = StatusServer.start("journal replicate", settings.bind(), settings.port(), registry, routes -> routes
               .liveness("replicator", () -> liveness(replicator)).readiness("replicator", () -> readiness(replicator)));
           Journals journals = Journals.start(JournalsConfig.of(settings.kafka(), settings.store())
               .withKafkaProperties(settings.kafkaProperties()));
           PurgeExpired purge = purgeEvery.isZero() ? null : PurgeExpired.schedule(journals, purgeEvery)) {
        spec.commandLine().getErr().println("tributary journal replicate: replicating topics " + prefix + "* into " + settings.store() + " as group " + group
            + "; status on http://" + settings.bind() + ":" + status.port() + "/health/ready, metrics on /metrics");
        ShutdownSignals.install(this::stop, "stopping: the replicator commits what it has (send it again to stop at once)",
            "stopping now; the next start resumes from what the store has");
        while (!stop.await(500, TimeUnit.MILLISECONDS) && replicator.failure() == null) {
          // replicate until a signal, or until the replicator fails on its own
        }
        if (replicator.failure() != null) throw new IllegalStateException("replication failed: " + replicator.failure().getMessage());
        if (!replicator.stoppedPartitions().isEmpty()) {
          spec.commandLine().getErr().println("tributary journal replicate: stopped partitions: " + replicator.stoppedPartitions());
          return ExitCodes.FAILURE;
        }
        return ExitCodes.OK;
      }
    }

    /** Live until replication fails as a whole (a restart is what cures that). */
    private static CheckResult liveness(Replicator replicator) {
      Throwable failure = replicator.failure();
      return failure == null ? CheckResult.ok(Map.of()) : CheckResult.failing("replication failed: " + failure.getMessage(), Map.of());
    }

    /** Ready while no partition is stopped on a record it cannot apply; the assigned partitions as details. */
    private static CheckResult readiness(Replicator replicator) {
      Map<String, Object> details = Map.of("assigned_partitions", replicator.assignedPartitions().stream().map(Object::toString).sorted().toList());
      Map<?, String> stopped = replicator.stoppedPartitions();
      if (replicator.failure() != null) return CheckResult.failing("replication failed: " + replicator.failure().getMessage(), details);
      return stopped.isEmpty() ? CheckResult.ok(details) : CheckResult.failing("stopped partitions: " + stopped, details);
    }
  }

  @Command(name = "append", mixinStandardHelpOptions = true,
      description = {"Append the events on standard input as one atomic Append.",
          "One JSON object a line: {\"seqNr\":1,\"tags\":[\"a\"],\"payload\":{...}}; seqNr is optional (it continues the journal);",
          "\"payloadType\":\"text\" or \"binary\" (base64) for non-JSON payloads. Prints the partition and offset."})
  static final class Append implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin Target target;

    @Option(names = "--expire-after", paramLabel = "DURATION", converter = LayeredSettings.DurationConverter.class,
        description = "purge the journal this long after this append, e.g. 30m, 24h")
    Duration expireAfter;

    InputStream in = System.in;

    @Override
    public Integer call() throws IOException {
      JournalSettings settings = target.resolve(spec);
      if (settings == null) return target.connection.exit;
      try (Journals journals = target.journals(settings)) {
        Journal journal = journals.journal(target.id);
        List<Event> events;
        try {
          events = readEvents(journal);
        } catch (IllegalArgumentException e) {
          spec.commandLine().getErr().println("tributary journal append: " + e.getMessage() + "; nothing was appended");
          return ExitCodes.USAGE;
        }
        if (events.isEmpty()) {
          spec.commandLine().getErr().println("tributary journal append: no events on standard input; nothing was appended");
          return ExitCodes.USAGE;
        }
        PartitionOffset at = journal.append(events, new AppendMetadata(expireAfter, null), Map.of());
        spec.commandLine().getOut().printf("{\"partition\":%d,\"offset\":%d,\"from\":%d,\"to\":%d}%n", at.partition(), at.offset(),
            events.getFirst().seqNr(), events.getLast().seqNr());
        return ExitCodes.OK;
      }
    }

    private List<Event> readEvents(Journal journal) throws IOException {
      BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
      List<Event> events = new ArrayList<>();
      Long next = null;
      int lineNo = 0;
      for (String line; (line = reader.readLine()) != null; ) {
        lineNo++;
        if (line.isBlank()) continue;
        if (next == null) next = journal.pointer().orElse(0) + 1;
        Event e;
        try {
          e = EventLines.parse(line, next);
        } catch (IllegalArgumentException ex) {
          throw new IllegalArgumentException("standard input line " + lineNo + ": " + ex.getMessage());
        }
        if (e.seqNr() != next) {
          throw new IllegalArgumentException("standard input line " + lineNo + ": seqNr " + e.seqNr() + " where " + next + " comes next");
        }
        events.add(e);
        next = e.seqNr() + 1;
      }
      return events;
    }
  }

  @Command(name = "read", mixinStandardHelpOptions = true,
      description = {"Print the journal's events from --from on, one JSON line each.", "A line: {\"seqNr\":..,\"tags\":[..],\"payload\":..}"})
  static final class Read implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin Target target;

    @Option(names = "--from", defaultValue = "1", description = "first sequence number (default: ${DEFAULT-VALUE})")
    long from;

    @Override
    public Integer call() {
      JournalSettings settings = target.resolve(spec);
      if (settings == null) return target.connection.exit;
      PrintWriter out = spec.commandLine().getOut();
      try (Journals journals = target.journals(settings); Stream<Event> events = journals.journal(target.id).read(from)) {
        events.forEach(e -> out.println(EventLines.format(e)));
      }
      out.flush();
      return ExitCodes.OK;
    }
  }

  @Command(name = "pointer", mixinStandardHelpOptions = true,
      description = {"Print the journal's last sequence number, or 'none'.",
          "'none' when the journal has no events: never appended, or purged."})
  static final class Pointer implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin Target target;

    @Override
    public Integer call() {
      JournalSettings settings = target.resolve(spec);
      if (settings == null) return target.connection.exit;
      try (Journals journals = target.journals(settings)) {
        OptionalLong p = journals.journal(target.id).pointer();
        spec.commandLine().getOut().println(p.isPresent() ? String.valueOf(p.getAsLong()) : "none");
        return ExitCodes.OK;
      }
    }
  }

  @Command(name = "delete", mixinStandardHelpOptions = true,
      description = {"Delete the journal's events up to --to.", "Never beyond its last event."})
  static final class Delete implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin Target target;

    @Option(names = "--to", required = true, description = "delete events with sequence numbers up to this one")
    long to;

    @Override
    public Integer call() {
      JournalSettings settings = target.resolve(spec);
      if (settings == null) return target.connection.exit;
      try (Journals journals = target.journals(settings)) {
        Optional<PartitionOffset> at = journals.journal(target.id).delete(to);
        spec.commandLine().getOut().println(at.map(p -> "{\"partition\":" + p.partition() + ",\"offset\":" + p.offset() + "}")
            .orElse("nothing to delete"));
        return ExitCodes.OK;
      }
    }
  }

  @Command(name = "purge", mixinStandardHelpOptions = true,
      description = {"Remove the whole journal.", "A later append starts again at sequence number 1."})
  static final class Purge implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin Target target;

    @Override
    public Integer call() {
      JournalSettings settings = target.resolve(spec);
      if (settings == null) return target.connection.exit;
      try (Journals journals = target.journals(settings)) {
        PartitionOffset p = journals.journal(target.id).purge();
        spec.commandLine().getOut().println("{\"partition\":" + p.partition() + ",\"offset\":" + p.offset() + "}");
        return ExitCodes.OK;
      }
    }
  }
}
