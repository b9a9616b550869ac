package dev.tributary.server;

import dev.tributary.refine.RefineConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/** The settings of {@code refine}, layered as {@code serve}'s: defaults < YAML file < TRIBUTARY_* env < flags. */
final class RefineSettings {
  static final String STREAMS_KEY = "kafka_streams";

  static final LayeredSettings.Schema SCHEMA = new LayeredSettings.Schema("refine", STREAMS_KEY, "streams-property")
      .key("kafka", "Kafka bootstrap servers (required)", "", s -> s.isEmpty() ? null : s, "host:port[,host:port...]")
      .key("input", "raw topic(s) to read, comma-separated", RefineConfig.DEFAULT_INPUT, RefineSettings::topics, "a topic, or topics separated by commas")
      .key("output", "refined topic to write; created with the input's partition count when missing", RefineConfig.DEFAULT_OUTPUT,
          s -> s, "a topic name")
      .key("replication_factor", "replication factor of the output topic when refine creates it", "broker",
          LayeredSettings::replicationFactor, LayeredSettings.REPLICATION_FORMS)
      .key("dedup_window", "an event_id seen again within this much received_at time is dropped", "24h",
          LayeredSettings::duration, "a duration like 24h, 30m or 1h30m")
      .key("reorder", "hold events this long and emit them in received_at order per partition; off = no reordering", "off",
          RefineSettings::reorder, "off, or a duration like 20s")
      .key("port", "HTTP port of /health/live, /health/ready and /metrics", "8082", LayeredSettings::port, "an integer 0-65535")
      .key("bind", "address the HTTP port listens on (0.0.0.0 for Kubernetes probes)", "127.0.0.1", s -> s, "an IP address or host name")
      .key("state_dir", "local RocksDB state, a cache of the changelog topics", "./tributary-data/refine", LayeredSettings::path, "a directory path")
      .key("application_id", "Kafka Streams application id: the consumer group and the prefix of internal topics; "
          + "every instance of one refine stage shares it", RefineConfig.DEFAULT_APPLICATION_ID, s -> s, "a name")
      .key("close_timeout", "on SIGTERM, how long to let Kafka Streams commit and close (keep it under the grace period)", "20s",
          LayeredSettings::duration, "a duration like 20s");

  private final LayeredSettings values;

  private RefineSettings(LayeredSettings values) {
    this.values = values;
  }

  static RefineSettings resolve(Path configFile, Map<String, String> env, Map<String, String> flags,
      Map<String, String> streamsFlags) throws ConfigException {
    return new RefineSettings(LayeredSettings.resolve(SCHEMA, configFile, env, flags, streamsFlags));
  }

  private static Object topics(String s) {
    List<String> topics = Arrays.stream(s.split(",")).map(String::trim).toList();
    if (topics.stream().anyMatch(String::isEmpty)) throw new IllegalArgumentException();
    return topics;
  }

  private static Object reorder(String s) {
    return s.equals("off") ? Duration.ZERO : LayeredSettings.duration(s);
  }

  /** Throws {@link ConfigException} when kafka is not set, {@link IllegalArgumentException} when the values do not fit together. */
  RefineConfig config() throws ConfigException {
    String kafka = values.get("kafka");
    if (kafka == null) throw new ConfigException("kafka is required: set --kafka, TRIBUTARY_KAFKA or 'kafka:' in the config file");
    return RefineConfig.defaults(kafka, values.get("state_dir")).withTopics(values.get("input"), values.get("output"))
        .withDedupWindow(values.get("dedup_window")).withReorderWindow(values.get("reorder"))
        .withApplicationId(values.get("application_id")).withStreamsProperties(values.passthrough())
        .withReplicationFactor(values.get("replication_factor"));
  }

  int port() { return values.get("port"); }
  String bind() { return values.get("bind"); }
  Duration closeTimeout() { return values.get("close_timeout"); }

  String describe() {
    return values.describe();
  }
}
