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
    key("drain_timeout", "on SIGTERM, how long to let the lake catch up before exiting", "30s", ServeSettings::duration, "a duration like 30s");
  }

  private static void key(String name, String description, String defaultText, Function<String, Object> parser, String accepted) {
    KEYS.put(name, new Key(name, description, defaultText, parser, accepted));
  }

  private final Map<String, Value> values;

  private ServeSettings(Map<String, Value> values) {
    this.values = values;
  }

  /**
   * Resolves the settings. {@code flags} holds only the flags given on the command line, by key.
   */
  static ServeSettings resolve(Path configFile, Map<String, String> env, Map<String, String> flags) throws ConfigException {
    try {
      return resolveLayers(configFile, env, flags);
    } catch (IllegalArgumentException e) {
      throw new ConfigException(e.getMessage());
    }
  }

  private static ServeSettings resolveLayers(Path configFile, Map<String, String> env, Map<String, String> flags)
      throws ConfigException {
    Map<String, Value> values = new LinkedHashMap<>();
    for (Key k : KEYS.values()) {
      if (!k.defaultText.startsWith("<")) values.put(k.name, parse(k, k.defaultText, "default"));
    }
    if (configFile != null) {
      readFile(configFile).forEach((name, text) -> values.put(name, parse(known(name, "config file " + configFile), text,
          "config file " + configFile)));
    }
    for (Key k : KEYS.values()) {
      String v = env.get(k.env());
      if (v != null) values.put(k.name, parse(k, v, "environment variable " + k.env()));
    }
    for (Map.Entry<String, String> f : flags.entrySet()) {
      values.put(f.getKey(), parse(KEYS.get(f.getKey()), f.getValue(), "flag --" + f.getKey().replace('_', '-')));
    }
    if (!values.containsKey("lake")) {
      Path lake = ((Path) values.get("data_dir").value()).resolve("lake");
      values.put("lake", new Value(lake, lake.toString(), "default (<data_dir>/lake)"));
    }
    return new ServeSettings(values);
  }

  private static Map<String, String> readFile(Path file) throws ConfigException {
    JsonNode root;
    try {
      root = new ObjectMapper(new YAMLFactory()).readTree(file.toFile());
    } catch (IOException e) {
      throw new ConfigException("cannot read config file " + file + ": " + e.getMessage());
    }
    Map<String, String> out = new LinkedHashMap<>();
    if (root == null || root.isMissingNode() || root.isNull()) return out;
    if (!root.isObject()) throw new ConfigException("config file " + file + " must be a YAML mapping of keys to values");
    for (Map.Entry<String, JsonNode> e : root.properties()) {
      if (e.getValue().isContainerNode()) {
        throw new ConfigException("config file " + file + ": key '" + e.getKey() + "' must have a single value");
      }
      out.put(e.getKey(), e.getValue().asText());
    }
    return out;
  }

  private static Key known(String name, String source) {
    Key k = KEYS.get(name);
    if (k == null) {
      throw new IllegalArgumentException(source + ": unknown key '" + name + "'; known keys: " + String.join(", ", KEYS.keySet()));
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

  /** The effective settings as YAML, each with where it came from, for {@code serve --print-config}. */
  String describe() {
    StringBuilder out = new StringBuilder("# effective settings of tributary serve (file < TRIBUTARY_* env < flags)\n");
    for (Key k : KEYS.values()) {
      Value v = values.get(k.name);
      out.append("# ").append(k.description).append("; env ").append(k.env()).append('\n');
      out.append(k.name).append(": ").append(v.text.isEmpty() ? "\"\"" : v.text).append("   # ").append(v.source).append('\n');
    }
    return out.toString();
  }
}
