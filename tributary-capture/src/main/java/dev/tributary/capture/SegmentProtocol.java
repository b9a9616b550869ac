package dev.tributary.capture;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.http.HttpServerRequest;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Segment's HTTP Tracking API (docs/ingest-protocols.md): {@code POST /v1/batch} and the
 * single-call endpoints, in their long forms and in the one-letter forms analytics.js 2.0 posts
 * to ({@code /v1/t}, {@code /v1/b}...), the write key as the HTTP Basic user name or as
 * {@code writeKey} in the body, JSON (whatever the declared type) optionally gzip. Each message becomes one event: {@code messageId} is its
 * {@code event_id}, the track event name (else the call type) its {@code event}, {@code userId}
 * (else {@code anonymousId}) its {@code distinct_id}, and {@code timestamp} the client time
 * corrected for skew as Segment does, with the client's kept as {@code originalTimestamp}.
 * Segment's limits (32 KB a message, 500 KB a batch) apply, and every refusal is a 400 but for
 * auth (401), rate (429) and the server's own trouble (5xx).
 */
final class SegmentProtocol implements Protocol {

  private static final String BATCH = "batch";

  /** Where analytics.js reports its own counters ({@code {"series": [...]}}): acknowledged, never stored as events. */
  static final String METRICS_PATH = "/v1/m";
  /** Each path and its call type, {@code batch} for a batch; analytics.js 2.0 posts to the one-letter forms. */
  static final Map<String, String> CALLS = Map.ofEntries(
      Map.entry("/v1/batch", BATCH), Map.entry("/v1/b", BATCH),
      Map.entry("/v1/track", "track"), Map.entry("/v1/t", "track"),
      Map.entry("/v1/identify", "identify"), Map.entry("/v1/i", "identify"),
      Map.entry("/v1/page", "page"), Map.entry("/v1/p", "page"),
      Map.entry("/v1/screen", "screen"), Map.entry("/v1/s", "screen"),
      Map.entry("/v1/group", "group"), Map.entry("/v1/g", "group"),
      Map.entry("/v1/alias", "alias"), Map.entry("/v1/a", "alias"),
      Map.entry(METRICS_PATH, "metrics"));
  static final Set<String> TYPES = Set.of("track", "identify", "page", "screen", "group", "alias");
  static final int MAX_MESSAGE_BYTES = 32 * 1024;
  static final int MAX_BATCH_BYTES = 500 * 1024;
  private static final Set<String> REPLACED = Set.of("type", "timestamp", "originalTimestamp", "sentAt", "writeKey", "context");

  private final Tokens tokens;
  private final long maxEventBytes;
  private final long maxRequestBytes;
  private final UuidV7 ids;

  SegmentProtocol(Tokens tokens, long maxEventBytes, long maxRequestBytes, UuidV7 ids) {
    this.tokens = tokens;
    this.maxEventBytes = maxEventBytes;
    this.maxRequestBytes = maxRequestBytes;
    this.ids = ids;
  }

  @Override
  public String name() {
    return "segment";
  }

  /** The body is JSON whatever its declared type, as Segment reads it: browsers send text/plain, some SDKs a form label or none. */
  @Override
  public Request open(HttpServerRequest request, String clientIp) throws Rejection {
    String call = CALLS.get(request.path());
    if (call.equals("metrics")) return sdkMetrics();
    String callType = call.equals(BATCH) ? null : call;
    String basicKey = basicUser(request.getHeader("Authorization"));
    long max = Math.min(callType == null ? MAX_BATCH_BYTES : MAX_MESSAGE_BYTES, maxRequestBytes);
    return new Request() {
      @Override public long maxBytes() { return max; }
      @Override public Parsed parse(RequestBody.Bytes body, String receivedAt) throws Rejection {
        return messages(JsonMessages.read(body.bytes(), body.length()), callType, basicKey, receivedAt, clientIp);
      }
    };
  }

  private Request sdkMetrics() {
    long max = Math.min(MAX_MESSAGE_BYTES, maxRequestBytes);
    return new Request() {
      @Override public long maxBytes() { return max; }
      @Override public Parsed parse(RequestBody.Bytes body, String receivedAt) throws Rejection {
        JsonMessages.Body read = JsonMessages.read(body.bytes(), body.length());
        if (read.batch() || !read.messages().get(0).node().path("series").isArray()) {
          throw new Rejection(400, METRICS_PATH + " takes analytics.js's own metrics, an object with a \"series\" array; events go to /v1/batch");
        }
        return new Parsed(Tokens.App.DEFAULT, List.of());
      }
    };
  }

  Parsed messages(JsonMessages.Body body, String callType, String basicKey, String receivedAt, String clientIp) throws Rejection {
    if (callType == null && !body.batch()) {
      throw new Rejection(400, "a /v1/batch body is an object with a \"batch\" array of messages");
    }
    if (callType != null && body.batch()) {
      throw new Rejection(400, "a " + callType + " call takes one message object; send batches to /v1/batch");
    }
    if (body.messages().isEmpty()) throw new Rejection(400, "the batch holds no message");
    ObjectNode envelope = callType == null ? body.envelope() : body.messages().get(0).node();
    String key = basicKey != null ? basicKey : textOf(envelope.get("writeKey"));
    Tokens.App app = Tokens.forKey(tokens, key,
        "missing write key: send it as the user name of HTTP Basic auth, or as \"writeKey\" in the body", "unknown write key");
    Instant received = Instant.parse(receivedAt);
    JsonNode batchSentAt = callType == null ? envelope.get("sentAt") : null;
    JsonNode batchContext = callType == null ? envelope.get("context") : null;
    String ip = app.storeIp() ? clientIp : null;
    MappedEvent writer = new MappedEvent(receivedAt, app.name(), name(), ip, maxEventBytes);
    ClientClock.Memo clock = new ClientClock.Memo(received, receivedAt);
    List<byte[]> events = new ArrayList<>(body.messages().size());
    for (JsonMessages.Message m : body.messages()) {
      events.add(map(m, callType, batchSentAt, batchContext, received, clock, writer, ip));
    }
    return new Parsed(app, events);
  }

  private byte[] map(JsonMessages.Message m, String callType, JsonNode batchSentAt, JsonNode batchContext, Instant received,
                     ClientClock.Memo clock, MappedEvent writer, String ip) throws Rejection {
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
    if (ip != null) context = withIp(context, ip);
    if (context != null && !context.isNull()) extras.put("context", context);
    return writer.write(m, event, eventId == null ? ids.next().toString() : eventId, distinctId,
        clock.format(timestamp), REPLACED, extras);
  }

  /** Segment fills {@code context.ip} with the client's address unless the message has one. */
  private static JsonNode withIp(JsonNode context, String ip) {
    if (context != null && !context.isNull() && !context.isObject()) return context;
    if (context != null && context.hasNonNull("ip")) return context;
    ObjectNode copy = context == null || context.isNull() ? JsonNodeFactory.instance.objectNode() : ((ObjectNode) context).deepCopy();
    return copy.put("ip", ip);
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
      case 401, 403, 408, 429 -> r.status;
      default -> r.status >= 500 ? r.status : 400;
    };
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("success", false);
    body.put("error", r.getMessage());
    body.putAll(r.details);
    return new Answer(status, body);
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
