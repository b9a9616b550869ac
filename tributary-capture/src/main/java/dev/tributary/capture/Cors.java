package dev.tributary.capture;

import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Cross-origin access to the ingest endpoints, so that web pages on other origins can send
 * events and read the answers. Write keys and project keys are public by design, so by default
 * any origin may send, as Segment and PostHog allow; {@code cors_origins} narrows that to a list of
 * origins or patterns ({@code https://*.example.com}, {@code http://localhost:*}).
 *
 * <p>An allowed origin is echoed rather than answered with {@code *}, with
 * {@code Access-Control-Allow-Credentials: true}: {@code navigator.sendBeacon} always sends with
 * credentials, and a browser rejects {@code *} for such requests. Nothing of capture rests on
 * cookies (keys travel in the request), so allowing credentials gives a page no more than it has.
 * A refused origin gets no CORS header at all: the browser then fails the preflight and never sends
 * the request, or hides the answer of a simple request (which is refused, 403, and stores nothing)
 * from the page. Requests without {@code Origin} (servers, mobile apps) are not concerned.
 */
final class Cors {

  static final List<String> ANY_ORIGIN = List.of("*");
  /** Browsers cap it lower (Chromium at 2 hours); within the cap, one preflight per path and origin. */
  static final String MAX_AGE_SECONDS = "86400";
  private static final Pattern ORIGIN_PATTERN = Pattern.compile("(https?)://(\\*\\.)?[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:(\\d{1,5}|\\*))?");

  private final boolean any;
  private final List<Pattern> allowed;

  private Cors(boolean any, List<Pattern> allowed) {
    this.any = any;
    this.allowed = allowed;
  }

  /** The policy of {@code cors_origins}; throws {@link IllegalArgumentException} saying which entry is wrong. */
  static Cors of(List<String> origins) {
    if (origins.isEmpty()) throw new IllegalArgumentException("cors origins must not be empty: use * for any origin");
    List<Pattern> patterns = new ArrayList<>();
    boolean any = false;
    for (String origin : origins) {
      String o = origin.trim().toLowerCase(Locale.ROOT);
      if (o.equals("*")) {
        any = true;
      } else if (ORIGIN_PATTERN.matcher(o).matches()) {
        patterns.add(Pattern.compile(Pattern.quote(o).replace("://*.", "://\\E([a-z0-9-]+\\.)+\\Q").replace(":*\\E", "\\E:\\d{1,5}")));
      } else {
        throw new IllegalArgumentException("cors origin '" + origin + "' is not *, nor an origin like https://app.example.com,"
            + " https://*.example.com or http://localhost:* (scheme, host and optional port; no path)");
      }
    }
    return new Cors(any, List.copyOf(patterns));
  }

  /** Whether a request comes from a page of an origin not allowed: such a request is refused (403), nothing stored. */
  boolean refuses(HttpServerRequest request) {
    String origin = request.getHeader("Origin");
    return origin != null && !allows(origin);
  }

  boolean allows(String origin) {
    if (any) return true;
    String o = origin.toLowerCase(Locale.ROOT);
    return allowed.stream().anyMatch(p -> p.matcher(o).matches());
  }

  /** Adds to the answer of an ingest request, errors included, what lets the page read it. */
  void onAnswer(HttpServerRequest request) {
    HttpServerResponse response = request.response();
    response.putHeader("Vary", "Origin");
    String origin = request.getHeader("Origin");
    if (origin == null || !allows(origin)) return;
    response.putHeader("Access-Control-Allow-Origin", origin)
        .putHeader("Access-Control-Allow-Credentials", "true")
        .putHeader("Access-Control-Expose-Headers", "Retry-After"); // SDKs back off by it after 429 and 503
  }

  /**
   * Answers an {@code OPTIONS} request to an ingest path with 204: for an allowed origin with
   * the methods, the headers the browser asked for, and how long to remember it.
   */
  void preflight(HttpServerRequest request) {
    HttpServerResponse response = request.response();
    response.putHeader("Allow", "POST, OPTIONS")
        .putHeader("Vary", "Origin, Access-Control-Request-Method, Access-Control-Request-Headers");
    String origin = request.getHeader("Origin");
    if (origin != null && allows(origin)) {
      response.putHeader("Access-Control-Allow-Origin", origin)
          .putHeader("Access-Control-Allow-Credentials", "true")
          .putHeader("Access-Control-Allow-Methods", "POST, OPTIONS")
          .putHeader("Access-Control-Max-Age", MAX_AGE_SECONDS);
      String headers = request.getHeader("Access-Control-Request-Headers");
      if (headers != null && !headers.isBlank()) response.putHeader("Access-Control-Allow-Headers", headers);
      // Chromium asks before a public page may reach a private address (a capture on an intranet).
      if ("true".equalsIgnoreCase(request.getHeader("Access-Control-Request-Private-Network"))) {
        response.putHeader("Access-Control-Allow-Private-Network", "true");
      }
    }
    response.setStatusCode(204).end();
  }
}
