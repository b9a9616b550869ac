package dev.tributary.capture;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import java.util.Locale;

/**
 * How every protocol's body is read: the {@code Content-Encoding} (gzip or none), gzip found by
 * its magic bytes when a client labels it otherwise (browser SDKs send gzip as
 * {@code text/plain}, some server SDKs as a form), inflation within the request limit, and the
 * media type of {@code Content-Type}.
 */
final class RequestBody {

  private RequestBody() {}

  /** Bytes and their length (the array may be longer). */
  record Bytes(byte[] bytes, int length) {}

  /** Whether {@code Content-Encoding} says gzip; other encodings are refused. */
  static boolean gzipEncoded(HttpServerRequest request) throws Rejection {
    String contentEncoding = request.getHeader("Content-Encoding");
    if (contentEncoding == null) return false;
    return switch (contentEncoding.trim().toLowerCase(Locale.ROOT)) {
      case "", "identity" -> false;
      case "gzip", "x-gzip" -> true;
      default -> throw new Rejection(415, "unsupported Content-Encoding '" + contentEncoding + "'; use gzip or none");
    };
  }

  /** The body as sent, inflated when it is gzip by its header or its first bytes; never more than {@code max} bytes. */
  static Bytes decode(byte[] body, int length, boolean gzipEncoded, long max) throws Rejection {
    return gzipEncoded || gzipMagic(body, length) ? GzipBody.inflate(body, length, max) : new Bytes(body, length);
  }

  /** Whether {@link #decode} will inflate the body: worth a worker thread. */
  static boolean inflates(Buffer body, boolean gzipEncoded) {
    return gzipEncoded || body.length() >= 2 && body.getByte(0) == (byte) 0x1f && body.getByte(1) == (byte) 0x8b;
  }

  static boolean gzipMagic(byte[] body, int length) {
    return length >= 2 && body[0] == (byte) 0x1f && body[1] == (byte) 0x8b;
  }

  /** The media type of a {@code Content-Type} header in lower case, without parameters; empty when absent. */
  static String mediaType(String contentType) {
    return contentType == null ? "" : contentType.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
  }
}
