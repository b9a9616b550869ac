package dev.tributary.server;

import dev.tributary.capture.CaptureConfig;
import dev.tributary.kafka.TopicCreation;
import dev.tributary.lake.LakeFormat;
import dev.tributary.lake.LakeTarget;
import dev.tributary.lake.PathFormat;
import dev.tributary.spool.FsyncPolicy;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The settings of {@code serve}, resolved in layers by {@link LayeredSettings}. */
final class ServeSettings {

  /** The YAML mapping of Kafka producer properties, passed through as they are. */
  static final String PRODUCER_KEY = "kafka_producer";

  static final LayeredSettings.Schema SCHEMA = new LayeredSettings.Schema("serve", PRODUCER_KEY, "producer-property")
      .key("port", "HTTP port of the capture API", "8080", LayeredSettings::port, "an integer 0-65535")
      .key("bind", "address to listen on; anything but loopback needs a tokens file", "127.0.0.1", s -> s, "an IP address or host name")
      .key("data_dir", "where the spool and, by default, the lake live", "./tributary-data", LayeredSettings::path, "a directory path")
      .key("lake", "lake root: a directory, or s3://bucket/prefix", "<data_dir>/lake", ServeSettings::lake,
          "a directory path or s3://bucket[/prefix] (a bucket name of 3-63 lower-case letters, digits, dots and hyphens)")
      .key("format", "lake file format", "ndjson", LakeFormat::parse, "ndjson (gzip), ndjson-zstd, parquet (zstd)")
      .key("s3_endpoint", "an S3-compatible endpoint instead of AWS's (MinIO, S3Proxy, ...)", "", ServeSettings::endpoint,
          "an http:// or https:// URL like http://127.0.0.1:9000")
      .key("s3_path_style", "address buckets as endpoint/bucket (most S3-compatible stores need it)", "<true with s3_endpoint>",
          LayeredSettings::bool, "true or false")
      .key("fsync", "when an append is durable", "always", FsyncPolicy::parse, "always, never, interval=<milliseconds>")
      .key("tokens_file", "YAML file of tokens and their apps; none = no auth, loopback only", "", s -> s.isEmpty() ? null : LayeredSettings.path(s), "a file path")
      .key("tls_cert", "PEM certificate chain file; with tls_key, the capture port serves HTTPS (HTTP/2 and HTTP/1.1), "
          + "reloaded when the file changes; none = plain HTTP", "", s -> s.isEmpty() ? null : LayeredSettings.path(s), "a file path")
      .key("tls_key", "PEM private key file of tls_cert (PKCS#8, PKCS#1 or SEC1, unencrypted)", "", s -> s.isEmpty() ? null : LayeredSettings.path(s),
          "a file path")
      .key("cors_origins", "origins whose web pages may send events (CORS)", "*", ServeSettings::corsOrigins,
          "* (any origin), or a comma-separated list (a YAML list in the file) of origins and patterns like https://app.example.com, https://*.example.com, http://localhost:*")
      .key("trusted_proxies", "proxies whose X-Forwarded-For / Forwarded name the client (for apps with store_ip)", "", ServeSettings::trustedProxies,
          "a comma-separated list (a YAML list in the file) of IP addresses and CIDR ranges like 10.0.0.0/8, fd00::/8; empty = none")
      .key("max_request_bytes", "largest request body after decompression", "4MiB", LayeredSettings::size, "a size like 4MiB, 512KiB or 1048576")
      .key("spool_max_bytes", "spool capacity; past it capture answers 503", "10GiB", LayeredSettings::size, "a size like 10GiB, 10GB or 1048576 (bytes)")
      .key("spool_segment_bytes", "spool segment size", "64MiB", LayeredSettings::size, "a size like 64MiB, 64MB or 1048576 (bytes)")
      .key("lake_roll_bytes", "a lake file is completed at this many uncompressed bytes", "128MiB", LayeredSettings::size, "a size like 128MiB, 128MB or 1048576 (bytes)")
      .key("lake_roll_age", "a lake file is completed at this age", "60s", LayeredSettings::duration, "a duration like 60s, 5m, 1m30s or 500ms")
      .key("lake_path_format", "layout of the event partitions under the lake's events/", PathFormat.DEFAULT, PathFormat::parse,
          SinkSettings.PATH_FORMAT_ACCEPTED)
      .key("dedup_window", "a retried event_id within this window lands once", "10m", LayeredSettings::duration, "a duration like 10m, 1h or 1m30s")
      .key("drain_timeout", "on SIGTERM, how long to let the lake (or Kafka) catch up before exiting", "<30s, 60s with kafka>",
          LayeredSettings::duration, "a duration like 30s")
      .key("kafka", "Kafka bootstrap servers; when set the spool is forwarded to Kafka and the lake is off", "",
          s -> s.isEmpty() ? null : s, "host:port[,host:port...]")
      .key("topic", "Kafka topic, or a template where {event} stands for the event type", "events", s -> s,
          "a topic name like events, or a template like events.{event}")
      .key("partitions", "partition count of the topic when capture creates it (the first to need it); a template's topics are the broker's",
          "broker", ServeSettings::partitions, "broker (the broker's num.partitions), or an integer 1 or more")
      .key("replication_factor", "replication factor of the topic when capture creates it", "broker",
          LayeredSettings::replicationFactor, LayeredSettings.REPLICATION_FORMS)
      .key("linger", "how long the Kafka producer waits to fill a batch", "20ms", LayeredSettings::duration, "a duration like 20ms or 2s")
      .key("bus_port", "HTTP port of the Chukcha-compatible bus beside capture (data in <data_dir>/bus); none = off", "",
          s -> s.isEmpty() ? null : LayeredSettings.port(s), "an integer 0-65535")
      .key("embedded_lake", "with kafka set, land events in the local lake as well", "false", LayeredSettings::bool, "true or false");

