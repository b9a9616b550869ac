package dev.tributary.server;

import dev.tributary.journal.JournalStoreConfig;
import dev.tributary.journal.JournalsConfig;
import dev.tributary.journal.PostgresUrl;
import dev.tributary.journal.ReplicatorConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The settings of every {@code journal} subcommand (where it connects, which topic and group), layered as {@code serve}'s:
 * defaults < YAML file < TRIBUTARY_* env < flags. The store is PostgreSQL ({@code postgres}) or
 * Cassandra ({@code cassandra}), exactly one of them. Passwords come from a file or the environment,
 * so that they are not on a command line for {@code ps} to show.
 */
final class JournalSettings {
  static final String KAFKA_PROPERTIES_KEY = "kafka_properties";

  static final LayeredSettings.Schema SCHEMA = new LayeredSettings.Schema("journal", KAFKA_PROPERTIES_KEY, "kafka-property")
      .key("kafka", "Kafka bootstrap servers (required)", "", s -> s.isEmpty() ? null : s, "host:port[,host:port...]")
      .key("postgres", "the read store's JDBC URL (this or cassandra), its password best given apart", "",
          s -> s.isEmpty() ? null : PostgresUrl.check(s), "a URL like jdbc:postgresql://localhost:5432/app?user=app",
          PostgresUrl::withoutPassword)
      .secret("postgres_password", "the PostgreSQL password")
      .key("cassandra", "the read store in Cassandra instead of PostgreSQL: contact points (kafka-journal's tables)", "",
          s -> s.isEmpty() ? null : cassandraContactPoints(s), "host:port[,host:port...]")
      .key("keyspace", "Cassandra: the keyspace (kafka-journal's default: journal)", "journal", s -> s, "a keyspace name")
      .key("local_dc", "Cassandra: the local datacenter (LOCAL_QUORUM is within it)", JournalStoreConfig.Cassandra.DEFAULT_LOCAL_DC,
          s -> s, "a datacenter name")
      .key("cassandra_replication", "Cassandra: the replication of a keyspace it creates (an existing one is used as it is)",
          JournalStoreConfig.Cassandra.DEFAULT_REPLICATION, s -> s, "a CQL replication map")
      .key("cassandra_migrate", "Cassandra: upgrade tables of an older kafka-journal schema version (ALTER TABLE)", "false",
          LayeredSettings::bool, "true or false")
      .key("cassandra_username", "Cassandra: the user, if it requires authentication", "", s -> s, "a user name")
      .secret("cassandra_password", "the Cassandra password")
      .key("topic", "the journals' topic (append, read, pointer, delete, purge)", JournalsConfig.DEFAULT_TOPIC, s -> s,
          "a topic name")
      .key("topics", "replicate: every topic whose name starts with this prefix", JournalsConfig.DEFAULT_TOPIC, s -> s,
          "a topic name prefix")
      .key("group", "replicate: its Kafka consumer group", ReplicatorConfig.DEFAULT_GROUP, s -> s, "a consumer group id")
      .key("purge_expired_every", "replicate: how often expired journals are purged; 0s: never", "60s",
          LayeredSettings::duration, LayeredSettings.DURATION_FORMS)
      .key("port", "replicate: HTTP port of /health/live, /health/ready and /metrics", "8083", LayeredSettings::port, "an integer 0-65535")
      .key("bind", "replicate: address of that port (0.0.0.0 for Kubernetes probes)", "127.0.0.1", s -> s, "an IP address or host name");

  private final LayeredSettings values;
  private final JournalStoreConfig store;

  private JournalSettings(LayeredSettings values, JournalStoreConfig store) {
    this.values = values;
    this.store = store;
  }

  static JournalSettings resolve(Path configFile, Map<String, String> env, Map<String, String> flags,
      Map<String, String> kafkaFlags) throws ConfigException {
    LayeredSettings s = LayeredSettings.resolve(SCHEMA, configFile, env, flags, kafkaFlags);
    if (s.get("kafka") == null) {
      throw new ConfigException("kafka is not set; set it (--kafka, TRIBUTARY_KAFKA or 'kafka:' in the config file)");
    }
    String url = s.get("postgres");
    List<String> cassandra = s.get("cassandra");
    if ((url == null) == (cassandra == null)) {
      throw new ConfigException(url == null
          ? "no store is set; set postgres (--postgres, TRIBUTARY_POSTGRES or 'postgres:' in the config file)"
              + " or cassandra (--cassandra, TRIBUTARY_CASSANDRA or 'cassandra:')"
          : "both postgres and cassandra are set; the journal uses one store: set one");
    }
    try {
      return new JournalSettings(s, url != null ? postgres(s, url) : cassandra(s, cassandra));
    } catch (IllegalArgumentException e) {
      throw new ConfigException(e.getMessage());
    }
  }

  private static JournalStoreConfig postgres(LayeredSettings s, String url) {
    String password = s.get("postgres_password");
    return JournalStoreConfig.postgres(password.isEmpty() ? url : PostgresUrl.withPassword(url, password));
  }

  private static JournalStoreConfig cassandra(LayeredSettings s, List<String> contactPoints) {
    String user = s.get("cassandra_username");
    String password = s.get("cassandra_password");
    if (user.isEmpty() != password.isEmpty()) {
      throw new IllegalArgumentException("cassandra_username and cassandra_password go together; "
          + (user.isEmpty() ? "set cassandra_username too" : "set cassandra_password too (--cassandra-password-file)"));
    }
    boolean migrate = s.get("cassandra_migrate");
    return JournalStoreConfig.Cassandra.of(contactPoints, s.get("keyspace")).withLocalDc(s.get("local_dc"))
        .withReplication(s.get("cassandra_replication")).withMigrate(migrate)
        .withCredentials(user.isEmpty() ? null : user, password.isEmpty() ? null : password);
  }

  /** Checked as the store checks them, so that a bad one is a setting error that names the setting. */
  private static List<String> cassandraContactPoints(String text) {
    List<String> points = LayeredSettings.list(text);
    JournalStoreConfig.Cassandra.of(points, "journal");
    return points;
  }

  String kafka() { return values.get("kafka"); }
  /** The store, with its password in it: for the journal only, never to be shown. */
  JournalStoreConfig store() { return store; }
  Map<String, String> kafkaProperties() { return values.passthrough(); }
  String topic() { return values.get("topic"); }
  String topicPrefix() { return values.get("topics"); }
  String group() { return values.get("group"); }
  Duration purgeExpiredEvery() { return values.get("purge_expired_every"); }
  int port() { return values.get("port"); }
  String bind() { return values.get("bind"); }
  String describe() { return values.describe(); }
}
