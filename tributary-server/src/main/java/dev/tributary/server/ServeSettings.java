package dev.tributary.server;

import dev.tributary.server.LayeredSettings.Key;
import dev.tributary.spool.FsyncPolicy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * The settings of {@code serve}, resolved in layers (see {@link LayeredSettings}): built-in
 * defaults, then the YAML config file, then {@code TRIBUTARY_*} environment variables, then
 * command-line flags.
 */
final class ServeSettings {

  /** The YAML mapping of Kafka producer properties, passed through as they are. */
  static final String PRODUCER_KEY = "kafka_producer";

  static final LayeredSettings.Schema SCHEMA = LayeredSettings.Schema.of("serve", PRODUCER_KEY, "--producer-property",
      new Key("port", "HTTP port of the capture API", "8080", LayeredSettings::port, "an integer 0-65535"),
      new Key("bind", "address to listen on; anything but loopback needs a tokens file", "127.0.0.1", s -> s, "an IP address or host name"),
      new Key("data_dir", "where the spool and, by default, the lake live", "./tributary-data", Path::of, "a directory path"),
      new Key("lake", "lake root directory", "<data_dir>/lake", Path::of, "a directory path"),
      new Key("fsync", "when an append is durable", "always", FsyncPolicy::parse, "always, never, interval=<milliseconds>"),
      new Key("tokens_file", "YAML file of tokens and their apps; none = no auth, loopback only", "", s -> s.isEmpty() ? null : Path.of(s), "a file path"),
      new Key("max_request_bytes", "largest request body after decompression", "4MiB", LayeredSettings::size, "a size like 4MiB, 512KiB or 1048576"),
      new Key("spool_max_bytes", "spool capacity; past it capture answers 503", "10GiB", LayeredSettings::size, "a size like 10GiB"),
      new Key("spool_segment_bytes", "spool segment size", "64MiB", LayeredSettings::size, "a size like 64MiB"),
      new Key("lake_roll_bytes", "a lake file is completed at this many uncompressed bytes", "128MiB", LayeredSettings::size, "a size like 128MiB"),
      new Key("lake_roll_age", "a lake file is completed at this age", "60s", LayeredSettings::duration, "a duration like 60s, 5m, 500ms"),
      new Key("dedup_window", "a retried event_id within this window lands once", "10m", LayeredSettings::duration, "a duration like 10m"),
      new Key("drain_timeout", "on SIGTERM, how long to let the lake (or Kafka) catch up before exiting", "<30s, 60s with kafka>",
          LayeredSettings::duration, "a duration like 30s"),
      new Key("kafka", "Kafka bootstrap servers; when set the spool is forwarded to Kafka and the lake is off", "",
          s -> s.isEmpty() ? null : s, "host:port[,host:port...]"),
      new Key("topic", "Kafka topic, or a template where {event} stands for the event type", "events", s -> s,
          "a topic name like events, or a template like events.{event}"),
      new Key("linger", "how long the Kafka producer waits to fill a batch", "20ms", LayeredSettings::duration, "a duration like 20ms or 2s"),
      new Key("embedded_lake", "with kafka set, land events in the local lake as well", "false", LayeredSettings::bool, "true or false"));

  private final LayeredSettings values;

  private ServeSettings(LayeredSettings values) {
    this.values = values;
  }

  /** Resolves the settings. {@code flags} holds only the flags given on the command line, by key. */
  static ServeSettings resolve(Path configFile, Map<String, String> env, Map<String, String> flags) throws ConfigException {
    return resolve(configFile, env, flags, Map.of());
  }

  /** As above; {@code producerFlags} are Kafka producer properties from the command line, over the file's. */
  static ServeSettings resolve(Path configFile, Map<String, String> env, Map<String, String> flags,
      Map<String, String> producerFlags) throws ConfigException {
    LayeredSettings s;
    try {
      s = LayeredSettings.resolve(SCHEMA, configFile, env, flags, producerFlags);
    } catch (IllegalArgumentException e) {
      throw new ConfigException(e.getMessage());
    }
    if (!s.has("lake")) {
      Path lake = s.<Path>get("data_dir").resolve("lake");
      s.derive("lake", lake, lake.toString(), "default (<data_dir>/lake)");
    }
    if (!s.has("drain_timeout")) {
      boolean kafka = s.get("kafka") != null;
      Duration d = Duration.ofSeconds(kafka ? 60 : 30);
      s.derive("drain_timeout", d, d.toSeconds() + "s", kafka ? "default with kafka" : "default");
    }
    if (!s.passThrough().isEmpty() && s.get("kafka") == null) {
      throw new ConfigException("Kafka producer properties are set (" + String.join(", ", s.passThrough().keySet())
          + ") but kafka is not; set kafka (--kafka, TRIBUTARY_KAFKA or 'kafka:' in the config file)");
    }
    return new ServeSettings(s);
  }

  int port() { return values.get("port"); }
  String bind() { return values.get("bind"); }
  Path dataDir() { return values.get("data_dir"); }
  Path spoolDir() { return dataDir().resolve("spool"); }
  Path lake() { return values.get("lake"); }
  FsyncPolicy fsync() { return values.get("fsync"); }
  Optional<Path> tokensFile() { return Optional.ofNullable(values.get("tokens_file")); }
  long maxRequestBytes() { return values.get("max_request_bytes"); }
  long spoolMaxBytes() { return values.get("spool_max_bytes"); }
  long spoolSegmentBytes() { return values.get("spool_segment_bytes"); }
  long lakeRollBytes() { return values.get("lake_roll_bytes"); }
  Duration lakeRollAge() { return values.get("lake_roll_age"); }
  Duration dedupWindow() { return values.get("dedup_window"); }
  Duration drainTimeout() { return values.get("drain_timeout"); }
  Optional<String> kafka() { return Optional.ofNullable(values.get("kafka")); }
  String topic() { return values.get("topic"); }
  Duration linger() { return values.get("linger"); }
  /** The local lake runs without Kafka, and with Kafka only when asked for. */
  boolean lakeEnabled() { return kafka().isEmpty() || (boolean) values.get("embedded_lake"); }
  Path deadLetterDir() { return dataDir().resolve("dead-letters"); }

  Map<String, String> producerProperties() {
    return values.passThrough();
  }

  /** The effective settings as YAML, each with where it came from, for {@code serve --print-config}. */
  String describe() {
    return values.describe();
  }
}
