package dev.tributary.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.config.DefaultDriverOption;
import com.datastax.oss.driver.api.core.config.DriverConfigLoader;
import com.datastax.oss.driver.api.core.cql.Row;
import dev.tributary.testkit.CassandraServer;
import dev.tributary.testkit.KafkaExtension;
import dev.tributary.testkit.PostgresExtension;
import dev.tributary.testkit.PostgresServer;
import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code tributary journal ...} against a real broker and a real PostgreSQL (and, once, Cassandra). */
class JournalCommandTest {
  @RegisterExtension static final KafkaExtension kafka = KafkaExtension.broker();
  @RegisterExtension static final PostgresExtension postgres = new PostgresExtension();

  record Result(int exit, String out, String err) {
    List<String> lines() {
      return out.lines().toList();
    }
  }

  /** As {@code tributary ARGS} runs: with the executable's error handling. */
  static Result runTributary(String... args) {
    StringWriter out = new StringWriter(), err = new StringWriter();
    CommandLine cli = Tributary.commandLine();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    int exit = cli.execute(args);
    return new Result(exit, out.toString(), err.toString());
  }

  /** {@code tributary journal ARGS}, as {@link #runTributary}, with {@code stdin} as its standard input. */
  static Result runJournal(String stdin, String... args) {
    java.io.InputStream before = System.in;
    System.setIn(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)));
    try {
      String[] argv = new String[args.length + 1];
      argv[0] = "journal";
      System.arraycopy(args, 0, argv, 1, args.length);
      return runTributary(argv);
    } finally {
      System.setIn(before);
    }
  }

  static Result run(Object command, String... args) {
    StringWriter out = new StringWriter(), err = new StringWriter();
    CommandLine cli = new CommandLine(command);
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    int exit = cli.execute(args);
    return new Result(exit, out.toString(), err.toString());
  }

  private static Result append(String stdin, String... args) {
    JournalCommand.Append append = new JournalCommand.Append();
    append.in = new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8));
    return run(append, args);
  }

  @Test
  void appendReadDeletePurgeAndReplicateFromTheCommandLine() throws Exception {
    String db = postgres.createDatabase();
    String[] target = {"--kafka", kafka.bootstrapServers(), "--postgres", db, "--id", "cart-1", "--topic", "journal-cli"};

    Result appended = append("{\"seqNr\":1,\"tags\":[\"new\"],\"payload\":{\"sku\":\"a\"}}\n"
        + "{\"payload\":\"plain text\",\"payloadType\":\"text\"}\n\n{\"payload\":[1,2]}\n", target);
    assertThat(appended.exit()).as(appended.err()).isZero();
    assertThat(appended.out()).contains("\"partition\":0").contains("\"from\":1,\"to\":3");

    Result read = run(new JournalCommand(), concat("read", target));
    assertThat(read.exit()).as(read.err()).isZero();
    assertThat(read.lines()).containsExactly(
        "{\"seqNr\":1,\"tags\":[\"new\"],\"payload\":{\"sku\":\"a\"}}",
        "{\"seqNr\":2,\"tags\":[],\"payloadType\":\"text\",\"payload\":\"plain text\"}",
        "{\"seqNr\":3,\"tags\":[],\"payload\":[1,2]}");

    Result bad = append("{\"payload\":1}\n{not json\n", target);
    assertThat(bad.exit()).isEqualTo(ExitCodes.USAGE);
    assertThat(bad.err()).contains("standard input line 2").contains("not JSON").contains("nothing was appended");
    Result gap = append("{\"seqNr\":9,\"payload\":1}\n", target);
    assertThat(gap.exit()).isEqualTo(ExitCodes.USAGE);
    assertThat(gap.err()).contains("seqNr 9 where 4 comes next");
    assertThat(run(new JournalCommand(), concat("pointer", target)).out().trim()).isEqualTo("3");

    assertThat(run(new JournalCommand(), concat("delete", concat("--to", concat("1", target)))).exit()).isZero();
    assertThat(run(new JournalCommand(), concat("read", concat("--from", concat("1", target)))).lines())
        .extracting(l -> l.substring(0, 10)).containsExactly("{\"seqNr\":2", "{\"seqNr\":3");

    JournalCommand.Replicate replicate = new JournalCommand.Replicate();
    CompletableFuture<Result> replicating = CompletableFuture.supplyAsync(() -> run(replicate,
        "--kafka", kafka.bootstrapServers(), "--postgres", db, "--topics", "journal-cli", "--purge-expired-every", "0s"));
    try (Connection c = DriverManager.getConnection(db)) {
      await().atMost(Duration.ofSeconds(60)).until(() -> count(c, "SELECT count(*) FROM journal WHERE id = 'cart-1'") == 2);
    } finally {
      replicate.stop();
    }
    Result replicated = replicating.get();
    assertThat(replicated.exit()).as(replicated.err()).isZero();
    assertThat(run(new JournalCommand(), concat("read", target)).lines()).hasSize(2);

    assertThat(run(new JournalCommand(), concat("purge", target)).exit()).isZero();
    assertThat(run(new JournalCommand(), concat("pointer", target)).out().trim()).isEqualTo("none");
    assertThat(run(new JournalCommand(), concat("read", target)).out()).isEmpty();
  }

  @Test
  void theJournalCommandIsListedAndExplainsItself() {
    Result help = run(new Tributary(), "journal", "--help");
    assertThat(help.out()).contains("replicate", "append", "read", "pointer", "delete", "purge");
    Result missing = run(new Tributary(), "journal", "read", "--kafka", "x:1");
    assertThat(missing.exit()).isEqualTo(ExitCodes.USAGE);
    assertThat(missing.err()).contains("--postgres").contains("--id");
  }

  @Test
  void eachSubcommandIsSummedUpInOneWholeSentenceOnOneLine() {
    List<String> help = run(new Tributary(), "journal", "--help").lines();
    CommandLine journal = Tributary.commandLine().getSubcommands().get("journal");
    for (CommandLine sub : journal.getSubcommands().values()) {
      String summary = sub.getCommandSpec().usageMessage().description()[0];
      assertThat(summary).as(sub.getCommandName()).endsWith(".");
      assertThat(help).as("the summary of %s, whole on its line", sub.getCommandName())
          .anyMatch(l -> l.matches("\\s+" + sub.getCommandName() + "\\s+" + java.util.regex.Pattern.quote(summary)));
    }
  }

  @Test
  void topicGroupAndPurgeIntervalAreSettingsFromTheFileAndTheEnvironmentAndUnknownKeysAreRefused(@TempDir Path dir)
      throws Exception {
    String db = postgres.createDatabase();
    Path config = java.nio.file.Files.writeString(dir.resolve("journal.yaml"), "kafka: " + kafka.bootstrapServers()
        + "\npostgres: " + db + "\ntopic: journal-from-file\ntopics: journal-from\ngroup: replicas-from-file\n");
    Result appended = runJournal("{\"payload\":1}\n", "append", "--config", config.toString(), "--id", "c-1");
    assertThat(appended.exit()).as(appended.err()).isZero();
    assertThat(run(new JournalCommand(), "pointer", "--kafka", kafka.bootstrapServers(), "--postgres", db, "--id", "c-1",
        "--topic", "journal-from-file").out().trim()).as("the append went to the file's topic").isEqualTo("1");

    Result printed = runTributary("journal", "replicate", "--config", config.toString(), "--purge-expired-every", "5m",
        "--print-config");
    assertThat(printed.exit()).as(printed.err()).isZero();
    assertThat(printed.out()).contains("topics: journal-from   # config file " + config,
        "group: replicas-from-file   # config file " + config, "purge_expired_every: 5m   # flag --purge-expired-every");
    JournalSettings env = JournalSettings.resolve(config, Map.of("TRIBUTARY_GROUP", "replicas-from-env",
        "TRIBUTARY_PURGE_EXPIRED_EVERY", "1m30s"), Map.of(), Map.of());
    assertThat(env.group()).isEqualTo("replicas-from-env");
    assertThat(env.purgeExpiredEvery()).isEqualTo(Duration.ofSeconds(90));
    assertThat(env.describe()).contains("group: replicas-from-env   # environment variable TRIBUTARY_GROUP",
        "purge_expired_every: 1m30s   # environment variable TRIBUTARY_PURGE_EXPIRED_EVERY");

    java.nio.file.Files.writeString(config, "kafka: " + kafka.bootstrapServers() + "\npostgres: " + db + "\ngroup_id: g\n");
    Result unknown = runJournal("{\"payload\":2}\n", "append", "--config", config.toString(), "--id", "c-1");
    assertThat(unknown.exit()).isEqualTo(ExitCodes.USAGE);
    assertThat(unknown.err()).contains("unknown key 'group_id' for tributary journal").contains("group");
    Result badInterval = runTributary("journal", "replicate", "--kafka", "k:1", "--postgres", db, "--purge-expired-every", "soon");
    assertThat(badInterval.exit()).isEqualTo(ExitCodes.USAGE);
    assertThat(badInterval.err()).contains("setting 'purge_expired_every' from flag --purge-expired-every: invalid value 'soon'");
  }

  @Test
  void aUrlWithoutJdbcIsAUsageErrorThatSaysWhatTheUrlMustLookLike() {
    Result bad = runTributary("journal", "pointer", "--kafka", kafka.bootstrapServers(), "--id", "x",
        "--postgres", "postgresql://127.0.0.1:5432/app?user=app&password=hunter2");
    assertThat(bad.exit()).isEqualTo(ExitCodes.USAGE);
    assertThat(bad.err()).contains("--postgres").contains("must start with jdbc:postgresql://")
        .contains("got 'postgresql://127.0.0.1:5432/app?user=app&password=***'")
        .doesNotContain("hunter2").doesNotContainIgnoringCase("flyway").doesNotContain("http");
  }

  @Test
  void aStoppedDatabaseIsReportedWithItsUrlAndPostgresReasonUnderTheSubcommandsName() {
    PostgresServer stopped = PostgresServer.start();
    String url = stopped.createDatabase() + "&password=hunter2";
    stopped.close();
    String shown = url.replace("password=hunter2", "password=***");
    String[] connection = {"--kafka", kafka.bootstrapServers(), "--postgres", url};
    Map<String, String[]> commands = new LinkedHashMap<>();
    commands.put("replicate", new String[] {"--purge-expired-every", "0s"});
    commands.put("append", new String[] {"--id", "x"});
    commands.put("read", new String[] {"--id", "x"});
    commands.put("pointer", new String[] {"--id", "x"});
    commands.put("delete", new String[] {"--id", "x", "--to", "1"});
    commands.put("purge", new String[] {"--id", "x"});
    commands.forEach((name, args) -> {
      List<String> argv = new ArrayList<>(List.of("journal", name));
      argv.addAll(List.of(connection));
      argv.addAll(List.of(args));
      Result r = runTributary(argv.toArray(String[]::new));
      assertThat(r.exit()).as(name).isEqualTo(ExitCodes.FAILURE);
      assertThat(r.err()).as(name).startsWith("tributary journal " + name + ": cannot connect to PostgreSQL at " + shown + ": ")
          .contains("refused").doesNotContain("hunter2").doesNotContain("'null'").doesNotContainIgnoringCase("flyway");
    });
  }

  @Test
  void theCommandsWorkTheSameOnCassandraWithItsRowsInKafkaJournalsTables() throws Exception {
    CassandraServer cassandra = CassandraServer.shared();
    String contactPoint = cassandra.contactPoint().getHostString() + ":" + cassandra.contactPoint().getPort();
    String[] store = {"--kafka", kafka.bootstrapServers(), "--cassandra", contactPoint, "--keyspace", "journal_cli",
        "--local-dc", cassandra.localDatacenter()};
    String[] target = concat(store, "--id", "cart-1", "--topic", "journal-cassandra");
    Result appended = append("{\"payload\":1}\n{\"payload\":2}\n{\"payload\":3}\n", target);
    assertThat(appended.exit()).as(appended.err()).isZero();
    assertThat(run(new JournalCommand(), concat("delete", concat("--to", concat("1", target)))).exit()).isZero();

    JournalCommand.Replicate replicate = new JournalCommand.Replicate();
    CompletableFuture<Result> replicating = CompletableFuture.supplyAsync(() -> run(replicate,
        concat(store, "--topics", "journal-cassandra", "--purge-expired-every", "0s")));
    try (CqlSession cql = CqlSession.builder().addContactPoint(cassandra.contactPoint()).withLocalDatacenter(cassandra.localDatacenter())
        .withConfigLoader(DriverConfigLoader.programmaticBuilder().withDuration(DefaultDriverOption.REQUEST_TIMEOUT, Duration.ofSeconds(30))
            .build()).build()) {
      await().atMost(Duration.ofSeconds(60)).until(() -> {
        Row meta = cql.getMetadata().getKeyspace("journal_cli").isEmpty() ? null
            : cql.execute("SELECT seq_nr, delete_to FROM journal_cli.metajournal WHERE topic = 'journal-cassandra' AND segment = "
                + Math.abs((long) "cart-1".hashCode() % 10_000) + " AND id = 'cart-1'").one();
        return meta != null && meta.getLong("delete_to") == 1;
      });
      assertThat(cql.execute("SELECT seq_nr FROM journal_cli.journal WHERE id = 'cart-1' AND topic = 'journal-cassandra'"
          + " AND segment = 0").all()).extracting(r -> r.getLong(0)).containsExactly(2L, 3L);
    } finally {
      replicate.stop();
    }
    Result replicated = replicating.get();
    assertThat(replicated.exit()).as(replicated.err()).isZero();
    assertThat(replicated.err()).contains("into Cassandra at " + contactPoint + " keyspace journal_cli");
    assertThat(run(new JournalCommand(), concat("read", target)).lines()).containsExactly(
        "{\"seqNr\":2,\"tags\":[],\"payload\":2}", "{\"seqNr\":3,\"tags\":[],\"payload\":3}");
    assertThat(run(new JournalCommand(), concat("pointer", target)).out().trim()).isEqualTo("3");
  }

  @Test
  void sigtermStopsReplicationCleanlyWithExitZeroAndSaysWhatItDid(@TempDir Path dir) throws Exception {
    String db = postgres.createDatabase();
    String topic = "journal-sigterm";
    String[] target = {"--kafka", kafka.bootstrapServers(), "--postgres", db, "--id", "cart-9", "--topic", topic};
    assertThat(append("{\"payload\":1}\n{\"payload\":2}\n{\"payload\":3}\n", target).exit()).isZero();
    try (ChildJvm replicate = ChildJvm.start(dir.resolve("replicate.log"), Tributary.class, "journal", "replicate",
        "--kafka", kafka.bootstrapServers(), "--postgres", db, "--topics", topic, "--group", "sigterm-test", "--purge-expired-every", "0s");
         Connection c = DriverManager.getConnection(db)) {
      replicate.awaitOutput("replicating topics " + topic);
      await().atMost(Duration.ofSeconds(60)).until(() -> count(c, "SELECT count(*) FROM journal WHERE id = 'cart-9'") == 3);
      assertThat(replicate.terminate()).as(replicate.output()).isZero();
      int records = KafkaTopics.readAll(kafka.bootstrapServers(), topic).size(); // the Append, and the Marks of reads
      assertThat(replicate.output()).contains("SIGTERM received")
          .contains("journal replicator stopped: " + records + " records applied to PostgreSQL")
          .contains("offsets committed to Kafka [" + topic + "-0@" + records + "]")
          .doesNotContain("FlywayExecutor").doesNotContain("DbMigrate").doesNotContain("DbValidate");
      try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
        assertThat(admin.listConsumerGroupOffsets("sigterm-test").partitionsToOffsetAndMetadata().get()
            .get(new TopicPartition(topic, 0)).offset()).as("the group's committed offset").isEqualTo(records);
      }
    }
  }

  private static long count(Connection c, String sql) throws Exception {
    try (ResultSet r = c.createStatement().executeQuery(sql)) {
      r.next();
      return r.getLong(1);
    }
  }

  private static String[] concat(String[] first, String... rest) {
    String[] out = java.util.Arrays.copyOf(first, first.length + rest.length);
    System.arraycopy(rest, 0, out, first.length, rest.length);
    return out;
  }

  private static String[] concat(String first, String... rest) {
    String[] out = new String[rest.length + 1];
    out[0] = first;
    System.arraycopy(rest, 0, out, 1, rest.length);
    return out;
  }
}
