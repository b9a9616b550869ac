package dev.tributary.capture;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.http.HttpServerRequest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * PostHog's capture API (docs/ingest-protocols.md): {@code /batch/}, {@code /e/},
 * {@code /capture/}, {@code /i/v0/e/}, {@code /track/} and {@code /engage/}, with the body in any
 * encoding of {@link PostHogBody} and the project key as {@code api_key} or {@code token}. Each
 * event keeps its fields; {@code uuid} becomes its {@code event_id}, {@code distinct_id} (top
 * level or in {@code properties}) its {@code distinct_id}, and {@code timestamp} the time resolved
 * from {@code timestamp}, {@code sent_at} and {@code offset} as PostHog does, the client's kept as
 * {@code original_timestamp}. Limits are PostHog's: 20 MB for {@code /batch/}, 2 MB for the others.
 */
final class PostHogProtocol implements Protocol {

  /**
   * Every path posthog-js and PostHog's other SDKs post events to ({@code /s} is session
   * recording's {@code $snapshot} events), each also with the trailing slash the SDKs add.
   */
  static final List<String> PATHS = List.of("/batch", "/e", "/capture", "/i/v0/e", "/track", "/engage", "/s");
  static final long MAX_BATCH_BYTES = 20L * 1000 * 1000;
  static final long MAX_REQUEST_BYTES = 2L * 1000 * 1000;
  private static final Set<String> REPLACED = Set.of("api_key", "token", "$token", "sent_at");

  private final Tokens tokens;
  private final long maxEventBytes;
  private final long maxRequestBytes;
  private final UuidV7 ids;

  PostHogProtocol(Tokens tokens, long maxEventBytes, long maxRequestBytes, UuidV7 ids) {
    this.tokens = tokens;
    this.maxEventBytes = maxEventBytes;
    this.maxRequestBytes = maxRequestBytes;
    this.ids = ids;
  }

  @Override
  public String name() {
    return "posthog";
  }

  /**
   * The query parameters posthog-js adds: {@code compression} (gzip-js, lz64, base64),
   * {@code _} or {@code sent_at} (the client's send time in milliseconds), {@code ver} (the SDK
   * version, not needed) and {@code ip=0} (store no address for this request).
   */
  @Override
  public Request open(HttpServerRequest request, String clientIp) throws Rejection {
    String path = request.path().endsWith("/") ? request.path().substring(0, request.path().length() - 1) : request.path();
    boolean engage = path.equals("/engage");
    String contentType = request.getHeader("Content-Type");
    String compression = request.getParam("compression");
    String sentAtParam = request.getParam("_") != null ? request.getParam("_") : request.getParam("sent_at");
    Instant querySentAt = millis(sentAtParam);
    String ip = "0".equals(request.getParam("ip")) ? null : clientIp;
    long max = Math.min(path.equals("/batch") || path.equals("/s") ? MAX_BATCH_BYTES : MAX_REQUEST_BYTES, maxRequestBytes);
    return new Request() {
      @Override public long maxBytes() { return max; }
      @Override public boolean plain() { return compression == null; }
      @Override public Parsed parse(RequestBody.Bytes body, String receivedAt) throws Rejection {
        RequestBody.Bytes json = PostHogBody.decode(body.bytes(), body.length(), contentType, compression, max);
        return events(JsonMessages.read(json.bytes(), json.length()), engage, querySentAt, receivedAt, ip);
      }
    };
  }

  Parsed events(JsonMessages.Body body, boolean engage, Instant querySentAt, String receivedAt, String clientIp) throws Rejection {
    if (body.messages().isEmpty()) throw new Rejection(400, "request holds no event");
    ObjectNode envelope = body.envelope();
    String key = key(body);
    Tokens.App app = Tokens.forKey(tokens, key, "event submitted without an api_key", "API key is not valid: unknown project key");
    Instant received = Instant.parse(receivedAt);
    JsonNode envelopeSentAt = envelope.get("sent_at");
    String ip = app.storeIp() ? clientIp : null;
    MappedEvent writer = new MappedEvent(receivedAt, app.name(), name(), ip, maxEventBytes);
    ClientClock.Memo clock = new ClientClock.Memo(received, receivedAt);
    List<byte[]> events = new ArrayList<>(body.messages().size());
    for (JsonMessages.Message m : body.messages()) {
      events.add(map(m, engage, envelopeSentAt, querySentAt, received, clock, writer, ip));
    }
    return new Parsed(app, events);
  }

  /** The one project key of the request: the envelope's, and each event's, must agree. */
  private static String key(JsonMessages.Body body) throws Rejection {
    String key = null;
    List<JsonNode> candidates = new ArrayList<>();
    candidates.add(body.envelope().get("api_key"));
    candidates.add(body.envelope().get("token"));
    for (JsonMessages.Message m : body.messages()) {
      ObjectNode node = m.node();
      candidates.add(node.get("api_key"));
      candidates.add(node.get("token"));
      candidates.add(node.get("$token"));
      JsonNode properties = node.get("properties");
      if (properties != null && properties.isObject()) candidates.add(properties.get("token"));
    }
    for (JsonNode candidate : candidates) {
      if (candidate == null || !candidate.isTextual() || candidate.asText().isEmpty()) continue;
      if (key == null) {
        key = candidate.asText();
      } else if (!key.equals(candidate.asText())) {
        throw new Rejection(401, "batch submitted with inconsistent api_key values");
      }
    }
    return key;
  }

