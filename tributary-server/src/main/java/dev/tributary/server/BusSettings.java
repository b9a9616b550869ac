package dev.tributary.server;

import dev.tributary.bus.BusConfig;
import dev.tributary.bus.KafkaBus;
import dev.tributary.spool.FsyncPolicy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/** The settings of {@code bus}, layered as {@code serve}'s: defaults < YAML file < TRIBUTARY_* env < flags. */
final class BusSettings {
  static final String KAFKA_PROPERTIES_KEY = "kafka_properties";

  static final LayeredSettings.Schema SCHEMA = new LayeredSettings.Schema("bus", KAFKA_PROPERTIES_KEY, "kafka-property")
      .key("port", "HTTP port (0: any free port)", "8083", LayeredSettings::port, "an integer 0-65535")
      .key("bind", "address to listen on; anything but loopback needs a tokens file", "127.0.0.1", s -> s, "an IP address or host name")
      .key("tokens_file", "YAML file of tokens, their apps and bus rights; none = no auth, loopback only", "",
          s -> s.isEmpty() ? null : LayeredSettings.path(s), "a file path")
      .key("data_dir", "where the chunk files go", "./bus-data", LayeredSettings::path, "a directory path")
      .key("instance", "this node's name, the prefix of its chunk names; unique per node", "<from the host name>", s -> s,
          "a name of letters, digits, _ and -")
      .key("fsync", "when a write is durable", "always", FsyncPolicy::parse, "always, never, interval=<milliseconds>")
      .key("max_chunk_size", "start a new chunk past this size", "20MiB", LayeredSettings.positive(LayeredSettings::size),
          "a size above 0 like 20MiB, 20MB or 1048576 (bytes)")
      .key("rotate_interval", "complete a non-empty chunk after this long", "10m", LayeredSettings::duration, LayeredSettings.DURATION_FORMS)
      .key("retention_age", "delete complete chunks last written longer ago, read or not; empty: keep", "",
          s -> s.isEmpty() ? null : LayeredSettings.duration(s), LayeredSettings.DURATION_FORMS + ", or empty")
      .key("retention_size", "per category, delete the oldest complete chunks past this size; 0: no limit", "0",
          LayeredSettings::size, LayeredSettings.SIZE_FORMS)
      .key("kafka", "serve the same API from Kafka at these bootstrap servers instead of local chunk files", "",
          s -> s.isEmpty() ? null : s, "host:port[,host:port...]")
      .key("topic_prefix", "with kafka, a category's topic is this plus its name", "bus.", s -> s, "a topic name prefix")
      .key("records_per_chunk", "with kafka, Kafka offsets per chunk", "100000", LayeredSettings.positive(Long::parseLong),
          "a positive integer");

  private final LayeredSettings values;

  private BusSettings(LayeredSettings values) {
    this.values = values;
  }

  static BusSettings resolve(Path configFile, Map<String, String> env, Map<String, String> flags,
      Map<String, String> kafkaFlags) throws ConfigException {
    LayeredSettings s = LayeredSettings.resolve(SCHEMA, configFile, env, flags, kafkaFlags);
    if (!s.has("instance")) s.derive("instance", BusCommand.hostInstance(), BusCommand.hostInstance(), "default, from the host name");
    return new BusSettings(s);
  }

  /** Null unless the bus serves from Kafka. */
  KafkaBus.Config kafkaConfig() {
    String kafka = values.get("kafka");
    return kafka == null ? null : new KafkaBus.Config(kafka, values.get("topic_prefix"), values.<Long>get("records_per_chunk"),
        values.passthrough());
  }

  /** The local bus's configuration; an invalid instance name fails with a message. */
  BusConfig localConfig() {
    Duration retentionAge = values.get("retention_age");
    return new BusConfig(values.get("data_dir"), values.get("instance"), values.get("fsync"), values.<Long>get("max_chunk_size"),
        values.get("rotate_interval"), retentionAge, values.<Long>get("retention_size"));
  }

  Path dataDir() { return values.get("data_dir"); }
  int port() { return values.get("port"); }
  String bind() { return values.get("bind"); }
  Path tokensFile() { return values.get("tokens_file"); }
  String describe() { return values.describe(); }
}
