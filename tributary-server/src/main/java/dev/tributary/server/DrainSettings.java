package dev.tributary.server;

import dev.tributary.kafka.ForwarderConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * The settings of {@code drain} and {@code dead-letters}, the commands that forward to Kafka as a
 * capture node would; layered as {@code serve}'s, and with serve's key names, so a node's Kafka
 * settings read the same everywhere. All three {@code dead-letters} subcommands read one schema,
 * so that one config file serves them all.
 */
final class DrainSettings {
  static final String PRODUCER_KEY = "kafka_producer";

  static final LayeredSettings.Schema DEAD_LETTERS_SCHEMA = producerSchema("dead-letters")
      .key("dead_letters", "the dead-letter spool directory (required)", "", s -> s.isEmpty() ? null : LayeredSettings.path(s),
          "a directory path");

  static final LayeredSettings.Schema DRAIN_SCHEMA = producerSchema("drain")
      .key("dead_letters", "dead-letter spool for records Kafka refuses; empty: dead-letters beside the spool directory", "",
          s -> s.isEmpty() ? null : LayeredSettings.path(s), "a directory path")
      .key("node_id", "capture_node header; empty: the spool directory's name, or its parent's when it is named 'spool'", "",
          s -> s.isEmpty() ? null : s, "a name")
      .key("drain_timeout", "give up on a spool after this long; empty: no limit", "",
          s -> s.isEmpty() ? null : LayeredSettings.duration(s), LayeredSettings.DURATION_FORMS + ", or empty")
      .key("scan_interval", "with --watch, how often the root is scanned", "5s", LayeredSettings.durationUpTo(Duration.ofDays(1)),
          "a duration above 0 and at most 1d, like 5s or 1m");

  private static LayeredSettings.Schema producerSchema(String command) {
    return new LayeredSettings.Schema(command, PRODUCER_KEY, "producer-property")
        .key("kafka", "Kafka bootstrap servers (required)", "", s -> s.isEmpty() ? null : s, "host:port[,host:port...]")
        .key("topic", "topic, or a template like events.{event}, as the node had it", ForwarderConfig.DEFAULT_TOPIC, s -> s,
            "a topic name or template");
  }

  private final LayeredSettings values;

  private DrainSettings(LayeredSettings values) {
    this.values = values;
  }

  static DrainSettings resolve(LayeredSettings.Schema schema, Path configFile, Map<String, String> env, Map<String, String> flags,
      Map<String, String> producerFlags) throws ConfigException {
    DrainSettings s = resolveWithoutKafka(schema, configFile, env, flags, producerFlags);
    if (s.kafka() == null) {
      throw new ConfigException("kafka is not set; set it (--kafka, TRIBUTARY_KAFKA or 'kafka:' in the config file)");
    }
    return s;
  }

  /** For {@code dead-letters list} and {@code show}, which read replay's settings but never reach Kafka. */
  static DrainSettings resolveWithoutKafka(LayeredSettings.Schema schema, Path configFile, Map<String, String> env,
      Map<String, String> flags, Map<String, String> producerFlags) throws ConfigException {
    return new DrainSettings(LayeredSettings.resolve(schema, configFile, env, flags, producerFlags));
  }

  String kafka() { return values.get("kafka"); }
  String topic() { return values.get("topic"); }
  Map<String, String> producerProperties() { return values.passthrough(); }
  Path deadLetters() { return values.get("dead_letters"); }
  String nodeId() { return values.get("node_id"); }
  Duration drainTimeout() { return values.get("drain_timeout"); }
  Duration scanInterval() { return values.get("scan_interval"); }
  String describe() { return values.describe(); }
}
