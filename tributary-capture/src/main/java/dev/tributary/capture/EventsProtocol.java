package dev.tributary.capture;

import io.vertx.core.http.HttpServerRequest;
import java.util.Locale;
import java.util.Map;

/** Tributary's own {@code POST /v1/events} (docs/capture.md): bearer token, JSON or NDJSON, optional gzip. */
final class EventsProtocol implements Protocol {

  static final EventsProtocol INSTANCE = new EventsProtocol();
  /** Bodies up to this size are parsed on the event loop; larger ones on a worker thread. */
  static final int INLINE_BYTES = 64 * 1024;

  private EventsProtocol() {}

  @Override
  public String name() {
    return "events";
  }

  @Override
  public Request open(HttpServerRequest request, CaptureHandler capture) throws Rejection {
    Tokens.App app = authenticate(request, capture.tokens);
    EventParser.Format format = format(request.getHeader("Content-Type"));
    boolean gzip = gzip(request.getHeader("Content-Encoding"));
    long max = capture.config.maxRequestBytes();
    return new Request() {
      @Override public long maxBytes() { return max; }
      @Override public boolean parseInline(io.vertx.core.buffer.Buffer body) { return body.length() <= INLINE_BYTES && !gzip; }
      @Override public Parsed parse(byte[] body, int length, String receivedAt) throws Rejection {
        byte[] bytes = body;
        int size = length;
        if (gzip) {
          GzipBody.Inflated inflated = GzipBody.inflate(bytes, size, max);
          bytes = inflated.bytes();
          size = inflated.length();
        }
        return new Parsed(app, capture.parser.parse(bytes, size, format, receivedAt, app.name()));
      }
    };
  }

  @Override
  public Map<String, Object> accepted(int count) {
    return Map.of("accepted", count);
  }

  @Override
  public Answer refused(Rejection r) {
    return new Answer(r.status, CaptureHandler.error(r.getMessage(), r.details));
  }

  private static Tokens.App authenticate(HttpServerRequest request, Tokens tokens) throws Rejection {
    if (tokens == null) return Tokens.App.DEFAULT;
    String header = request.getHeader("Authorization");
    if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      throw new Rejection(401, "missing 'Authorization: Bearer <token>' header");
    }
    Tokens.App found = tokens.find(header.substring(7).trim());
    if (found == null) throw new Rejection(401, "unknown token");
    return found;
  }

  private static EventParser.Format format(String contentType) throws Rejection {
    String[] parts = contentType == null ? new String[] {""} : contentType.split(";");
    String media = parts[0].trim().toLowerCase(Locale.ROOT);
    EventParser.Format format = switch (media) {
      case "application/json" -> EventParser.Format.JSON;
      case "application/x-ndjson", "application/ndjson" -> EventParser.Format.NDJSON;
      default -> throw new Rejection(415, (contentType == null ? "missing Content-Type" : "unsupported Content-Type '" + contentType + "'")
          + "; use application/json (one event object or an array of them) or application/x-ndjson (one event per line)");
    };
    for (int i = 1; i < parts.length; i++) {
      String[] param = parts[i].trim().split("=", 2);
      if (param[0].trim().equalsIgnoreCase("charset") && param.length == 2
          && !param[1].trim().replace("\"", "").equalsIgnoreCase("utf-8")) {
        throw new Rejection(415, "unsupported charset '" + param[1].trim() + "'; events must be UTF-8");
      }
    }
    return format;
  }

  /** Whether the body is gzip by {@code Content-Encoding}; other encodings are refused. */
  static boolean gzip(String contentEncoding) throws Rejection {
    if (contentEncoding == null) return false;
    return switch (contentEncoding.trim().toLowerCase(Locale.ROOT)) {
      case "", "identity" -> false;
      case "gzip", "x-gzip" -> true;
      default -> throw new Rejection(415, "unsupported Content-Encoding '" + contentEncoding + "'; use gzip or none");
    };
  }
}
