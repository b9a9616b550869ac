package dev.tributary.capture;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The tokens file: which bearer token belongs to which app, and each app's optional rate.
 *
 * <pre>
 * apps:
 *   web:                                  # the app name, stored in each event's "app" field
 *     tokens: ["tok_web_4f7c2a91d3e85b60"]  # one or more, at least 16 characters each
 *     events_per_second: 500              # optional: 429 past it; no limit when absent
 *     burst: 1000                         # optional: events allowed at once; default = the rate
 *     store_ip: true                      # optional: store each event's client address as "ip"; default false
 * </pre>
 *
 * Tokens are kept only as SHA-256 digests, so a lookup's timing says nothing about a token.
 */
final class Tokens {

  static final int MIN_TOKEN_CHARS = 16;
  private static final Pattern APP_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");

  /** An app: its name, its rate (null for none), and whether its events get the client's address. */
  record App(String name, TokenBucket limit, boolean storeIp) {
    /** Every request's app when auth is off: there is no file to ask for addresses in. */
    static final App DEFAULT = new App("default", null, false);
  }

  private final Map<String, App> appsByDigest;

  private Tokens(Map<String, App> appsByDigest) {
    this.appsByDigest = appsByDigest;
  }

  /** The app the token belongs to, or null for an unknown token. */
  App find(String token) {
    return appsByDigest.get(digest(token));
  }

  /**
   * The app of a key that Segment or PostHog SDKs send (write key, project key): with auth off
   * every request, keyed or not, is app {@code default}; with auth on, the key must be a token.
   */
  static App forKey(Tokens tokens, String key, String missing, String unknown) throws Rejection {
    if (tokens == null) return App.DEFAULT;
    if (key == null || key.isEmpty()) throw new Rejection(401, missing);
    App app = tokens.find(key);
    if (app == null) throw new Rejection(401, unknown);
    return app;
  }

  int size() {
    return appsByDigest.size();
  }

  static Tokens load(Path file) throws CaptureStartException {
    JsonNode root;
    try {
      root = new YAMLMapper().readTree(file.toFile());
    } catch (JsonProcessingException e) {
      throw invalid(file, "not valid YAML: " + e.getOriginalMessage()
          + (e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")"));
    } catch (IOException e) {
      throw new CaptureStartException("cannot read the tokens file " + file + ": " + e, e);
    }
    if (root == null || root.isMissingNode() || root.isNull()) throw invalid(file, "the file is empty; " + example());
    requireOnly(file, root, "", Set.of("apps"));
    JsonNode apps = root.get("apps");
    if (apps == null || !apps.isObject() || apps.isEmpty()) {
      throw invalid(file, "'apps' must map app names to their tokens; " + example());
    }
    Map<String, App> byDigest = new HashMap<>();
    long now = System.nanoTime();
    for (Map.Entry<String, JsonNode> entry : apps.properties()) {
      String name = entry.getKey();
      String key = "apps." + name;
      if (!APP_NAME.matcher(name).matches()) {
        throw invalid(file, key + ": an app name is 1 to 64 letters, digits, '_', '.' or '-', starting with a letter or digit");
      }
      JsonNode app = entry.getValue();
      if (!app.isObject()) throw invalid(file, key + " must be a mapping with 'tokens'; " + example());
      requireOnly(file, app, key + ".", Set.of("tokens", "events_per_second", "burst", "store_ip"));
      JsonNode storeIp = app.get("store_ip");
      if (storeIp != null && !storeIp.isBoolean()) throw invalid(file, key + ".store_ip must be true or false, got " + storeIp);
      App value = new App(name, limit(file, key, app, now), storeIp != null && storeIp.asBoolean());
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
    return new Tokens(byDigest);
  }

  private static TokenBucket limit(Path file, String key, JsonNode app, long now) throws CaptureStartException {
    JsonNode rate = app.get("events_per_second");
    JsonNode burst = app.get("burst");
    if (rate == null) {
      if (burst != null) throw invalid(file, key + ".burst needs " + key + ".events_per_second");
      return null;
    }
    double perSecond = positive(file, key + ".events_per_second", rate);
    double burstSize = burst == null ? Math.max(1, perSecond) : positive(file, key + ".burst", burst);
    return new TokenBucket(perSecond, burstSize, now);
  }

  private static double positive(Path file, String key, JsonNode value) throws CaptureStartException {
    if (!value.isNumber() || !(value.asDouble() > 0) || Double.isInfinite(value.asDouble())) {
      throw invalid(file, key + " must be a positive number, got " + value);
    }
    return value.asDouble();
  }

  private static void requireOnly(Path file, JsonNode node, String prefix, Set<String> allowed) throws CaptureStartException {
    if (!node.isObject()) throw invalid(file, "expected a mapping at the top; " + example());
    for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (!allowed.contains(name)) {
        throw invalid(file, "unknown key '" + prefix + name + "'; accepted keys here: " + String.join(", ", allowed.stream().sorted().toList()));
      }
    }
  }

  private static CaptureStartException invalid(Path file, String problem) {
    return new CaptureStartException("invalid tokens file " + file + ": " + problem);
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
