package dev.tributary.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * The settings of a command, resolved in layers: built-in defaults, then the YAML config file,
 * then {@code TRIBUTARY_*} environment variables, then command-line flags. Every value remembers
 * where it came from, so errors and {@code --print-config} can say so. A command declares its
 * keys in a {@link Schema}, with one optional YAML mapping passed through as it is (Kafka client
 * properties).
 */
final class LayeredSettings {

  /** One known setting: its YAML key, what it means, its default, and how to read it. */
  record Key(String name, String description, String defaultText, Function<String, Object> parser, String accepted,
      UnaryOperator<String> shown) {
    String env() {
      return "TRIBUTARY_" + name.toUpperCase(Locale.ROOT);
    }
  }

  record Value(Object value, String text, String source) {}

  /**
   * The keys of a command. A default in angle brackets ({@code <...>}) is derived by the command
   * from other keys after resolution; {@code passthroughKey} names the YAML mapping of client
   * properties ({@code passthroughFlag} its repeatable flag).
   */
  static final class Schema {
    private final String command;
    private final String passthroughKey;
    private final String passthroughFlag;
    private final Map<String, Key> keys = new LinkedHashMap<>();
    private final List<String> secrets = new ArrayList<>();

    Schema(String command, String passthroughKey, String passthroughFlag) {
      this.command = command;
      this.passthroughKey = passthroughKey;
      this.passthroughFlag = passthroughFlag;
      key(passthroughKey + FILE_SUFFIX, "a Java properties file of more Kafka client properties (under " + passthroughKey
          + " and the flags), as Kafka's own tools take", "", s -> s.isEmpty() ? "" : path(s).toString(), "a file path");
    }

    Schema key(String name, String description, String defaultText, Function<String, Object> parser, String accepted) {
      return key(name, description, defaultText, parser, accepted, UnaryOperator.identity());
    }

    /** A key whose value is shown (in {@code --print-config} and errors) as {@code shown} makes it, e.g. a URL without its password. */
    Schema key(String name, String description, String defaultText, Function<String, Object> parser, String accepted,
        UnaryOperator<String> shown) {
      keys.put(name, new Key(name, description, defaultText, parser, accepted, shown));
      return this;
    }

    /**
     * A secret {@code name}, never shown, and {@code name_file}: a file holding it (a Kubernetes
     * Secret mounted as a file, say), so that it need not be on a command line. There is no flag
     * for the secret itself; the config file and {@code TRIBUTARY_*} can hold it.
     */
    Schema secret(String name, String description) {
      key(name, description + " (hidden)", "", s -> s, "any text", s -> HIDDEN);
      key(name + FILE_SUFFIX, "a file holding " + name + " (a trailing newline is dropped)", "",
          s -> s.isEmpty() ? "" : path(s).toString(), "a file path");
      secrets.add(name);
      return this;
    }

    Map<String, Key> keys() {
      return keys;
    }
  }

