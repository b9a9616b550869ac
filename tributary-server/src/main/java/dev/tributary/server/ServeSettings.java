package dev.tributary.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.tributary.spool.FsyncPolicy;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The settings of {@code serve}, resolved in layers: built-in defaults, then the YAML config file,
 * then {@code TRIBUTARY_*} environment variables, then command-line flags. Every value remembers
 * where it came from, so errors and {@code --print-config} can say so.
 */
final class ServeSettings {

  /** One known setting: its YAML key, what it means, its default, and how to read it. */
  private record Key(String name, String description, String defaultText, Function<String, Object> parser, String accepted) {
    String env() {
      return "TRIBUTARY_" + name.toUpperCase(Locale.ROOT);
    }
  }

  private record Value(Object value, String text, String source) {}

  private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*(B|KiB|MiB|GiB|TiB)?");
  private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h)");

  static final Map<String, Key> KEYS = new LinkedHashMap<>();

  static {
    key("port", "HTTP port of the capture API", "8080", ServeSettings::port, "an integer 0-65535");
    key("bind", "address to listen on; anything but loopback needs a tokens file", "127.0.0.1", s -> s, "an IP address or host name");
    key("data_dir", "where the spool and, by default, the lake live", "./tributary-data", Path::of, "a directory path");
    key("lake", "lake root directory", "<data_dir>/lake", Path::of, "a directory path");
    key("fsync", "when an append is durable", "always", FsyncPolicy::parse, "always, never, interval=<milliseconds>");
    key("tokens_file", "YAML file of tokens and their apps; none = no auth, loopback only", "", s -> s.isEmpty() ? null : Path.of(s), "a file path");
    key("max_request_bytes", "largest request body after decompression", "4MiB", ServeSettings::size, "a size like 4MiB, 512KiB or 1048576");
    key("spool_max_bytes", "spool capacity; past it capture answers 503", "10GiB", ServeSettings::size, "a size like 10GiB");
    key("spool_segment_bytes", "spool segment size", "64MiB", ServeSettings::size, "a size like 64MiB");
    key("lake_roll_bytes", "a lake file is completed at this many uncompressed bytes", "128MiB", ServeSettings::size, "a size like 128MiB");
    key("lake_roll_age", "a lake file is completed at this age", "60s", ServeSettings::duration, "a duration like 60s, 5m, 500ms");
    key("dedup_window", "a retried event_id within this window lands once", "10m", ServeSettings::duration, "a duration like 10m");
    key("drain_timeout", "on SIGTERM, how long to let the lake (or Kafka) catch up before exiting", "<30s, 60s with kafka>",
        ServeSettings::duration, "a duration like 30s");
    key("kafka", "Kafka bootstrap servers; when set the spool is forwarded to Kafka and the lake is off", "",
        s -> s.isEmpty() ? null : s, "host:port[,host:port...]");
    key("topic", "Kafka topic, or a template where {event} stands for the event type", "events", s -> s,
        "a topic name like events, or a template like events.{event}");
    key("linger", "how long the Kafka producer waits to fill a batch", "20ms", ServeSettings::duration, "a duration like 20ms or 2s");
    key("bus_port", "HTTP port of the Chukcha-compatible bus beside capture (data in <data_dir>/bus); none = off", "",
        s -> s.isEmpty() ? null : port(s), "an integer 0-65535");
    key("embedded_lake", "with kafka set, land events in the local lake as well", "false", ServeSettings::bool, "true or false");
  }

  /** The YAML mapping of Kafka producer properties, passed through as they are. */
  static final String PRODUCER_KEY = "kafka_producer";

  private static void key(String name, String description, String defaultText, Function<String, Object> parser, String accepted) {
    KEYS.put(name, new Key(name, description, defaultText, parser, accepted));
  }

  private final Map<String, Value> values;
  private final Map<String, Value> producerProperties;

  private ServeSettings(Map<String, Value> values, Map<String, Value> producerProperties) {
    this.values = values;
    this.producerProperties = producerProperties;
  }

  /** Resolves the settings. {@code flags} holds only the flags given on the command line, by key. */
  static ServeSettings resolve(Path configFile, Map<String, String> env, Map<String, String> flags) throws ConfigException {
    return resolve(configFile, env, flags, Map.of());
  }

  /** As above; {@code producerFlags} are Kafka producer properties from the command line, over the file's. */
  static ServeSettings resolve(Path configFile, Map<String, String> env, Map<String, String> flags,
      Map<String, String> producerFlags) throws ConfigException {
    try {
      return resolveLayers(configFile, env, flags, producerFlags);
    } catch (IllegalArgumentException e) {
      throw new ConfigException(e.getMessage());
    }
  }

  private static ServeSettings resolveLayers(Path configFile, Map<String, String> env, Map<String, String> flags,
      Map<String, String> producerFlags) throws ConfigException {
    Map<String, Value> values = new LinkedHashMap<>();
    Map<String, Value> producer = new LinkedHashMap<>();
    for (Key k : KEYS.values()) {
      if (!k.defaultText.startsWith("<")) values.put(k.name, parse(k, k.defaultText, "default"));
    }
    if (configFile != null) {
      String source = "config file " + configFile;
      FileSettings file = readFile(configFile);
      file.scalars().forEach((name, text) -> values.put(name, parse(known(name, source), text, source)));
      file.producer().forEach((name, text) -> producer.put(name, new Value(text, text, source)));
    }
    for (Key k : KEYS.values()) {
      String v = env.get(k.env());
      if (v != null) values.put(k.name, parse(k, v, "environment variable " + k.env()));
    }
    for (Map.Entry<String, String> f : flags.entrySet()) {
      values.put(f.getKey(), parse(KEYS.get(f.getKey()), f.getValue(), "flag --" + f.getKey().replace('_', '-')));
    }
    producerFlags.forEach((name, text) -> producer.put(name, new Value(text, text, "flag --producer-property")));
    if (!values.containsKey("lake")) {
      Path lake = ((Path) values.get("data_dir").value()).resolve("lake");
      values.put("lake", new Value(lake, lake.toString(), "default (<data_dir>/lake)"));
    }
    if (!values.containsKey("drain_timeout")) {
      boolean kafka = values.get("kafka").value() != null;
      Duration d = Duration.ofSeconds(kafka ? 60 : 30);
      values.put("drain_timeout", new Value(d, d.toSeconds() + "s", kafka ? "default with kafka" : "default"));
    }
    if (!producer.isEmpty() && values.get("kafka").value() == null) {
      throw new ConfigException("Kafka producer properties are set (" + String.join(", ", producer.keySet())
          + ") but kafka is not; set kafka (--kafka, TRIBUTARY_KAFKA or 'kafka:' in the config file)");
    }
    return new ServeSettings(values, producer);
  }

  private record FileSettings(Map<String, String> scalars, Map<String, String> producer) {}

  private static FileSettings readFile(Path file) throws ConfigException {
    JsonNode root;
    try {
      root = new ObjectMapper(new YAMLFactory()).readTree(file.toFile());
    } catch (IOException e) {
      throw new ConfigException("cannot read config file " + file + ": " + e.getMessage());
    }
    FileSettings out = new FileSettings(new LinkedHashMap<>(), new LinkedHashMap<>());
    if (root == null || root.isMissingNode() || root.isNull()) return out;
    if (!root.isObject()) throw new ConfigException("config file " + file + " must be a YAML mapping of keys to values");
    for (Map.Entry<String, JsonNode> e : root.properties()) {
      if (e.getKey().equals(PRODUCER_KEY)) {
        readProducer(file, e.getValue(), out.producer());
      } else if (e.getValue().isContainerNode()) {
        throw new ConfigException("config file " + file + ": key '" + e.getKey() + "' must have a single value");
      } else {
        out.scalars().put(e.getKey(), e.getValue().asText());
      }
    }
    return out;
  }

  private static void readProducer(Path file, JsonNode node, Map<String, String> out) throws ConfigException {
    if (!node.isObject()) {
      throw new ConfigException("config file " + file + ": '" + PRODUCER_KEY + "' must be a mapping of Kafka producer "
          + "properties, e.g. '" + PRODUCER_KEY + ": {security.protocol: SASL_SSL}'");
    }
    for (Map.Entry<String, JsonNode> p : node.properties()) {
      if (p.getValue().isContainerNode() || p.getValue().isNull()) {
        throw new ConfigException("config file " + file + ": producer property '" + p.getKey() + "' must have a single value");
      }
      out.put(p.getKey(), p.getValue().asText());
    }
  }

  private static Key known(String name, String source) {
    Key k = KEYS.get(name);
    if (k == null) {
      throw new IllegalArgumentException(source + ": unknown key '" + name + "'; known keys: " + String.join(", ", KEYS.keySet())
          + ", " + PRODUCER_KEY);
    }
    return k;
  }

  private static Value parse(Key k, String text, String source) {
    try {
      return new Value(k.parser.apply(text.trim()), text.trim(), source);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("setting '" + k.name + "' from " + source + ": invalid value '" + text
          + "'; accepted: " + k.accepted);
    }
  }

  private static Object port(String s) {
    int p = Integer.parseInt(s);
    if (p < 0 || p > 65535) throw new IllegalArgumentException();
    return p;
  }

  private static Object bool(String s) {
    return switch (s) {
      case "true" -> true;
      case "false" -> false;
      default -> throw new IllegalArgumentException();
    };
  }

  static long size(String s) {
    Matcher m = SIZE.matcher(s);
    if (!m.matches()) throw new IllegalArgumentException();
    int shift = switch (m.group(2) == null ? "B" : m.group(2)) {
      case "KiB" -> 10;
      case "MiB" -> 20;
      case "GiB" -> 30;
      case "TiB" -> 40;
      default -> 0;
    };
    return Math.multiplyExact(Long.parseLong(m.group(1)), 1L << shift);
  }

  static Duration duration(String s) {
    Matcher m = DURATION.matcher(s);
    if (!m.matches()) throw new IllegalArgumentException();
    long n = Long.parseLong(m.group(1));
    return switch (m.group(2)) {
      case "ms" -> Duration.ofMillis(n);
      case "s" -> Duration.ofSeconds(n);
      case "m" -> Duration.ofMinutes(n);
      default -> Duration.ofHours(n);
    };
  }

  @SuppressWarnings("unchecked")
  private <T> T get(String key) {
    return (T) values.get(key).value();
  }

  int port() { return get("port"); }
  String bind() { return get("bind"); }
  Path dataDir() { return get("data_dir"); }
  Path spoolDir() { return dataDir().resolve("spool"); }
  Path lake() { return get("lake"); }
  FsyncPolicy fsync() { return get("fsync"); }
  Optional<Path> tokensFile() { return Optional.ofNullable(get("tokens_file")); }
  long maxRequestBytes() { return get("max_request_bytes"); }
  long spoolMaxBytes() { return get("spool_max_bytes"); }
  long spoolSegmentBytes() { return get("spool_segment_bytes"); }
  long lakeRollBytes() { return get("lake_roll_bytes"); }
  Duration lakeRollAge() { return get("lake_roll_age"); }
  Duration dedupWindow() { return get("dedup_window"); }
  Duration drainTimeout() { return get("drain_timeout"); }
  Optional<String> kafka() { return Optional.ofNullable(get("kafka")); }
  String topic() { return get("topic"); }
  Duration linger() { return get("linger"); }
  /** The local lake runs without Kafka, and with Kafka only when asked for. */
  boolean lakeEnabled() { return kafka().isEmpty() || (boolean) get("embedded_lake"); }
  Path deadLetterDir() { return dataDir().resolve("dead-letters"); }
  Optional<Integer> busPort() { return Optional.ofNullable(get("bus_port")); }
  Path busDir() { return dataDir().resolve("bus"); }

  Map<String, String> producerProperties() {
    Map<String, String> out = new LinkedHashMap<>();
    producerProperties.forEach((k, v) -> out.put(k, v.text()));
    return out;
  }

  /** Passwords and JAAS configs (which embed them) are not printed. */
  private static boolean secret(String property) {
    String p = property.toLowerCase(Locale.ROOT);
    return p.contains("password") || p.contains("jaas") || p.contains("secret");
  }

  /** The effective settings as YAML, each with where it came from, for {@code serve --print-config}. */
  String describe() {
    StringBuilder out = new StringBuilder("# effective settings of tributary serve (file < TRIBUTARY_* env < flags)\n");
    for (Key k : KEYS.values()) {
      Value v = values.get(k.name);
      out.append("# ").append(k.description).append("; env ").append(k.env()).append('\n');
      out.append(k.name).append(": ").append(v.text.isEmpty() ? "\"\"" : v.text).append("   # ").append(v.source).append('\n');
    }
    out.append("# Kafka producer properties, passed through (secrets hidden); flag --producer-property KEY=VALUE\n");
    out.append(PRODUCER_KEY).append(':').append(producerProperties.isEmpty() ? " {}\n" : "\n");
    producerProperties.forEach((name, v) -> out.append("  ").append(name).append(": ")
        .append(secret(name) ? "\"(hidden)\"" : v.text).append("   # ").append(v.source).append('\n'));
    return out.toString();
  }
}
