package dev.tributary.capture;

import dev.tributary.http.TokensFile;
import dev.tributary.http.TokensFileException;
import java.nio.file.Path;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * Capture's view of the tokens file ({@link TokensFile}, format in docs/capture.md): each token's
 * app with the rate limit it spends, one bucket per app shared by all its tokens.
 */
final class Tokens {

  /** An app: its name, its rate (null for none), and whether its events get the client's address. */
  record App(String name, TokenBucket limit, boolean storeIp) {
    /** Every request's app when auth is off: there is no file to ask for addresses in. */
    static final App DEFAULT = new App("default", null, false);
  }

  private final TokensFile file;
  private final Map<TokensFile.App, App> apps;

  private Tokens(TokensFile file, Map<TokensFile.App, App> apps) {
    this.file = file;
    this.apps = apps;
  }

  /** The app the token belongs to, or null for an unknown token. */
  App find(String token) {
    TokensFile.App app = file.find(token);
    return app == null ? null : apps.get(app);
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
    return file.size();
  }

  static Tokens load(Path path) throws CaptureStartException {
    TokensFile file;
    try {
      file = TokensFile.load(path);
    } catch (TokensFileException e) {
      throw new CaptureStartException(e.getMessage(), e.getCause());
    }
    long now = System.nanoTime();
    Map<TokensFile.App, App> apps = new IdentityHashMap<>();
    for (TokensFile.App app : file.apps()) {
      TokenBucket limit = app.rate() == null ? null : new TokenBucket(app.rate().perSecond(), app.rate().burst(), now);
      apps.put(app, new App(app.name(), limit, app.storeIp()));
    }
    return new Tokens(file, apps);
  }
}
