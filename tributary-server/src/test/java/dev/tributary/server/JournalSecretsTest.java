package dev.tributary.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tributary.testkit.KafkaExtension;
import dev.tributary.testkit.PostgresServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The PostgreSQL password of {@code journal} from a file or the environment, never from the
 * command line, against a real server that requires it (SCRAM), and never shown.
 */
class JournalSecretsTest {
  @RegisterExtension static final KafkaExtension kafka = KafkaExtension.broker();
  /** Characters a URL would mangle unless the password is encoded on its way into the JDBC URL. */
  private static final String PASSWORD = "p@ss w&rd=%+?";
  private static PostgresServer postgres;
  private static String url;

  @TempDir Path dir;

  @BeforeAll
  static void startPostgresThatRequiresPasswords() throws Exception {
    postgres = PostgresServer.start();
    String db = postgres.createDatabase();
    try (Connection c = DriverManager.getConnection(db); Statement s = c.createStatement()) {
      s.execute("CREATE ROLE app LOGIN PASSWORD '" + PASSWORD.replace("'", "''") + "'");
      s.execute("ALTER DATABASE " + c.getCatalog() + " OWNER TO app");
    }
    postgres.requirePasswords();
    url = db.replace("user=postgres", "user=app");
  }

  @AfterAll
  static void stopPostgres() {
    postgres.close();
  }


  @Test
  void thePasswordFromAFileReachesARoleThatRequiresIt() throws Exception {
    Path file = dir.resolve("pg-password");
    Files.writeString(file, PASSWORD + "\n");
    JournalCommandTest.Result noPassword = JournalCommandTest.runJournal("", "pointer", "--kafka", kafka.bootstrapServers(), "--postgres", url,
        "--id", "cart-1");
    assertThat(noPassword.exit()).as("without the password PostgreSQL refuses").isEqualTo(ExitCodes.FAILURE);

    JournalCommandTest.Result appended = JournalCommandTest.runJournal("{\"payload\":{\"sku\":\"a\"}}\n", "append", "--kafka", kafka.bootstrapServers(),
        "--postgres", url, "--postgres-password-file", file.toString(), "--id", "cart-1", "--topic", "journal-secret");
    assertThat(appended.exit()).as(appended.err()).isZero();
    JournalCommandTest.Result pointer = JournalCommandTest.runJournal("", "pointer", "--kafka", kafka.bootstrapServers(), "--postgres", url,
        "--postgres-password-file", file.toString(), "--id", "cart-1", "--topic", "journal-secret");
    assertThat(pointer.exit()).as(pointer.err()).isZero();
    assertThat(pointer.out().trim()).isEqualTo("1");
  }

  @Test
  void thePasswordFromTheEnvironmentReachesARoleThatRequiresIt() throws Exception {
    Path log = dir.resolve("journal.log");
    Map<String, String> env = Map.of("TRIBUTARY_KAFKA", kafka.bootstrapServers(), "TRIBUTARY_POSTGRES", url,
        "TRIBUTARY_POSTGRES_PASSWORD", PASSWORD);
    assertThat(ServeProcess.run(log, env, "journal", "pointer", "--id", "cart-env", "--topic", "journal-secret-env"))
        .as(Files.readString(log)).isZero();
    assertThat(Files.readString(log).lines()).contains("none");

    Files.writeString(log, "");
    assertThat(ServeProcess.run(log, env, "journal", "pointer", "--id", "cart-env", "--print-config")).isZero();
    assertThat(Files.readString(log)).contains("postgres_password: \"(hidden)\"   # environment variable TRIBUTARY_POSTGRES_PASSWORD",
        "postgres: " + url + "   # environment variable TRIBUTARY_POSTGRES").doesNotContain(PASSWORD);
  }

  @Test
  void aWrongPasswordFailsWithExitOneAndAMessageWithoutIt() throws Exception {
    Path file = dir.resolve("wrong");
    Files.writeString(file, "not-the-password-42");
    JournalCommandTest.Result r = JournalCommandTest.runJournal("", "pointer", "--kafka", kafka.bootstrapServers(), "--postgres", url,
        "--postgres-password-file", file.toString(), "--id", "cart-1");
    assertThat(r.exit()).isEqualTo(ExitCodes.FAILURE);
    assertThat(r.err()).startsWith("tributary journal pointer: cannot connect to PostgreSQL at " + url + "&password=***: ")
        .contains("password authentication failed for user \"app\"").doesNotContain("not-the-password-42");
  }

  @Test
  void aPasswordGivenTwiceOrInAMissingFileOrAMissingVariableIsAUsageError() throws Exception {
    Path file = dir.resolve("pw");
    Files.writeString(file, PASSWORD);
    Map<String, String> connection = Map.of("TRIBUTARY_KAFKA", "k:9092", "TRIBUTARY_POSTGRES", url);
    assertThatThrownBy(() -> JournalSettings.resolve(null, Map.of("TRIBUTARY_KAFKA", "k:9092",
        "TRIBUTARY_POSTGRES", url + "&password=inline", "TRIBUTARY_POSTGRES_PASSWORD", PASSWORD), Map.of(), Map.of()))
        .isInstanceOf(ConfigException.class).hasMessageContaining("password=***").hasMessageContaining("holds a password already")
        .hasMessageNotContaining("inline");
    assertThatThrownBy(() -> JournalSettings.resolve(null, Map.of("TRIBUTARY_KAFKA", "k:9092", "TRIBUTARY_POSTGRES", url,
        "TRIBUTARY_POSTGRES_PASSWORD", PASSWORD), Map.of("postgres_password_file", file.toString()), Map.of()))
        .hasMessage("both postgres_password (from environment variable TRIBUTARY_POSTGRES_PASSWORD) and postgres_password_file"
            + " (from flag --postgres-password-file) are set; set one");
    JournalCommandTest.Result missing = JournalCommandTest.runJournal("", "pointer", "--kafka", "k:9092", "--postgres", url,
        "--postgres-password-file", dir.resolve("absent").toString(), "--id", "x");
    assertThat(missing.exit()).isEqualTo(ExitCodes.USAGE);
    assertThat(missing.err()).contains("setting 'postgres_password_file' from flag --postgres-password-file: cannot read "
        + dir.resolve("absent"));

    Path config = dir.resolve("journal.yaml");
    Files.writeString(config, "postgres_password: ${APP_PG_PASSWORD}\nkafka_properties:\n  sasl.jaas.config: x password=\"${KAFKA_PW}\";\n");
    JournalSettings s = JournalSettings.resolve(config, Map.of("TRIBUTARY_KAFKA", "k:9092", "TRIBUTARY_POSTGRES", url,
        "APP_PG_PASSWORD", PASSWORD, "KAFKA_PW", "kpw"), Map.of(), Map.of());
    assertThat(((dev.tributary.journal.JournalStoreConfig.Postgres) s.store()).jdbcUrl()).isEqualTo(url + "&password=" + java.net.URLEncoder.encode(PASSWORD, StandardCharsets.UTF_8));
    assertThat(s.kafkaProperties()).containsEntry("sasl.jaas.config", "x password=\"kpw\";");
    assertThat(s.describe()).doesNotContain(PASSWORD).doesNotContain("kpw");
    assertThatThrownBy(() -> JournalSettings.resolve(config, connection, Map.of(), Map.of()))
        .hasMessage("config file " + config + ": key 'postgres_password' refers to ${APP_PG_PASSWORD}, but that environment"
            + " variable is not set");
  }
}
