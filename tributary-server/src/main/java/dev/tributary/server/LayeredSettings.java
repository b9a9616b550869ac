package dev.tributary.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The settings of a command, resolved in layers: built-in defaults, then the YAML config file,
 * then {@code TRIBUTARY_*} environment variables, then command-line flags. Every value remembers
 * where it came from, so errors and {@code --print-config} can say so. A command declares its keys
 * in a {@link Schema}; one YAML key may hold a mapping of Kafka client properties passed through.
 */
final class LayeredSettings {

  /** One known setting: its YAML key, what it means, its default, and how to read it. */
  record Key(String name, String description, String defaultText, Function<String, Object> parser, String accepted) {
    String env() {
      return "TRIBUTARY_" + name.toUpperCase(Locale.ROOT);
    }
  }

  record Value(Object value, String text, String source) {}

  /**
   * A command's keys. {@code passThroughKey} names the YAML mapping of Kafka client properties, and
   * {@code passThroughFlag} the repeatable flag that adds to it. Defaults in angle brackets are
   * derived by the command after resolving.
   */
  record Schema(String command, Map<String, Key> keys, String passThroughKey, String passThroughFlag) {
    static Schema of(String command, String passThroughKey, String passThroughFlag, Key... keys) {
      Map<String, Key> m = new LinkedHashMap<>();
      for (Key k : keys) m.put(k.name(), k);
      return new Schema(command, m, passThroughKey, passThroughFlag);
    }
  }

