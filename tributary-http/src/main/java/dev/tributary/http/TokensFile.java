package dev.tributary.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The tokens file that capture and the bus share: which bearer token belongs to which app, and
 * what each app may do.
 *
 * <pre>
 * apps:
 *   web:                                  # the app name, stored in each event's "app" field
 *     tokens: ["tok_web_4f7c2a91d3e85b60"]  # one or more, at least 16 characters each
 *     events_per_second: 500              # capture, optional: 429 past it; no limit when absent
 *     burst: 1000                         # capture, optional: events allowed at once; default = the rate
 *     store_ip: true                      # capture, optional: store each event's client address as "ip"; default false
 *     bus:                                # the bus, optional: without it the app has no bus rights
 *       write: ["orders.*"]               # category patterns, '*' for any run of characters
 *       read: ["*"]
 *       ack: ["orders.*"]
 * </pre>
 *
 * Tokens are kept only as SHA-256 digests and looked up by digest, so a lookup's timing says
 * nothing about the stored tokens and a heap dump holds none of them.
 */
public final class TokensFile {

  public static final int MIN_TOKEN_CHARS = 16;
  private static final Pattern APP_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");

  /** Capture's events-per-second limit of an app. */
  public record Rate(double perSecond, double burst) {}

  /**
   * An app of the file: its name, capture's rate (null for none) and address storing, and its bus
   * rights (null: none).
   */
  public record App(String name, Rate rate, boolean storeIp, BusRights bus) {}

  private final Map<String, App> appsByDigest;
  private final List<App> apps;

  private TokensFile(Map<String, App> appsByDigest, List<App> apps) {
    this.appsByDigest = appsByDigest;
    this.apps = List.copyOf(apps);
  }

  /** The app the token belongs to, or null for an unknown token. */
  public App find(String token) {
    return appsByDigest.get(digest(token));
  }

  /** Every app, in the file's order. */
  public List<App> apps() {
    return apps;
  }

  /** How many tokens the file holds. */
  public int size() {
    return appsByDigest.size();
  }

  public static TokensFile load(Path file) throws TokensFileException {
    JsonNode root;
    try {
      root = new YAMLMapper().readTree(file.toFile());
    } catch (JsonProcessingException e) {
      throw invalid(file, "not valid YAML: " + e.getOriginalMessage()
          + (e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")"));
    } catch (IOException e) {
      throw new TokensFileException("cannot read the tokens file " + file + ": " + e, e);
    }
    if (root == null || root.isMissingNode() || root.isNull()) throw invalid(file, "the file is empty; " + example());
    requireOnly(file, root, "", Set.of("apps"));
    JsonNode apps = root.get("apps");
    if (apps == null || !apps.isObject() || apps.isEmpty()) {
      throw invalid(file, "'apps' must map app names to their tokens; " + example());
    }
    Map<String, App> byDigest = new HashMap<>();
    List<App> all = new ArrayList<>();
    for (Map.Entry<String, JsonNode> entry : apps.properties()) {
      App app = app(file, entry.getKey(), entry.getValue());
      all.add(app);
      tokens(file, "apps." + app.name(), entry.getValue(), app, byDigest);
    }
    return new TokensFile(byDigest, all);
  }

  private static App app(Path file, String name, JsonNode app) throws TokensFileException {
    String key = "apps." + name;
    if (!APP_NAME.matcher(name).matches()) {
      throw invalid(file, key + ": an app name is 1 to 64 letters, digits, '_', '.' or '-', starting with a letter or digit");
    }
    if (!app.isObject()) throw invalid(file, key + " must be a mapping with 'tokens'; " + example());
    requireOnly(file, app, key + ".", Set.of("tokens", "events_per_second", "burst", "store_ip", "bus"));
    JsonNode storeIp = app.get("store_ip");
    if (storeIp != null && !storeIp.isBoolean()) throw invalid(file, key + ".store_ip must be true or false, got " + storeIp);
    return new App(name, rate(file, key, app), storeIp != null && storeIp.asBoolean(), busRights(file, key + ".bus", app.get("bus")));
  }

