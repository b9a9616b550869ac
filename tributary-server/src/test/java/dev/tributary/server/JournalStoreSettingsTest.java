package dev.tributary.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tributary.journal.JournalStoreConfig;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Which store the journal commands use: PostgreSQL or Cassandra, exactly one, from flags, the config file or the environment. */
class JournalStoreSettingsTest {

  @Test
  void cassandraSettingsFromTheConfigFileAndThePasswordFromAFileMakeTheStore(@TempDir Path dir) throws Exception {
    Path password = Files.writeString(dir.resolve("password"), "s3cret\n");
    Path config = Files.writeString(dir.resolve("journal.yaml"), "kafka: k:9092\ncassandra: c1:9042, c2:9043\nkeyspace: events\n"
        + "local_dc: dc2\ncassandra_username: app\ncassandra_password_file: " + password + "\n");
    JournalSettings s = JournalSettings.resolve(config, Map.of(), Map.of(), Map.of());
    assertThat(s.store()).isEqualTo(JournalStoreConfig.Cassandra.of(List.of("c1:9042", "c2:9043"), "events").withLocalDc("dc2")
        .withCredentials("app", "s3cret"));
    assertThat(s.describe()).contains("cassandra_password: \"(hidden)\"").doesNotContain("s3cret");

    JournalSettings flags = JournalSettings.resolve(null, Map.of(), Map.of("kafka", "k:9092", "cassandra", "c:9042",
        "cassandra_migrate", "true"), Map.of());
    assertThat(flags.store()).isEqualTo(JournalStoreConfig.Cassandra.of(List.of("c:9042"), "journal").withMigrate(true));
  }

  @Test
  void bothStoresOrNeitherIsAUsageErrorThatSaysWhatToSet() {
    Result both = run("pointer", "--kafka", "k:9092", "--postgres", "jdbc:postgresql://h/app", "--cassandra", "c:9042", "--id", "x");
    assertThat(both.exit()).isEqualTo(ExitCodes.USAGE);
    assertThat(both.err()).contains("both postgres and cassandra are set").contains("set one");
    Result neither = run("pointer", "--kafka", "k:9092", "--id", "x");
    assertThat(neither.exit()).isEqualTo(ExitCodes.USAGE);
    assertThat(neither.err()).contains("no store is set").contains("--postgres").contains("--cassandra");
  }

  @Test
  void aBadContactPointOrAUserWithoutPasswordIsAUsageErrorNamingTheSetting() {
    Result port = run("pointer", "--kafka", "k:9092", "--cassandra", "c1:9042,c2", "--id", "x");
    assertThat(port.exit()).isEqualTo(ExitCodes.USAGE);
    assertThat(port.err()).contains("setting 'cassandra' from flag --cassandra").contains("host:port").contains("'c2'");
    assertThatThrownBy(() -> JournalSettings.resolve(null, Map.of("TRIBUTARY_CASSANDRA_USERNAME", "app"),
        Map.of("kafka", "k:9092", "cassandra", "c:9042"), Map.of()))
        .isInstanceOf(ConfigException.class).hasMessageContaining("cassandra_password too");
  }

  private record Result(int exit, String err) {}

  /** {@code tributary journal ARGS} with the executable's error handling. */
  private static Result run(String... args) {
    String[] all = new String[args.length + 1];
    all[0] = "journal";
    System.arraycopy(args, 0, all, 1, args.length);
    StringWriter err = new StringWriter();
    CommandLine cli = Tributary.commandLine();
    cli.setOut(new PrintWriter(new StringWriter(), true));
    cli.setErr(new PrintWriter(err, true));
    return new Result(cli.execute(all), err.toString());
  }
}