  static final Map<String, LayeredSettings.Key> KEYS = SCHEMA.keys();

  private final LayeredSettings settings;

  private ServeSettings(LayeredSettings settings) {
    this.settings = settings;
  }

  /** Resolves the settings. {@code flags} holds only the flags given on the command line, by key. */
  static ServeSettings resolve(Path configFile, Map<String, String> env, Map<String, String> flags) throws ConfigException {
    return resolve(configFile, env, flags, Map.of());
  }

  /** As above; {@code producerFlags} are Kafka producer properties from the command line, over the file's. */
  static ServeSettings resolve(Path configFile, Map<String, String> env, Map<String, String> flags,
      Map<String, String> producerFlags) throws ConfigException {
    LayeredSettings s = LayeredSettings.resolve(SCHEMA, configFile, env, flags, producerFlags);
    if (!s.has("lake")) {
      String lake = ((Path) s.get("data_dir")).resolve("lake").toString();
      s.derive("lake", lake, lake, "default (<data_dir>/lake)");
    }
    if (!s.has("s3_path_style")) {
      boolean custom = s.get("s3_endpoint") != null;
      s.derive("s3_path_style", custom, Boolean.toString(custom), custom ? "default with s3_endpoint" : "default");
    }
    if (s.get("s3_endpoint") != null && !((String) s.get("lake")).startsWith("s3://")) {
      throw new ConfigException("s3_endpoint (" + s.get("s3_endpoint") + ") is set but the lake is the directory " + s.get("lake")
          + "; set the lake to s3://bucket[/prefix] (--lake, TRIBUTARY_LAKE or 'lake:' in the config file)");
    }
    if (!s.has("drain_timeout")) {
      boolean kafka = s.get("kafka") != null;
      Duration d = Duration.ofSeconds(kafka ? 60 : 30);
      s.derive("drain_timeout", d, d.toSeconds() + "s", kafka ? "default with kafka" : "default");
    }
    if ((s.get("tls_cert") == null) != (s.get("tls_key") == null)) {
      String set = s.get("tls_cert") == null ? "tls_key" : "tls_cert";
      String unset = set.equals("tls_cert") ? "tls_key" : "tls_cert";
      throw new ConfigException(set + " is set but " + unset + " is not; HTTPS needs both the certificate and its key (--tls-cert and --tls-key, "
          + "TRIBUTARY_TLS_CERT and TRIBUTARY_TLS_KEY, or both in the config file)");
    }
    if (!s.passthrough().isEmpty() && s.get("kafka") == null) {
      throw new ConfigException("Kafka producer properties are set (" + String.join(", ", s.passthrough().keySet())
          + ") but kafka is not; set kafka (--kafka, TRIBUTARY_KAFKA or 'kafka:' in the config file)");
    }
    return new ServeSettings(s);
  }

