package dev.tributary.server;

import dev.tributary.lake.KafkaSinkConfig;
import dev.tributary.lake.LakeFormat;
import dev.tributary.lake.PathFormat;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/** The settings of {@code sink}, resolved in layers by {@link LayeredSettings}. */
final class SinkSettings {

  /** The YAML mapping of Kafka consumer properties, passed through as they are. */
  static final String CONSUMER_KEY = "kafka_consumer";

  /** What a path_format may be, for the error message of a bad one (shared with serve's lake_path_format). */
  static final String PATH_FORMAT_ACCEPTED = "'/'-separated segments of literal text [A-Za-z0-9._=-] and the variables {event_type},"
      + " {yyyy}, {MM}, {dd}, {HH}, each exactly once; no segment starting with '_', '.' or {event_type};"
      + " like year={yyyy}/month={MM}/day={dd}/hour={HH}/event_type={event_type}";

  static final LayeredSettings.Schema SCHEMA = new LayeredSettings.Schema("sink", CONSUMER_KEY, "consumer-property")
      .key("kafka", "Kafka bootstrap servers", "", s -> s.isEmpty() ? null : s, "host:port[,host:port...]")
      .key("topics", "topics to land: names, comma-separated, or /regex/", "events", s -> s, "events,orders or /events\\..*/")
      .key("lake", "lake root: a directory, or s3://bucket/prefix", "./tributary-data/lake",
          s -> s.startsWith("s3://") ? s : LayeredSettings.path(s).toString(),
          "a directory path or s3://bucket[/prefix]")
      .key("format", "file format", "ndjson", LakeFormat::parse, "ndjson (gzip), ndjson-zstd, parquet (zstd)")
      .key("group", "Kafka consumer group; members of one group share the partitions", KafkaSinkConfig.DEFAULT_GROUP,
          s -> s, "a group id")
      .key("max_file_age", "a file is completed once its received_at spans this, or it is this old (at most 1h)", "5m",
          LayeredSettings.durationUpTo(KafkaSinkConfig.MAX_FILE_AGE_LIMIT), "a duration above 0 and at most 1h, like 5m, 1m30s or 1h")
      .key("max_file_bytes", "a file is completed at this many uncompressed bytes", "128MiB", LayeredSettings.positive(LayeredSettings::size),
          "a size above 0 like 128MiB, 100MB or 1048576 (bytes)")
      .key("max_file_records", "a file is completed at this many records", Integer.toString(KafkaSinkConfig.DEFAULT_MAX_FILE_RECORDS),
          LayeredSettings.positive(Integer::parseInt), "a positive integer")
      .key("s3_endpoint", "an S3-compatible endpoint instead of AWS's (MinIO, S3Proxy, ...)", "",
          s -> s.isEmpty() ? null : URI.create(s), "a URL like http://127.0.0.1:9000")
      .key("s3_path_style", "address buckets as endpoint/bucket (most S3-compatible stores need it)", "<true with s3_endpoint>",
          LayeredSettings::bool, "true or false")
      .key("path_format", "layout of the event partitions under events/ (as Kafka Connect's path.format)", PathFormat.DEFAULT,
          PathFormat::parse, PATH_FORMAT_ACCEPTED)
      .key("port", "HTTP port of /health/live, /health/ready and /metrics", "8081", LayeredSettings::port, "an integer 0-65535")
      .key("bind", "address the HTTP port listens on", "127.0.0.1", s -> s, "an IP address or host name");

  private final LayeredSettings settings;

  private SinkSettings(LayeredSettings settings) {
    this.settings = settings;
  }

  static SinkSettings resolve(Path configFile, Map<String, String> env, Map<String, String> flags,
      Map<String, String> consumerFlags) throws ConfigException {
    LayeredSettings s = LayeredSettings.resolve(SCHEMA, configFile, env, flags, consumerFlags);
    if (!s.has("s3_path_style")) {
      boolean custom = s.get("s3_endpoint") != null;
      s.derive("s3_path_style", custom, Boolean.toString(custom), custom ? "default with s3_endpoint" : "default");
    }
    if (s.get("kafka") == null) {
      throw new ConfigException("kafka is not set; set it (--kafka, TRIBUTARY_KAFKA or 'kafka:' in the config file)");
    }
    return new SinkSettings(s);
  }

  /** The sink's configuration; an invalid combination (an age over 1h, a bad regex) fails with a message. */
  KafkaSinkConfig sinkConfig() {
    return new KafkaSinkConfig(settings.get("kafka"), settings.get("topics"), settings.get("group"), settings.get("lake"),
        settings.get("format"), settings.<Duration>get("max_file_age"), settings.<Long>get("max_file_bytes"),
        settings.<Integer>get("max_file_records"), settings.get("s3_endpoint"), settings.<Boolean>get("s3_path_style"),
        settings.passthrough(), settings.get("path_format"));
  }

  int port() { return settings.get("port"); }
  String bind() { return settings.get("bind"); }
  String describe() { return settings.describe(); }
}
