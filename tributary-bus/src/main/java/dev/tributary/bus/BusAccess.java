package dev.tributary.bus;

import dev.tributary.http.BusRights;
import dev.tributary.http.BusRights.Operation;
import dev.tributary.http.TokensFile;
import io.vertx.core.http.HttpServerRequest;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Locale;

/**
 * Who may do what on the bus: each request's token names an app of the tokens file, whose bus
 * rights must cover the request's category. Without a tokens file every request may do anything.
 * A token is looked up and dropped: it is never logged nor put in an answer.
 */
final class BusAccess {
  private static final String HOW = "send 'Authorization: Bearer <token>', put it in the address as http://bus:<token>@host:port"
      + " (Basic auth, as Go's HTTP client does by itself), or add token=<token> to the query; see docs/bus.md";

  private final TokensFile tokens;

  BusAccess(TokensFile tokens) {
    this.tokens = tokens;
  }

  /**
   * The app of the request's token, once its rights cover the operation of its path on the
   * request's category; null when auth is off. A request without a category is left to the bus to refuse (400).
   */
  TokensFile.App check(HttpServerRequest request) {
    if (tokens == null) return null;
    String token = presented(request);
    if (token == null || token.isEmpty()) throw new BusException(401, "missing token: " + HOW);
    TokensFile.App app = tokens.find(token);
    if (app == null) throw new BusException(401, "unknown token");
    Operation operation = switch (request.path()) {
      case "/write" -> Operation.WRITE;
      case "/read", "/listChunks" -> Operation.READ;
      case "/ack" -> Operation.ACK;
      default -> null;
    };
    if (app.bus() == null) throw new BusException(403, "app '" + app.name() + "' has no bus rights: its entry in the tokens file has no 'bus' section");
    String category = request.getParam("category");
    if (operation != null && category != null && !app.bus().allows(operation, category)) {
      throw new BusException(403, "app '" + app.name() + "' may not " + operation.name().toLowerCase(Locale.ROOT)
          + " category '" + category + "'");
    }
    return app;
  }

  /** The categories {@code app} may know of: those it holds any right on; all of them when auth is off. */
  static List<String> visible(TokensFile.App app, List<String> categories) {
    if (app == null) return categories;
    BusRights rights = app.bus();
    return categories.stream().filter(rights::allowsAny).toList();
  }

  /** The token of {@code Authorization: Bearer}, the password of {@code Authorization: Basic}, or {@code token=} in the query. */
  private static String presented(HttpServerRequest request) {
    String header = request.getHeader("Authorization");
    if (header == null) return request.getParam("token");
    if (header.regionMatches(true, 0, "Bearer ", 0, 7)) return header.substring(7).trim();
    if (header.regionMatches(true, 0, "Basic ", 0, 6)) {
      try {
        String credentials = new String(Base64.getDecoder().decode(header.substring(6).trim()), StandardCharsets.UTF_8);
        int colon = credentials.indexOf(':');
        return colon < 0 ? null : credentials.substring(colon + 1);
      } catch (IllegalArgumentException e) {
        throw new BusException(401, "the Basic credentials are not valid base64: " + HOW);
      }
    }
    throw new BusException(401, "unsupported Authorization scheme: " + HOW);
  }
}