  /** Binary units (KiB = 1024) and decimal ones (KB = 1000), as Kubernetes reads them; letter case aside. */
  private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*(?:([kmgt])(i)?)?b?", Pattern.CASE_INSENSITIVE);
  /** One or more parts, each unit once and largest first as Go writes them: 2d, 2h, 1m30s, 1h30m, 500ms. */
  private static final Pattern DURATION = Pattern.compile("(?:(\\d+)d)?(?:(\\d+)h)?(?:(\\d+)m)?(?:(\\d+)s)?(?:(\\d+)ms)?");
  /** What {@link #duration} accepts, for error messages. */
  static final String DURATION_FORMS = "a duration like 500ms, 90s, 10m, 1m30s, 1h or 2d (units d, h, m, s, ms, largest first)";
  /** What {@link #size} accepts, for error messages. */
  static final String SIZE_FORMS = "a size like 1048576 (bytes), 512KiB, 64MiB, 10GiB (powers of 1024) or 512MB, 10GB (powers of 1000)";
  private static final String FILE_SUFFIX = "_file";
  private static final String HIDDEN = "(hidden)";
  /** {@code ${NAME}} in a config file value: the environment variable's value. */
  private static final Pattern ENV_REFERENCE = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)}");
  /** Read by the launcher script and by logback.xml, not by a command's settings. */
  private static final List<String> OTHER_VARIABLES = List.of("TRIBUTARY_JAVA_OPTS", "TRIBUTARY_LOG_LEVEL", LogFormat.VARIABLE);

  private final Schema schema;
  private final Map<String, Value> values;
  private final Map<String, Value> passthrough;

  private LayeredSettings(Schema schema, Map<String, Value> values, Map<String, Value> passthrough) {
    this.schema = schema;
    this.values = values;
    this.passthrough = passthrough;
  }

  /** {@code flags} holds only the flags given on the command line, by key; {@code passthroughFlags} win over the file's. */
  static LayeredSettings resolve(Schema schema, Path configFile, Map<String, String> env, Map<String, String> flags,
      Map<String, String> passthroughFlags) throws ConfigException {
    try {
      return resolveLayers(schema, configFile, env, flags, passthroughFlags);
    } catch (IllegalArgumentException e) {
      throw new ConfigException(e.getMessage());
    }
  }

  private static LayeredSettings resolveLayers(Schema schema, Path configFile, Map<String, String> env,
      Map<String, String> flags, Map<String, String> passthroughFlags) throws ConfigException {
    Map<String, Value> values = new LinkedHashMap<>();
    Map<String, Value> fromFile = new LinkedHashMap<>();
    for (Key k : schema.keys.values()) {
      if (!k.defaultText.startsWith("<")) values.put(k.name, parse(k, k.defaultText, "default"));
    }
    if (configFile != null) {
      String source = "config file " + configFile;
      FileSettings file = readFile(schema, configFile, env);
      file.scalars().forEach((name, text) -> values.put(name, parse(known(schema, name, source), text, source)));
      file.passthrough().forEach((name, text) -> fromFile.put(name, new Value(text, text, source)));
    }
    for (Key k : schema.keys.values()) {
      String v = env.get(k.env());
      if (v != null) values.put(k.name, parse(k, v, "environment variable " + k.env()));
    }
    for (Map.Entry<String, String> f : flags.entrySet()) {
      values.put(f.getKey(), parse(schema.keys.get(f.getKey()), f.getValue(), "flag --" + f.getKey().replace('_', '-')));
    }
    Map<String, Value> passthrough = readPropertiesFile(schema, values.get(schema.passthroughKey + FILE_SUFFIX));
    passthrough.putAll(fromFile);
    passthroughFlags.forEach((name, text) -> passthrough.put(name, new Value(text, text, "flag --" + schema.passthroughFlag)));
    for (String secret : schema.secrets) readSecretFile(secret, values);
    return new LayeredSettings(schema, values, passthrough);
  }

  private static Map<String, Value> readPropertiesFile(Schema schema, Value file) throws ConfigException {
    Map<String, Value> out = new LinkedHashMap<>();
    if (file.text().isEmpty()) return out;
    java.util.Properties properties = new java.util.Properties();
    try (var reader = java.nio.file.Files.newBufferedReader(Path.of(file.text()))) {
      properties.load(reader);
    } catch (IOException | RuntimeException e) {
      throw new ConfigException("setting '" + schema.passthroughKey + FILE_SUFFIX + "' from " + file.source() + ": cannot read "
          + file.text() + " (" + e + ")");
    }
    properties.stringPropertyNames().stream().sorted()
        .forEach(name -> out.put(name, new Value(properties.getProperty(name), properties.getProperty(name), "file " + file.text())));
    return out;
  }

  private static void readSecretFile(String secret, Map<String, Value> values) throws ConfigException {
    Value file = values.get(secret + FILE_SUFFIX);
    if (file.text().isEmpty()) return;
    Value direct = values.get(secret);
    if (!direct.text().isEmpty()) {
      throw new ConfigException("both " + secret + " (from " + direct.source() + ") and " + secret + FILE_SUFFIX + " (from "
          + file.source() + ") are set; set one");
    }
    String text;
    try {
      text = java.nio.file.Files.readString(Path.of(file.text())).replaceFirst("\\r?\\n$", "");
    } catch (IOException | RuntimeException e) {
      throw new ConfigException("setting '" + secret + FILE_SUFFIX + "' from " + file.source() + ": cannot read " + file.text()
          + " (" + e + ")");
    }
    values.put(secret, new Value(text, HIDDEN, "file " + file.text()));
  }

  private record FileSettings(Map<String, String> scalars, Map<String, String> passthrough) {}

  private static FileSettings readFile(Schema schema, Path file, Map<String, String> env) throws ConfigException {
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
      if (e.getKey().equals(schema.passthroughKey)) {
        readPassthrough(schema, file, e.getValue(), out.passthrough(), env);
      } else if (e.getValue().isArray() && allScalars(e.getValue())) {
        List<String> items = new ArrayList<>();
        e.getValue().forEach(item -> items.add(item.asText()));
        out.scalars().put(e.getKey(), expand(file, e.getKey(), String.join(",", items), env));
      } else if (e.getValue().isContainerNode()) {
        throw new ConfigException("config file " + file + ": key '" + e.getKey() + "' must have a single value");
      } else {
        out.scalars().put(e.getKey(), expand(file, e.getKey(), e.getValue().asText(), env));
      }
    }
    return out;
  }

  /** Replaces every {@code ${NAME}} by that environment variable, so that the file need not hold secrets. */
  private static String expand(Path file, String key, String text, Map<String, String> env) throws ConfigException {
    Matcher m = ENV_REFERENCE.matcher(text);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String value = env.get(m.group(1));
      if (value == null) {
        throw new ConfigException("config file " + file + ": key '" + key + "' refers to ${" + m.group(1)
            + "}, but that environment variable is not set");
      }
      m.appendReplacement(out, Matcher.quoteReplacement(value));
    }
    return m.appendTail(out).toString();
  }

  private static boolean allScalars(JsonNode array) {
    for (JsonNode item : array) if (item.isContainerNode()) return false;
    return true;
  }

  /** A comma-separated list (a YAML list in the config file arrives joined by commas); blanks dropped. */
  static List<String> list(String s) {
    List<String> items = new ArrayList<>();
    for (String item : s.split(",")) if (!item.isBlank()) items.add(item.trim());
    return List.copyOf(items);
  }

  private static void readPassthrough(Schema schema, Path file, JsonNode node, Map<String, String> out,
      Map<String, String> env) throws ConfigException {
    String key = schema.passthroughKey;
    if (!node.isObject()) {
      throw new ConfigException("config file " + file + ": '" + key + "' must be a mapping of Kafka client "
          + "properties, e.g. '" + key + ": {security.protocol: SASL_SSL}'");
    }
    for (Map.Entry<String, JsonNode> p : node.properties()) {
      if (p.getValue().isContainerNode() || p.getValue().isNull()) {
        throw new ConfigException("config file " + file + ": property '" + p.getKey() + "' of '" + key
            + "' must have a single value");
      }
      out.put(p.getKey(), expand(file, key + "." + p.getKey(), p.getValue().asText(), env));
    }
  }

  private static Key known(Schema schema, String name, String source) {
    Key k = schema.keys.get(name);
    if (k == null) {
      List<String> known = new ArrayList<>(schema.keys.keySet());
      known.add(schema.passthroughKey);
      List<String> close = CloseNames.of(name, known);
      throw new IllegalArgumentException(source + ": unknown key '" + name + "' for tributary " + schema.command
          + (close.isEmpty() ? "" : " (did you mean " + String.join(" or ", close) + "?)")
          + "; known keys: " + String.join(", ", known));
    }
    return k;
  }

  private static Value parse(Key k, String text, String source) {
    try {
      Object value = k.parser.apply(text.trim());
      return new Value(value, value instanceof Path p ? p.toString() : text.trim(), source);
    } catch (RuntimeException e) {
      // a parser's own IllegalArgumentException says what is wrong (NumberFormatException and the like do not)
      String why = e.getClass() == IllegalArgumentException.class && e.getMessage() != null ? " (" + e.getMessage() + ")" : "";
      throw new IllegalArgumentException("setting '" + k.name + "' from " + source + ": invalid value '" + k.shown.apply(text)
          + "'; accepted: " + k.accepted + why);
    }
  }

  /**
   * One warning line for each {@code TRIBUTARY_*} variable that no command reads, naming the
   * closest known ones: a typo would otherwise leave a default in force without a word.
   */
  static List<String> unknownVariables(Map<String, String> env, Collection<Schema> schemas) {
    String prefix = "TRIBUTARY_";
    List<String> known = new ArrayList<>(OTHER_VARIABLES.stream().map(v -> v.substring(prefix.length())).toList());
    schemas.forEach(schema -> schema.keys.values().forEach(k -> known.add(k.env().substring(prefix.length()))));
    return env.keySet().stream().filter(name -> name.startsWith(prefix) && !known.contains(name.substring(prefix.length())))
        .sorted().map(name -> {
          List<String> close = CloseNames.of(name.substring(prefix.length()), known).stream().map(prefix::concat).toList();
          return "tributary: warning: ignoring environment variable " + name + ", which no setting reads"
              + (close.isEmpty() ? "" : "; did you mean " + String.join(" or ", close) + "?");
        }).toList();
  }

  @SuppressWarnings("unchecked")
  <T> T get(String key) {
    return (T) values.get(key).value();
  }

  boolean has(String key) {
    return values.containsKey(key);
  }

  /** Sets a key whose default depends on others ({@code <...>} in the schema). */
  void derive(String key, Object value, String text, String source) {
    values.put(key, new Value(value, text, source));
  }

  /** The passed-through client properties, by name. */
  Map<String, String> passthrough() {
    Map<String, String> out = new LinkedHashMap<>();
    passthrough.forEach((k, v) -> out.put(k, v.text()));
    return out;
  }

  /**
   * A local path, made absolute against the working directory here, once: every later use (and
   * every log line) then names the same place, whoever resolves it. Relative to the working
   * directory whichever layer it comes from, the config file included.
   */
  static Path path(String s) {
    return Path.of(s).toAbsolutePath().normalize();
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

  /**
   * {@code 1048576}, {@code 512KiB}, {@code 64MiB}, {@code 10GiB} (2^30 each), {@code 10GB} (10^9 each), {@code 1TB}...
   * Kubernetes' {@code 64Mi} and {@code 10G} mean the same; letter case is not significant.
   */
  static long size(String s) {
    Matcher m = SIZE.matcher(s);
    if (!m.matches()) throw new IllegalArgumentException();
    long n = Long.parseLong(m.group(1));
    if (m.group(2) == null) return n;
    int power = "kmgt".indexOf(Character.toLowerCase(m.group(2).charAt(0))) + 1;
    long unit = 1;
    for (int i = 0; i < power; i++) unit = Math.multiplyExact(unit, m.group(3) == null ? 1000L : 1024L);
    return Math.multiplyExact(n, unit);
  }

  /** A picocli flag that takes a duration: {@code 500ms}, {@code 90s}, {@code 10m}, {@code 1m30s}, {@code 2h}, {@code 2d}. */
  static final class DurationConverter implements ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
      try {
        return duration(value.trim());
      } catch (IllegalArgumentException | ArithmeticException e) {
        throw new TypeConversionException("'" + value + "' is not " + DURATION_FORMS);
      }
    }
  }

  /** A picocli flag that takes a size like {@code 20MiB}, {@code 10GB} or {@code 1048576}. */
  static final class SizeConverter implements ITypeConverter<Long> {
    @Override
    public Long convert(String value) {
      try {
        return size(value.trim());
      } catch (IllegalArgumentException | ArithmeticException e) {
        throw new TypeConversionException("'" + value + "' is not " + SIZE_FORMS);
      }
    }
  }

  /** {@code 500ms}, {@code 90s}, {@code 1m30s}, {@code 1h}, {@code 2d}, {@code 1d12h}: each unit once, largest first. */
  static Duration duration(String s) {
    Matcher m = DURATION.matcher(s);
    if (s.isEmpty() || !m.matches()) throw new IllegalArgumentException();
    ChronoUnit[] units = {ChronoUnit.DAYS, ChronoUnit.HOURS, ChronoUnit.MINUTES, ChronoUnit.SECONDS, ChronoUnit.MILLIS};
    Duration total = Duration.ZERO;
    for (int i = 0; i < units.length; i++) {
      if (m.group(i + 1) != null) total = total.plus(Duration.of(Long.parseLong(m.group(i + 1)), units[i]));
    }
    return total;
  }

  /** A duration above zero and at most {@code limit}. */
  static Function<String, Object> durationUpTo(Duration limit) {
    return s -> {
      Duration d = duration(s);
      if (d.isZero() || d.compareTo(limit) > 0) throw new IllegalArgumentException();
      return d;
    };
  }

  static final String REPLICATION_FORMS = "broker (the broker's default.replication.factor), or an integer 1-32767";

  /** A topic's replication factor: "broker" leaves it to the broker's default.replication.factor. */
  static Object replicationFactor(String s) {
    if (s.equals("broker")) return Optional.empty();
    short n = Short.parseShort(s);
    if (n < 1) throw new IllegalArgumentException();
    return Optional.of(n);
  }

  /** A size or count of at least 1. */
  static Function<String, Object> positive(Function<String, ? extends Number> parser) {
    return s -> {
      Number n = parser.apply(s);
      if (n.longValue() < 1) throw new IllegalArgumentException();
      return n;
    };
  }

  /** Passwords and JAAS configs (which embed them) are not printed. */
  private static boolean secret(String property) {
    String p = property.toLowerCase(Locale.ROOT);
    return p.contains("password") || p.contains("jaas") || p.contains("secret");
  }

  private void describe(Key k, StringBuilder out) {
    Value v = values.get(k.name);
    out.append("# ").append(k.description).append("; env ").append(k.env()).append('\n');
    String text = v.text.isEmpty() ? "\"\"" : k.shown.apply(v.text);
    out.append(k.name).append(": ").append(text.equals(HIDDEN) ? "\"" + HIDDEN + "\"" : text).append("   # ").append(v.source).append('\n');
  }

  /** The effective settings as YAML, each with where it came from, for {@code --print-config}. */
  String describe() {
    StringBuilder out = new StringBuilder("# effective settings of tributary " + schema.command
        + " (file < TRIBUTARY_* env < flags)\n");
    // the file of client properties last, beside the properties it adds to
    String propertiesFile = schema.passthroughKey + FILE_SUFFIX;
    schema.keys.values().stream().filter(k -> !k.name.equals(propertiesFile)).forEach(k -> describe(k, out));
    describe(schema.keys.get(propertiesFile), out);
    out.append("# Kafka client properties, passed through (secrets hidden); flag --").append(schema.passthroughFlag)
        .append(" KEY=VALUE\n");
    out.append(schema.passthroughKey).append(':').append(passthrough.isEmpty() ? " {}\n" : "\n");
    passthrough.forEach((name, v) -> out.append("  ").append(name).append(": ")
        .append(secret(name) ? "\"" + HIDDEN + "\"" : v.text).append("   # ").append(v.source).append('\n'));
    return out.toString();
  }
}
