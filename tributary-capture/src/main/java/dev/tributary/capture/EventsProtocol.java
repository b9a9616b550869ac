package dev.tributary.capture;

import io.vertx.core.http.HttpServerRequest;
import java.util.Map;

/**
 * Tributary's own {@code POST /v1/events} (docs/capture.md): bearer token, JSON or NDJSON.
 * {@code text/plain} is read as JSON: {@code navigator.sendBeacon} and browser SDKs label JSON so
 * to spare a CORS preflight.
 */
final class EventsProtocol implements Protocol {

  static final String PATH = "/v1/events";

  private final Tokens tokens;
  private final EventParser parser;
  private final long maxRequestBytes;

  EventsProtocol(Tokens tokens, EventParser parser, long maxRequestBytes) {
    this.tokens = tokens;
    this.parser = parser;
    this.maxRequestBytes = maxRequestBytes;
  }

  @Override
  public String name() {
    return "events";
  }

  @Override
  public Request open(HttpServerRequest request, String clientIp) throws Rejection {
    Tokens.App app = authenticate(request);
    EventParser.Format format = format(request.getHeader("Content-Type"));
    return new Request() {
      @Override public long maxBytes() { return maxRequestBytes; }
      @Override public Parsed parse(RequestBody.Bytes body, String receivedAt) throws Rejection {
        return new Parsed(app, parser.parse(body.bytes(), body.length(), format, receivedAt, app.name(), app.storeIp() ? clientIp : null));
      }
    };
  }

  @Override
  public Map<String, Object> accepted(int count) {
    return Map.of("accepted", count);
  }

  @Override
  public Answer refused(Rejection r) {
    return new Answer(r.status, JsonAnswer.error(r.getMessage(), r.details));
  }

  private Tokens.App authenticate(HttpServerRequest request) throws Rejection {
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
    EventParser.Format format = switch (RequestBody.mediaType(contentType)) {
      case "application/json", "text/plain" -> EventParser.Format.JSON;
      case "application/x-ndjson", "application/ndjson" -> EventParser.Format.NDJSON;
      default -> throw new Rejection(415, (contentType == null ? "missing Content-Type" : "unsupported Content-Type '" + contentType + "'")
          + "; use application/json (one event object or an array of them; text/plain is read as JSON)"
          + " or application/x-ndjson (one event per line)");
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
}
