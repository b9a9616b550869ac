package dev.tributary.capture;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.http.HttpServerRequest;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Segment's HTTP Tracking API (docs/ingest-protocols.md): {@code POST /v1/batch} and the
 * single-call endpoints, the write key as the HTTP Basic user name or as {@code writeKey} in the
 * body, JSON optionally gzip. Each message becomes one event: {@code messageId} is its
 * {@code event_id}, the track event name (else the call type) its {@code event}, {@code userId}
 * (else {@code anonymousId}) its {@code distinct_id}, and {@code timestamp} the client time
 * corrected for skew as Segment does, with the client's kept as {@code originalTimestamp}.
 * Segment's limits (32 KB a message, 500 KB a batch) apply, and every refusal is a 400 but for
 * auth (401), rate (429) and the server's own trouble (5xx).
 */
final class SegmentProtocol implements Protocol {

  static final List<String> PATHS = List.of("/v1/batch", "/v1/track", "/v1/identify", "/v1/page", "/v1/screen", "/v1/group", "/v1/alias");
  static final Set<String> TYPES = Set.of("track", "identify", "page", "screen", "group", "alias");
  static final int MAX_MESSAGE_BYTES = 32 * 1024;
  static final int MAX_BATCH_BYTES = 500 * 1024;
  private static final Set<String> REPLACED = Set.of("type", "timestamp", "originalTimestamp", "sentAt", "writeKey", "context");

  private final long maxEventBytes;
  private final UuidV7 ids;

  SegmentProtocol(long maxEventBytes, UuidV7 ids) {
    this.maxEventBytes = maxEventBytes;
    this.ids = ids;
  }

  @Override
  public String name() {
    return "segment";
  }

  @Override
  public Request open(HttpServerRequest request, CaptureHandler capture) throws Rejection {
    String callType = request.path().equals("/v1/batch") ? null : request.path().substring("/v1/".length());
    requireJson(request.getHeader("Content-Type"));
    boolean gzip = EventsProtocol.gzip(request.getHeader("Content-Encoding"));
    String basicKey = basicUser(request.getHeader("Authorization"));
    long max = Math.min(callType == null ? MAX_BATCH_BYTES : MAX_MESSAGE_BYTES, capture.config.maxRequestBytes());
    return new Request() {
      @Override public long maxBytes() { return max; }
      @Override public boolean parseInline(io.vertx.core.buffer.Buffer body) { return body.length() <= EventsProtocol.INLINE_BYTES && !gzip; }
      @Override public Parsed parse(byte[] body, int length, String receivedAt) throws Rejection {
        byte[] bytes = body;
        int size = length;
        if (gzip) {
          GzipBody.Inflated inflated = GzipBody.inflate(bytes, size, max);
          bytes = inflated.bytes();
          size = inflated.length();
        }
        return messages(JsonMessages.read(bytes, size), callType, basicKey, receivedAt, capture.tokens);
      }
    };
  }

  private Parsed messages(JsonMessages.Body body, String callType, String basicKey, String receivedAt, Tokens tokens) throws Rejection {
    if (callType == null && !body.batch()) {
      throw new Rejection(400, "a /v1/batch body is an object with a \"batch\" array of messages");
    }
    if (callType != null && body.batch()) {
      throw new Rejection(400, "/v1/" + callType + " takes one message object; send batches to /v1/batch");
    }
    if (body.messages().isEmpty()) throw new Rejection(400, "the batch holds no message");
    ObjectNode envelope = callType == null ? body.envelope() : body.messages().get(0).node();
    String key = basicKey != null ? basicKey : textOf(envelope.get("writeKey"));
    Tokens.App app = Tokens.forKey(tokens, key,
        "missing write key: send it as the user name of HTTP Basic auth, or as \"writeKey\" in the body", "unknown write key");
    Instant received = Instant.parse(receivedAt);
    JsonNode batchSentAt = callType == null ? envelope.get("sentAt") : null;
    JsonNode batchContext = callType == null ? envelope.get("context") : null;
    MappedEvent writer = new MappedEvent(receivedAt, app.name(), name(), maxEventBytes);
    ClientClock.Memo clock = new ClientClock.Memo(received, receivedAt);
    List<byte[]> events = new ArrayList<>(body.messages().size());
    for (JsonMessages.Message m : body.messages()) {
      events.add(map(m, callType, batchSentAt, batchContext, received, clock, writer));
    }
    return new Parsed(app, events);
  }

