package dev.tributary.bench;

import java.net.URI;
import java.time.Duration;
import java.util.Optional;

/**
 * One open-loop load against a capture endpoint.
 *
 * @param target the capture URL, e.g. {@code http://127.0.0.1:8080/v1/events}; Segment's
 *     {@code /v1/batch} and PostHog's {@code /batch/} get bodies in their services' shape
 * @param requestsPerSecond the intended request rate; request {@code i} is due at {@code i / rate} seconds
 * @param duration how long the measured part lasts
 * @param warmup how long load runs before measuring starts (same rate, not recorded)
 * @param eventBytes the size of each event's JSON object in bytes
 * @param eventsPerRequest events per request: 1 sends a JSON object, more send NDJSON (or the
 *     service's batch for Segment and PostHog)
 * @param connections HTTP/1.1 connections to spread requests over
 * @param maxInFlight requests allowed to wait for an answer at once; a due request that finds
 *     no room waits for one (measured late, its latency still counted from when it was due)
 * @param requestTimeout a request without an answer after this long counts as an error
 * @param bearerToken sent as {@code Authorization: Bearer <token>} when present
 */
public record LoadOptions(
    URI target,
    double requestsPerSecond,
    Duration duration,
    Duration warmup,
    int eventBytes,
    int eventsPerRequest,
    int connections,
    int maxInFlight,
    Duration requestTimeout,
    Optional<String> bearerToken) {

  public LoadOptions {
    if (!"http".equals(target.getScheme()) || target.getHost() == null) {
      throw new IllegalArgumentException("target must be an http:// URL with a host, got " + target);
    }
    if (!(requestsPerSecond > 0)) throw new IllegalArgumentException("rate must be positive, got " + requestsPerSecond);
    if (duration.isNegative() || duration.isZero()) throw new IllegalArgumentException("duration must be positive, got " + duration);
    if (warmup.isNegative()) throw new IllegalArgumentException("warmup must not be negative, got " + warmup);
    int minEventBytes = EventBodies.Shape.of(target.getRawPath()).minEventBytes();
    if (eventBytes < minEventBytes) {
      throw new IllegalArgumentException("event size must be at least " + minEventBytes
          + " bytes (the JSON of an event with its type and id), got " + eventBytes);
    }
    if (eventsPerRequest < 1) throw new IllegalArgumentException("events per request must be at least 1, got " + eventsPerRequest);
    if (connections < 1) throw new IllegalArgumentException("connections must be at least 1, got " + connections);
    if (maxInFlight < 1) throw new IllegalArgumentException("max in-flight must be at least 1, got " + maxInFlight);
    if (requestTimeout.isNegative() || requestTimeout.isZero()) {
      throw new IllegalArgumentException("request timeout must be positive, got " + requestTimeout);
    }
  }

  /** 1,000 single-event requests/s of 1 KiB for 20 s after 5 s warmup, over 32 connections, at most 1,024 in flight. */
  public static LoadOptions defaults(URI target) {
    return new LoadOptions(target, 1000, Duration.ofSeconds(20), Duration.ofSeconds(5), 1024, 1, 32, 1024,
        Duration.ofSeconds(10), Optional.empty());
  }

  public LoadOptions withTarget(URI t) { return new LoadOptions(t, requestsPerSecond, duration, warmup, eventBytes, eventsPerRequest, connections, maxInFlight, requestTimeout, bearerToken); }
  public LoadOptions withRate(double r) { return new LoadOptions(target, r, duration, warmup, eventBytes, eventsPerRequest, connections, maxInFlight, requestTimeout, bearerToken); }
  public LoadOptions withDuration(Duration d) { return new LoadOptions(target, requestsPerSecond, d, warmup, eventBytes, eventsPerRequest, connections, maxInFlight, requestTimeout, bearerToken); }
  public LoadOptions withWarmup(Duration w) { return new LoadOptions(target, requestsPerSecond, duration, w, eventBytes, eventsPerRequest, connections, maxInFlight, requestTimeout, bearerToken); }
  public LoadOptions withEventBytes(int b) { return new LoadOptions(target, requestsPerSecond, duration, warmup, b, eventsPerRequest, connections, maxInFlight, requestTimeout, bearerToken); }
  public LoadOptions withEventsPerRequest(int n) { return new LoadOptions(target, requestsPerSecond, duration, warmup, eventBytes, n, connections, maxInFlight, requestTimeout, bearerToken); }
  public LoadOptions withConnections(int c) { return new LoadOptions(target, requestsPerSecond, duration, warmup, eventBytes, eventsPerRequest, c, maxInFlight, requestTimeout, bearerToken); }
  public LoadOptions withMaxInFlight(int m) { return new LoadOptions(target, requestsPerSecond, duration, warmup, eventBytes, eventsPerRequest, connections, m, requestTimeout, bearerToken); }
  public LoadOptions withRequestTimeout(Duration t) { return new LoadOptions(target, requestsPerSecond, duration, warmup, eventBytes, eventsPerRequest, connections, maxInFlight, t, bearerToken); }
  public LoadOptions withBearerToken(String t) { return new LoadOptions(target, requestsPerSecond, duration, warmup, eventBytes, eventsPerRequest, connections, maxInFlight, requestTimeout, Optional.ofNullable(t)); }

  /** Requests due during warmup. */
  long warmupRequests() {
    return Math.round(requestsPerSecond * warmup.toNanos() / 1e9);
  }

  /** Requests due during the measured part. */
  long measuredRequests() {
    return Math.round(requestsPerSecond * duration.toNanos() / 1e9);
  }

  /** One line saying what this load is. */
  String describe() {
    return String.format("%,.0f req/s x %d event%s of %d B, %ds after %ds warmup, %d connections, max %d in flight",
        requestsPerSecond, eventsPerRequest, eventsPerRequest == 1 ? "" : "s", eventBytes,
        duration.toSeconds(), warmup.toSeconds(), connections, maxInFlight);
  }
}