  /** Checked by capture's own rules, so that a wrong entry is refused before anything starts. */
  private static List<String> corsOrigins(String s) {
    List<String> origins = LayeredSettings.list(s);
    CaptureConfig.defaults().withCorsOrigins(origins);
    return origins;
  }

  private static List<String> trustedProxies(String s) {
    List<String> proxies = LayeredSettings.list(s);
    CaptureConfig.defaults().withTrustedProxies(proxies);
    return proxies;
  }

  /** An absolute directory, or a well-formed s3:// URL; another URL would otherwise become a directory named {@code gs:}. */
  private static String lake(String s) {
    if (s.startsWith("s3://")) return LakeTarget.checkS3(s);
    if (s.matches("[A-Za-z][A-Za-z0-9+.-]*://.*")) throw new IllegalArgumentException("a URL other than s3://");
    return LayeredSettings.path(s).toString();
  }

  private static URI endpoint(String s) {
    if (s.isEmpty()) return null;
    URI uri = URI.create(s);
    if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null) {
      throw new IllegalArgumentException("not an http(s) URL with a host");
    }
    return uri;
  }

  int port() { return settings.get("port"); }
  String bind() { return settings.get("bind"); }
  Path dataDir() { return settings.get("data_dir"); }
  Path spoolDir() { return dataDir().resolve("spool"); }
  /** The lake's location: an absolute directory or an s3:// URL. */
  String lake() { return settings.get("lake"); }
  LakeTarget lakeTarget() {
    return new LakeTarget(lake(), settings.get("format"), settings.get("s3_endpoint"), settings.<Boolean>get("s3_path_style"));
  }
  /** Where S3 lake files are written before upload: under the data directory, so a killed run's are found again. */
  Path lakeUploadDir() { return dataDir().resolve("lake-uploads"); }
  FsyncPolicy fsync() { return settings.get("fsync"); }
  Optional<Path> tokensFile() { return Optional.ofNullable(settings.get("tokens_file")); }
  /** Set together with {@link #tlsKey()} or not at all: capture then serves HTTPS. */
  Optional<Path> tlsCert() { return Optional.ofNullable(settings.get("tls_cert")); }
  Optional<Path> tlsKey() { return Optional.ofNullable(settings.get("tls_key")); }
  long maxRequestBytes() { return settings.get("max_request_bytes"); }
  List<String> corsOrigins() { return settings.get("cors_origins"); }
  List<String> trustedProxies() { return settings.get("trusted_proxies"); }
  long spoolMaxBytes() { return settings.get("spool_max_bytes"); }
  long spoolSegmentBytes() { return settings.get("spool_segment_bytes"); }
  long lakeRollBytes() { return settings.get("lake_roll_bytes"); }
  Duration lakeRollAge() { return settings.get("lake_roll_age"); }
  PathFormat lakePathFormat() { return settings.get("lake_path_format"); }
  Duration dedupWindow() { return settings.get("dedup_window"); }
  Duration drainTimeout() { return settings.get("drain_timeout"); }
  Optional<String> kafka() { return Optional.ofNullable(settings.get("kafka")); }
  String topic() { return settings.get("topic"); }
  Duration linger() { return settings.get("linger"); }
  TopicCreation topicCreation() { return new TopicCreation(settings.get("partitions"), settings.get("replication_factor")); }

  private static Object partitions(String s) {
    if (s.equals("broker")) return Optional.empty();
    int n = Integer.parseInt(s);
    if (n < 1) throw new IllegalArgumentException();
    return Optional.of(n);
  }
  /** The local lake runs without Kafka, and with Kafka only when asked for. */
  boolean lakeEnabled() { return kafka().isEmpty() || (boolean) settings.get("embedded_lake"); }
  Path deadLetterDir() { return dataDir().resolve("dead-letters"); }
  Optional<Integer> busPort() { return Optional.ofNullable(settings.get("bus_port")); }
  Path busDir() { return dataDir().resolve("bus"); }

  Map<String, String> producerProperties() { return settings.passthrough(); }

  /** The effective settings as YAML, each with where it came from, for {@code serve --print-config}. */
  String describe() { return settings.describe(); }

}