  private byte[] map(JsonMessages.Message m, String callType, JsonNode batchSentAt, JsonNode batchContext, Instant received,
                     ClientClock.Memo clock, MappedEvent writer) throws Rejection {
    if (m.bytes() > MAX_MESSAGE_BYTES) {
      throw new Rejection(400, "message " + m.index() + " is " + m.bytes() + " bytes, over Segment's limit of "
          + MAX_MESSAGE_BYTES + " bytes per message", m.where());
    }
    ObjectNode node = m.node();
    String type = callType != null ? callType : JsonMessages.text(m, node, "type");
    if (type == null || !TYPES.contains(type)) {
      throw JsonMessages.refuse(m, "\"type\" must be one of " + String.join(", ", TYPES.stream().sorted().toList())
          + ", got " + (type == null ? "none" : "'" + type + "'"));
    }
    String event = type;
    if (type.equals("track")) {
      event = JsonMessages.text(m, node, "event");
      if (event == null || event.isEmpty()) throw JsonMessages.refuse(m, "a track call needs \"event\", the event name");
    }
    String eventId = MappedEvent.eventId(m, JsonMessages.text(m, node, "messageId"));
    String distinctId = JsonMessages.id(m, node, "userId");
    if (distinctId == null || distinctId.isEmpty()) distinctId = JsonMessages.id(m, node, "anonymousId");
    if (distinctId == null || distinctId.isEmpty()) throw JsonMessages.refuse(m, "a message needs \"userId\" or \"anonymousId\"");
    JsonNode original = node.hasNonNull("originalTimestamp") ? node.get("originalTimestamp") : node.get("timestamp");
    String originalField = node.hasNonNull("originalTimestamp") ? "originalTimestamp" : "timestamp";
    JsonNode sentAt = node.hasNonNull("sentAt") ? node.get("sentAt") : batchSentAt;
    Instant timestamp = ClientClock.segment(received, time(m, clock, sentAt, "sentAt"), time(m, clock, original, originalField));
    Map<String, Object> extras = new LinkedHashMap<>();
    extras.put("type", type);
    if (original != null && !original.isNull()) extras.put("originalTimestamp", original);
    if (sentAt != null && !sentAt.isNull()) extras.put("sentAt", sentAt);
    JsonNode context = node.hasNonNull("context") ? node.get("context") : batchContext;
    if (context != null && !context.isNull()) extras.put("context", context);
    return writer.write(m, event, eventId == null ? ids.next().toString() : eventId, distinctId,
        clock.format(timestamp), REPLACED, extras);
  }

  private static Instant time(JsonMessages.Message m, ClientClock.Memo clock, JsonNode value, String field) throws Rejection {
    if (value == null || value.isNull()) return null;
    Instant parsed = value.isTextual() ? clock.parse(value.asText()) : null;
    if (parsed == null) throw JsonMessages.refuse(m, "\"" + field + "\" must be an ISO-8601 time, got " + value);
    return parsed;
  }

  private static String textOf(JsonNode value) {
    return value != null && value.isTextual() ? value.asText() : null;
  }

  @Override
  public Map<String, Object> accepted(int count) {
    return Map.of("success", true);
  }

  /** Segment answers its refusals 400, too-large ones included; auth, rate and the server's own trouble keep theirs. */
  @Override
  public Answer refused(Rejection r) {
    int status = switch (r.status) {
      case 401, 408, 429 -> r.status;
      default -> r.status >= 500 ? r.status : 400;
    };
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("success", false);
    body.put("error", r.getMessage());
    body.putAll(r.details);
    return new Answer(status, body);
  }

  private static void requireJson(String contentType) throws Rejection {
    String media = contentType == null ? "" : contentType.split(";")[0].trim().toLowerCase(Locale.ROOT);
    // Segment's browser library sends text/plain to spare a CORS preflight; the body is JSON all the same.
    if (!media.equals("application/json") && !media.equals("text/plain")) {
      throw new Rejection(400, (contentType == null ? "missing Content-Type" : "unsupported Content-Type '" + contentType + "'")
          + "; Segment's API takes Content-Type: application/json");
    }
  }

  /** The user name of {@code Authorization: Basic base64(user:password)}, or null without one. */
  private static String basicUser(String header) throws Rejection {
    if (header == null || !header.regionMatches(true, 0, "Basic ", 0, 6)) return null;
    String decoded;
    try {
      decoded = new String(Base64.getDecoder().decode(header.substring(6).trim()), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw new Rejection(401, "the Authorization header is not valid Basic auth (base64 of 'writeKey:')");
    }
    int colon = decoded.indexOf(':');
    return colon < 0 ? decoded : decoded.substring(0, colon);
  }
}
