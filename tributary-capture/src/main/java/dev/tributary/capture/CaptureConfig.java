package dev.tributary.capture;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * How the capture server listens and what it accepts.
 *
 * @param bindHost address to listen on; without a tokens file only a loopback address is allowed
 * @param port TCP port; 0 picks a free one (see {@link CaptureServer#port()})
 * @param maxRequestBytes largest request body, counted after gzip decompression (default 4 MiB)
 * @param maxEventBytes largest single event once enriched (default 1 MiB)
 * @param tokensFile the tokens file (YAML, see docs/capture.md), or null to run without auth
 * @param requestTimeout time from a request's first byte to the end of its body (default 30 s); past it: 408 and close
 * @param idleTimeout a connection with nothing read or written for this long is closed (default 60 s)
 * @param maxConnections open connections at most; past it new connections are closed at once (default 10,000)
 * @param retryAfter what {@code Retry-After} says when the spool is full or the server drains (default 5 s)
 * @param corsOrigins origins whose pages may send events: {@code *} (the default, as Segment and PostHog allow for
 *     their public keys), origins, or patterns like {@code https://*.example.com} (docs/ingest-protocols.md)
 * @param trustedProxies addresses and CIDR ranges of proxies whose {@code X-Forwarded-For} / {@code Forwarded}
 *     name the client (default none: the client is the connection's peer)
 */
public record CaptureConfig(String bindHost, int port, long maxRequestBytes, long maxEventBytes, Path tokensFile,
                            Duration requestTimeout, Duration idleTimeout, int maxConnections, Duration retryAfter,
                            List<String> corsOrigins, List<String> trustedProxies) {

  public static final long DEFAULT_MAX_REQUEST_BYTES = 4L << 20;
  public static final long DEFAULT_MAX_EVENT_BYTES = 1L << 20;
  /** Request bodies are held in one array, so they must stay well under 2 GiB. */
  static final long LARGEST_REQUEST_BYTES = 1L << 30;
  /** An event is one spool record, and the spool takes records up to 16 MiB. */
  static final long LARGEST_EVENT_BYTES = 16L << 20;

  public CaptureConfig {
    if (bindHost == null || bindHost.isBlank()) throw new IllegalArgumentException("bind host must not be empty");
    if (port < 0 || port > 65535) throw new IllegalArgumentException("port must be 0 to 65535, got " + port);
    if (maxRequestBytes < 1024 || maxRequestBytes > LARGEST_REQUEST_BYTES) {
      throw new IllegalArgumentException("max request bytes must be 1024 to " + LARGEST_REQUEST_BYTES + ", got " + maxRequestBytes);
    }
    if (maxEventBytes < 64 || maxEventBytes > Math.min(maxRequestBytes, LARGEST_EVENT_BYTES)) {
      throw new IllegalArgumentException("max event bytes must be 64 to the max request bytes (" + maxRequestBytes
          + ") and to " + LARGEST_EVENT_BYTES + " (the spool's record limit), got " + maxEventBytes);
    }
    requirePositive("request timeout", requestTimeout);
    requirePositive("idle timeout", idleTimeout);
    if (maxConnections < 1) throw new IllegalArgumentException("max connections must be at least 1, got " + maxConnections);
    requirePositive("retry after", retryAfter);
    corsOrigins = List.copyOf(corsOrigins);
    trustedProxies = List.copyOf(trustedProxies);
    Cors.of(corsOrigins);
    ClientAddress.trusting(trustedProxies);
  }

  /**
   * Loopback on 8080, 4 MiB requests, 1 MiB events, no auth, 30 s request and 60 s idle timeouts, 10,000 connections,
   * Retry-After 5 s, any origin, no trusted proxy.
   */
  public static CaptureConfig defaults() {
    return new CaptureConfig("127.0.0.1", 8080, DEFAULT_MAX_REQUEST_BYTES, DEFAULT_MAX_EVENT_BYTES, null,
        Duration.ofSeconds(30), Duration.ofSeconds(60), 10_000, Duration.ofSeconds(5), Cors.ANY_ORIGIN, List.of());
  }

  public CaptureConfig withBindHost(String host) { return new CaptureConfig(host, port, maxRequestBytes, maxEventBytes, tokensFile, requestTimeout, idleTimeout, maxConnections, retryAfter, corsOrigins, trustedProxies); }
  public CaptureConfig withPort(int p) { return new CaptureConfig(bindHost, p, maxRequestBytes, maxEventBytes, tokensFile, requestTimeout, idleTimeout, maxConnections, retryAfter, corsOrigins, trustedProxies); }
  /** Also lowers the event limit to the request limit when it was larger. */
  public CaptureConfig withMaxRequestBytes(long bytes) { return new CaptureConfig(bindHost, port, bytes, Math.min(maxEventBytes, bytes), tokensFile, requestTimeout, idleTimeout, maxConnections, retryAfter, corsOrigins, trustedProxies); }
  public CaptureConfig withMaxEventBytes(long bytes) { return new CaptureConfig(bindHost, port, maxRequestBytes, bytes, tokensFile, requestTimeout, idleTimeout, maxConnections, retryAfter, corsOrigins, trustedProxies); }
  public CaptureConfig withTokensFile(Path file) { return new CaptureConfig(bindHost, port, maxRequestBytes, maxEventBytes, file, requestTimeout, idleTimeout, maxConnections, retryAfter, corsOrigins, trustedProxies); }
  public CaptureConfig withRequestTimeout(Duration d) { return new CaptureConfig(bindHost, port, maxRequestBytes, maxEventBytes, tokensFile, d, idleTimeout, maxConnections, retryAfter, corsOrigins, trustedProxies); }
  public CaptureConfig withIdleTimeout(Duration d) { return new CaptureConfig(bindHost, port, maxRequestBytes, maxEventBytes, tokensFile, requestTimeout, d, maxConnections, retryAfter, corsOrigins, trustedProxies); }
  public CaptureConfig withMaxConnections(int n) { return new CaptureConfig(bindHost, port, maxRequestBytes, maxEventBytes, tokensFile, requestTimeout, idleTimeout, n, retryAfter, corsOrigins, trustedProxies); }
  public CaptureConfig withRetryAfter(Duration d) { return new CaptureConfig(bindHost, port, maxRequestBytes, maxEventBytes, tokensFile, requestTimeout, idleTimeout, maxConnections, d, corsOrigins, trustedProxies); }

  /** Throws {@link IllegalArgumentException} for an entry that is not {@code *}, an origin or an origin pattern. */
  public CaptureConfig withCorsOrigins(List<String> origins) { return new CaptureConfig(bindHost, port, maxRequestBytes, maxEventBytes, tokensFile, requestTimeout, idleTimeout, maxConnections, retryAfter, origins, trustedProxies); }
  /** Throws {@link IllegalArgumentException} for an entry that is not an IP address or CIDR range. */
  public CaptureConfig withTrustedProxies(List<String> proxies) { return new CaptureConfig(bindHost, port, maxRequestBytes, maxEventBytes, tokensFile, requestTimeout, idleTimeout, maxConnections, retryAfter, corsOrigins, proxies); }

  private static void requirePositive(String name, Duration d) {
    if (d == null || d.isNegative() || d.isZero()) throw new IllegalArgumentException(name + " must be positive, got " + d);
  }
}
