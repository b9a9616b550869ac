package dev.tributary.capture;

import io.vertx.core.http.HttpServerRequest;
import java.util.List;
import java.util.Map;

/**
 * One wire protocol capture speaks: Tributary's own {@code /v1/events}, Segment's tracking API,
 * or PostHog's capture API. {@link Ingest} does what they share (reading and inflating the body
 * within the limit, atomic durable append, answering after fsync, rate limits, metrics); a
 * protocol decides what the request head and body mean and how answers look. Each is built with
 * what it needs (tokens, limits) and never reaches back into the server.
 */
interface Protocol {

  /** The {@code protocol} label of the metrics: {@code events}, {@code segment}, {@code posthog}. */
  String name();

  /**
   * Reads what it needs from the request head, before the body; refuses early what it can.
   * {@code clientIp} is the client's address (see {@link ClientAddress}), stored only for apps that ask for it.
   */
  Request open(HttpServerRequest request, String clientIp) throws Rejection;

  /** The body of a 200 answer for {@code count} stored events. */
  Map<String, Object> accepted(int count);

  /** The status and body of an error answer, in the protocol's own shape. */
  Answer refused(Rejection rejection);

  /** One request, its head read. */
  interface Request {

    /** The largest body accepted, raw and once inflated. */
    long maxBytes();

    /** Whether the inflated body is turned into events without further decoding (cheap enough for the event loop when small). */
    default boolean plain() {
      return true;
    }

    /** The app and the enriched events to store, each the compact UTF-8 JSON of one event; or the refusal. */
    Parsed parse(RequestBody.Bytes body, String receivedAt) throws Rejection;
  }

  record Parsed(Tokens.App app, List<byte[]> events) {}

  record Answer(int status, Map<String, Object> body) {}
}