  private static void tokens(Path file, String key, JsonNode app, App value, Map<String, App> byDigest) throws TokensFileException {
    JsonNode tokens = app.get("tokens");
    if (tokens == null || !tokens.isArray() || tokens.isEmpty()) {
      throw invalid(file, key + ".tokens must be a list of one or more tokens");
    }
    for (int i = 0; i < tokens.size(); i++) {
      JsonNode token = tokens.get(i);
      String tokenKey = key + ".tokens[" + i + "]";
      if (!token.isTextual() || token.asText().length() < MIN_TOKEN_CHARS) {
        throw invalid(file, tokenKey + " must be a string of at least " + MIN_TOKEN_CHARS + " characters"
            + " (generate one with: openssl rand -hex 24)");
      }
      if (token.asText().chars().anyMatch(c -> c <= ' ' || c > '~')) {
        throw invalid(file, tokenKey + " may hold only printable ASCII without spaces");
      }
      App previous = byDigest.putIfAbsent(digest(token.asText()), value);
      if (previous != null) throw invalid(file, tokenKey + " is also a token of app '" + previous.name() + "'; a token belongs to one app");
    }
  }

  private static Rate rate(Path file, String key, JsonNode app) throws TokensFileException {
    JsonNode rate = app.get("events_per_second");
    JsonNode burst = app.get("burst");
    if (rate == null) {
      if (burst != null) throw invalid(file, key + ".burst needs " + key + ".events_per_second");
      return null;
    }
    double perSecond = positive(file, key + ".events_per_second", rate);
    return new Rate(perSecond, burst == null ? Math.max(1, perSecond) : positive(file, key + ".burst", burst));
  }

  private static BusRights busRights(Path file, String key, JsonNode bus) throws TokensFileException {
    if (bus == null) return null;
    if (!bus.isObject()) throw invalid(file, key + " must be a mapping of write, read and ack to category patterns, such as {write: [\"orders.*\"], read: [\"*\"]}");
    requireOnly(file, bus, key + ".", Set.of("write", "read", "ack"));
    return new BusRights(patterns(file, key + ".write", bus.get("write")), patterns(file, key + ".read", bus.get("read")),
        patterns(file, key + ".ack", bus.get("ack")));
  }

  private static List<String> patterns(Path file, String key, JsonNode list) throws TokensFileException {
    if (list == null) return List.of();
    if (!list.isArray()) throw invalid(file, key + " must be a list of category patterns, such as [\"orders.*\"]");
    List<String> patterns = new ArrayList<>();
    for (int i = 0; i < list.size(); i++) {
      JsonNode pattern = list.get(i);
      if (!pattern.isTextual() || !BusRights.PATTERN.matcher(pattern.asText()).matches()) {
        throw invalid(file, key + "[" + i + "] must be a category pattern: 1 to 128 letters, digits, '_', '.', '-' or '*' (any run of characters), got " + pattern);
      }
      patterns.add(pattern.asText());
    }
    return patterns;
  }

  private static double positive(Path file, String key, JsonNode value) throws TokensFileException {
    if (!value.isNumber() || !(value.asDouble() > 0) || Double.isInfinite(value.asDouble())) {
      throw invalid(file, key + " must be a positive number, got " + value);
    }
    return value.asDouble();
  }

  private static void requireOnly(Path file, JsonNode node, String prefix, Set<String> allowed) throws TokensFileException {
    if (!node.isObject()) throw invalid(file, "expected a mapping at the top; " + example());
    for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (!allowed.contains(name)) {
        throw invalid(file, "unknown key '" + prefix + name + "'; accepted keys here: " + String.join(", ", allowed.stream().sorted().toList()));
      }
    }
  }

  private static TokensFileException invalid(Path file, String problem) {
    return new TokensFileException("invalid tokens file " + file + ": " + problem, null);
  }

  private static String example() {
    return "expected for example:\napps:\n  web:\n    tokens: [\"tok_web_4f7c2a91d3e85b60\"]\n    events_per_second: 500";
  }

  private static String digest(String token) {
    try {
      return new String(MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)), StandardCharsets.ISO_8859_1);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }
}