  private byte[] map(JsonMessages.Message m, boolean engage, JsonNode envelopeSentAt, Instant querySentAt, Instant received,
                     ClientClock.Memo clock, MappedEvent writer, String ip) throws Rejection {
    ObjectNode node = m.node();
    String event = JsonMessages.text(m, node, "event");
    if (event == null && engage) event = "$identify";
    if (event == null || event.isEmpty()) throw refuse(m, "event submitted with an empty event name");
    JsonNode properties = node.get("properties");
    if (properties != null && !properties.isNull() && !properties.isObject()) {
      throw refuse(m, "\"properties\" must be an object, got " + JsonMessages.describe(properties));
    }
    if (ip != null) properties = withIp(node, properties, ip);
    String distinctId = firstId(m, node, "distinct_id", "$distinct_id");
    if (distinctId == null) distinctId = firstId(m, properties, "distinct_id", "$distinct_id");
    if (distinctId == null) throw refuse(m, "event submitted without a distinct_id");
    if (distinctId.isEmpty()) throw refuse(m, "event submitted with an empty distinct_id");
    String eventId = MappedEvent.eventId(m, JsonMessages.text(m, node, "uuid"));
    JsonNode timestamp = node.get("timestamp");
    JsonNode sentAtNode = node.hasNonNull("sent_at") ? node.get("sent_at") : envelopeSentAt;
    Instant sentAt = sentAtNode != null && !sentAtNode.isNull() ? time(m, clock, sentAtNode, "sent_at") : querySentAt;
    if (properties != null && properties.path("$ignore_sent_at").asBoolean(false)) sentAt = null;
    JsonNode offset = node.get("offset");
    if (offset != null && !offset.isNull() && !offset.isIntegralNumber()) {
      throw refuse(m, "\"offset\" must be a whole number of milliseconds, got " + JsonMessages.describe(offset));
    }
    Instant resolved = ClientClock.posthog(received, offset == null || offset.isNull() ? null : offset.asLong(),
        time(m, clock, timestamp, "timestamp"), sentAt);
    Map<String, Object> extras = new LinkedHashMap<>();
    if (timestamp != null && !timestamp.isNull()) extras.put("original_timestamp", timestamp);
    if (sentAtNode != null && !sentAtNode.isNull()) extras.put("sent_at", sentAtNode);
    else if (sentAt != null) extras.put("sent_at", clock.format(sentAt));
    return writer.write(m, event, eventId == null ? ids.next().toString() : eventId, distinctId,
        clock.format(resolved), REPLACED, extras);
  }

  /**
   * PostHog sets {@code properties.$ip} to the client's address unless the event has one (a server
   * SDK sends its user's address there).
   */
  private static JsonNode withIp(ObjectNode node, JsonNode properties, String ip) {
    if (properties != null && properties.has("$ip")) return properties;
    ObjectNode withIp = properties == null || properties.isNull() ? node.putObject("properties") : (ObjectNode) properties;
    withIp.put("$ip", ip);
    return withIp;
  }

  private static String firstId(JsonMessages.Message m, JsonNode node, String field, String alternative) throws Rejection {
    String id = JsonMessages.id(m, node, field);
    return id != null ? id : JsonMessages.id(m, node, alternative);
  }

  private static Instant time(JsonMessages.Message m, ClientClock.Memo clock, JsonNode value, String field) throws Rejection {
    if (value == null || value.isNull()) return null;
    Instant parsed = value.isTextual() ? clock.parse(value.asText()) : null;
    if (parsed == null) throw refuse(m, "\"" + field + "\" must be an ISO-8601 time, got " + value);
    return parsed;
  }

  private static Instant millis(String text) throws Rejection {
    if (text == null || text.isEmpty()) return null;
    try {
      return Instant.ofEpochMilli(Long.parseLong(text.trim()));
    } catch (NumberFormatException e) {
      throw new Rejection(400, "failed to decode request: the _ query parameter must be milliseconds since the epoch, got '" + text + "'");
    }
  }

  private static Rejection refuse(JsonMessages.Message m, String problem) {
    return new Rejection(400, problem + " (event " + m.index() + ")", m.where());
  }

  @Override
  public Map<String, Object> accepted(int count) {
    return Map.of("status", 1);
  }

  /** PostHog's statuses (400 invalid, 401 key, 413 too large, 429, 503) and its error shape. */
  @Override
  public Answer refused(Rejection r) {
    int status = r.status == 415 ? 400 : r.status;
    String type = switch (status) {
      case 401, 403 -> "authentication_error";
      case 429 -> "throttled";
      default -> status >= 500 ? "server_error" : "validation_error";
    };
    String code = switch (status) {
      case 401 -> "invalid_api_key";
      case 403 -> "origin_not_allowed";
      case 408 -> "request_timeout";
      case 413 -> "payload_too_large";
      case 429 -> "rate_limited";
      case 503 -> "unavailable";
      default -> status >= 500 ? "server_error" : "invalid_payload";
    };
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("type", type);
    body.put("code", code);
    body.put("detail", r.getMessage());
    body.putAll(r.details);
    return new Answer(status, body);
  }
}