  private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*(B|KiB|MiB|GiB|TiB)?");
  private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h)");

  private final Schema schema;
  private final Map<String, Value> values;
  private final Map<String, Value> passThrough;

  private LayeredSettings(Schema schema, Map<String, Value> values, Map<String, Value> passThrough) {
    this.schema = schema;
    this.values = values;
    this.passThrough = passThrough;
  }

  /**
   * Resolves the layers. {@code flags} holds only the flags given on the command line, by key;
   * {@code passThroughFlags} the client properties from the command line, over the file's.
   * Throws {@link IllegalArgumentException} with a message naming the key, its source and what is accepted.
   */
  static LayeredSettings resolve(Schema schema, Path configFile, Map<String, String> env, Map<String, String> flags,
      Map<String, String> passThroughFlags) throws ConfigException {
    Map<String, Value> values = new LinkedHashMap<>();
    Map<String, Value> pass = new LinkedHashMap<>();
    for (Key k : schema.keys().values()) {
      if (!k.defaultText().startsWith("<")) values.put(k.name(), parse(k, k.defaultText(), "default"));
    }
    if (configFile != null) {
      String source = "config file " + configFile;
      Map<String, String> scalars = new LinkedHashMap<>();
      readFile(schema, configFile, scalars, pass);
      scalars.forEach((name, text) -> values.put(name, parse(known(schema, name, source), text, source)));
    }
    for (Key k : schema.keys().values()) {
      String v = env.get(k.env());
      if (v != null) values.put(k.name(), parse(k, v, "environment variable " + k.env()));
    }
    for (Map.Entry<String, String> f : flags.entrySet()) {
      values.put(f.getKey(), parse(schema.keys().get(f.getKey()), f.getValue(), "flag --" + f.getKey().replace('_', '-')));
    }
    passThroughFlags.forEach((name, text) -> pass.put(name, new Value(text, text, "flag " + schema.passThroughFlag())));
    return new LayeredSettings(schema, values, pass);
  }

  private static void readFile(Schema schema, Path file, Map<String, String> scalars, Map<String, Value> pass) throws ConfigException {
    JsonNode root;
    try {
      root = new ObjectMapper(new YAMLFactory()).readTree(file.toFile());
    } catch (IOException e) {
      throw new ConfigException("cannot read config file " + file + ": " + e.getMessage());
    }
    if (root == null || root.isMissingNode() || root.isNull()) return;
    if (!root.isObject()) throw new ConfigException("config file " + file + " must be a YAML mapping of keys to values");
    for (Map.Entry<String, JsonNode> e : root.properties()) {
      if (e.getKey().equals(schema.passThroughKey())) {
        readPassThrough(schema, file, e.getValue(), pass);
      } else if (e.getValue().isContainerNode()) {
        throw new ConfigException("config file " + file + ": key '" + e.getKey() + "' must have a single value");
      } else {
        scalars.put(e.getKey(), e.getValue().asText());
      }
    }
  }

  private static void readPassThrough(Schema schema, Path file, JsonNode node, Map<String, Value> out) throws ConfigException {
    String key = schema.passThroughKey();
    if (!node.isObject()) {
      throw new ConfigException("config file " + file + ": '" + key + "' must be a mapping of Kafka client "
          + "properties, e.g. '" + key + ": {security.protocol: SASL_SSL}'");
    }
    String source = "config file " + file;
    for (Map.Entry<String, JsonNode> p : node.properties()) {
      if (p.getValue().isContainerNode() || p.getValue().isNull()) {
        throw new ConfigException("config file " + file + ": Kafka client property '" + p.getKey() + "' must have a single value");
      }
      out.put(p.getKey(), new Value(p.getValue().asText(), p.getValue().asText(), source));
    }
  }

  private static Key known(Schema schema, String name, String source) {
    Key k = schema.keys().get(name);
    if (k == null) {
      throw new IllegalArgumentException(source + ": unknown key '" + name + "'; known keys: "
          + String.join(", ", schema.keys().keySet()) + ", " + schema.passThroughKey());
    }
    return k;
  }

  private static Value parse(Key k, String text, String source) {
    try {
      return new Value(k.parser().apply(text.trim()), text.trim(), source);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("setting '" + k.name() + "' from " + source + ": invalid value '" + text
          + "'; accepted: " + k.accepted());
    }
  }

  boolean has(String key) {
    return values.containsKey(key);
  }

  /** Sets a value the command derives from others (a default in angle brackets). */
  void derive(String key, Object value, String text, String source) {
    values.put(key, new Value(value, text, source));
  }

  @SuppressWarnings("unchecked")
  <T> T get(String key) {
    return (T) values.get(key).value();
  }

  /** The pass-through client properties as given, in order. */
  Map<String, String> passThrough() {
    Map<String, String> out = new LinkedHashMap<>();
    passThrough.forEach((k, v) -> out.put(k, v.text()));
    return out;
  }

  /** Passwords and JAAS configs (which embed them) are not printed. */
  private static boolean secret(String property) {
    String p = property.toLowerCase(Locale.ROOT);
    return p.contains("password") || p.contains("jaas") || p.contains("secret");
  }

  /** The effective settings as YAML, each with where it came from, for {@code --print-config}. */
  String describe() {
    StringBuilder out = new StringBuilder("# effective settings of tributary " + schema.command() + " (file < TRIBUTARY_* env < flags)\n");
    for (Key k : schema.keys().values()) {
      Value v = values.get(k.name());
      out.append("# ").append(k.description()).append("; env ").append(k.env()).append('\n');
      out.append(k.name()).append(": ").append(v.text().isEmpty() ? "\"\"" : v.text()).append("   # ").append(v.source()).append('\n');
    }
    out.append("# Kafka client properties, passed through (secrets hidden); flag ").append(schema.passThroughFlag()).append(" KEY=VALUE\n");
    out.append(schema.passThroughKey()).append(':').append(passThrough.isEmpty() ? " {}\n" : "\n");
    passThrough.forEach((name, v) -> out.append("  ").append(name).append(": ")
        .append(secret(name) ? "\"(hidden)\"" : v.text()).append("   # ").append(v.source()).append('\n'));
    return out.toString();
  }

  static Object port(String s) {
    int p = Integer.parseInt(s);
    if (p < 0 || p > 65535) throw new IllegalArgumentException();
    return p;
  }

  static Object bool(String s) {
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
}
