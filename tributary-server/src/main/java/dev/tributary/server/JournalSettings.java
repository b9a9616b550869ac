package dev.tributary.server;

import dev.tributary.journal.JournalsConfig;
import dev.tributary.journal.PostgresUrl;
import dev.tributary.journal.ReplicatorConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * The settings of every {@code journal} subcommand (where it connects, which topic and group), layered as {@code serve}'s:
 * defaults < YAML file < TRIBUTARY_* env < flags. The PostgreSQL password comes from a file or the
 * environment, so that it is not on a command line for {@code ps} to show.
 */
final class JournalSettings {
  static final String KAFKA_PROPERTIES_KEY = "kafka_properties";

  static final LayeredSettings.Schema SCHEMA = new LayeredSettings.Schema("journal", KAFKA_PROPERTIES_KEY, "kafka-property")
      .key("kafka", "Kafka bootstrap servers (required)", "", s -> s.isEmpty() ? null : s, "host:port[,host:port...]")
      .key("postgres", "the read store's JDBC URL (required), its password best given apart", "",
          s -> s.isEmpty() ? null : PostgresUrl.check(s), "a URL like jdbc:postgresql://localhost:5432/app?user=app",
          PostgresUrl::withoutPassword)
      .secret("postgres_password", "the PostgreSQL password")
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
  private final String jdbcUrl;

  private JournalSettings(LayeredSettings values, String jdbcUrl) {
    this.values = values;
    this.jdbcUrl = jdbcUrl;
  }

  static JournalSettings resolve(Path configFile, Map<String, String> env, Map<String, String> flags,
      Map<String, String> kafkaFlags) throws ConfigException {
    LayeredSettings s = LayeredSettings.resolve(SCHEMA, configFile, env, flags, kafkaFlags);
    if (s.get("kafka") == null) {
      throw new ConfigException("kafka is not set; set it (--kafka, TRIBUTARY_KAFKA or 'kafka:' in the config file)");
    }
    String url = s.get("postgres");
    if (url == null) {
      throw new ConfigException("postgres is not set; set it (--postgres, TRIBUTARY_POSTGRES or 'postgres:' in the config file)");
    }
    String password = s.get("postgres_password");
    try {
      return new JournalSettings(s, password.isEmpty() ? url : PostgresUrl.withPassword(url, password));
    } catch (IllegalArgumentException e) {
      throw new ConfigException(e.getMessage());
    }
  }

  String kafka() { return values.get("kafka"); }
  /** The URL with the password in it: for the journal only, never to be shown. */
  String jdbcUrl() { return jdbcUrl; }
  Map<String, String> kafkaProperties() { return values.passthrough(); }
  String topic() { return values.get("topic"); }
  String topicPrefix() { return values.get("topics"); }
  String group() { return values.get("group"); }
  Duration purgeExpiredEvery() { return values.get("purge_expired_every"); }
  int port() { return values.get("port"); }
  String bind() { return values.get("bind"); }
  String describe() { return values.describe(); }
}
