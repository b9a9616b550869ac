package dev.tributary.capture;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Turns a PostHog capture body into its JSON bytes. The encodings PostHog's SDKs send:
 * <ul>
 *   <li>JSON ({@code application/json} or {@code text/plain});</li>
 *   <li>gzip, inflated before by {@link RequestBody} ({@code Content-Encoding: gzip} or the gzip
 *       magic bytes; posthog-js sends it as {@code text/plain}, with or without {@code ?compression=gzip-js});</li>
 *   <li>a form ({@code application/x-www-form-urlencoded}) whose {@code data} field is the JSON,
 *       its base64, or (with {@code compression=lz64} in the form or the query) its LZ-string
 *       base64; a base64 payload may itself be gzip;</li>
 *   <li>a raw body of base64, or of LZ-string base64 with {@code ?compression=lz64}.</li>
 * </ul>
 * Every step stops at {@code max} bytes of output.
 */
final class PostHogBody {

  private PostHogBody() {}

  /** The JSON of a body already inflated when it was gzip. */
  static RequestBody.Bytes decode(byte[] body, int length, String contentType, String compression, long max) throws Rejection {
    String scheme = compression(compression);
    String media = RequestBody.mediaType(contentType);
    boolean form = media.equals("application/x-www-form-urlencoded") || (!media.contains("json") && startsWith(body, length, "data="));
    if (form) {
      Map<String, String> fields = form(new String(body, 0, length, StandardCharsets.UTF_8));
      String data = fields.get("data");
      if (data == null) throw new Rejection(400, "failed to decode request: the form has no data= field");
      String formScheme = fields.containsKey("compression") ? compression(fields.get("compression")) : scheme;
      return withinLimit(text(data, formScheme, max), max);
    }
    if (scheme.equals("lz64") || scheme.equals("base64") || !startsJson(body, length)) {
      return withinLimit(text(new String(body, 0, length, StandardCharsets.UTF_8), scheme, max), max);
    }
    return new RequestBody.Bytes(body, length);
  }

  /** A payload in text: JSON as is, LZ-string base64, or base64 (of JSON or of gzip). */
  private static RequestBody.Bytes text(String data, String scheme, long max) throws Rejection {
    String trimmed = data.strip();
    if (scheme.equals("lz64")) {
      try {
        byte[] json = LzString.decompressFromBase64(trimmed.replace(' ', '+'), max).getBytes(StandardCharsets.UTF_8);
        return new RequestBody.Bytes(json, json.length);
      } catch (LzString.InvalidInput e) {
        throw new Rejection(400, "failed to decode request: compression=lz64 but " + e.getMessage());
      }
    }
    if (trimmed.startsWith("{") || trimmed.startsWith("[")) {
      byte[] json = trimmed.getBytes(StandardCharsets.UTF_8);
      return new RequestBody.Bytes(json, json.length);
    }
    byte[] decoded = base64(trimmed.replace(' ', '+'));
    if (RequestBody.gzipMagic(decoded, decoded.length)) return GzipBody.inflate(decoded, decoded.length, max);
    return new RequestBody.Bytes(decoded, decoded.length);
  }

  /**
   * Text turned back into bytes can outgrow the bytes it came from: LZ-string's cap counts
   * characters, one of which takes up to 3 bytes of UTF-8, and each invalid UTF-8 byte of a body
   * read as text becomes a 3-byte U+FFFD.
   */
  private static RequestBody.Bytes withinLimit(RequestBody.Bytes decoded, long max) throws Rejection {
    if (decoded.length() > max) {
      throw new Rejection(413, "the body decodes to " + decoded.length() + " bytes, more than the limit of " + max
          + " bytes; send fewer events per request");
    }
    return decoded;
  }

  private static byte[] base64(String text) throws Rejection {
    String unpadded = text.replace("=", "");
    try {
      return Base64.getDecoder().decode(unpadded);
    } catch (IllegalArgumentException standard) {
      try {
        return Base64.getUrlDecoder().decode(unpadded);
      } catch (IllegalArgumentException e) {
        throw new Rejection(400, "failed to decode request: the body is neither JSON nor base64 (" + standard.getMessage() + ")");
      }
    }
  }

  /** The compression named by a client: {@code gzip}, {@code lz64}, {@code base64} or none; others refused. */
  private static String compression(String name) throws Rejection {
    if (name == null) return "";
    return switch (name.trim().toLowerCase(Locale.ROOT)) {
      case "", "none" -> "";
      case "gzip", "gzip-js" -> "gzip";
      case "lz64", "lz-string" -> "lz64";
      case "base64" -> "base64";
      default -> throw new Rejection(400, "failed to decode request: unsupported compression '" + name
          + "'; Tributary takes gzip-js, gzip, lz64 or base64");
    };
  }

  private static Map<String, String> form(String body) throws Rejection {
    Map<String, String> fields = new HashMap<>();
    for (String pair : body.split("&")) {
      if (pair.isEmpty()) continue;
      int eq = pair.indexOf('=');
      try {
        String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
        String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
        fields.putIfAbsent(name, value);
      } catch (IllegalArgumentException e) {
        throw new Rejection(400, "failed to decode request: the form body is not URL-encoded: " + e.getMessage());
      }
    }
    return fields;
  }

  private static boolean startsJson(byte[] body, int length) {
    for (int i = 0; i < length; i++) {
      byte b = body[i];
      if (b == ' ' || b == '\n' || b == '\r' || b == '\t') continue;
      return b == '{' || b == '[';
    }
    return true; // empty: let the JSON reader say so
  }

  private static boolean startsWith(byte[] body, int length, String prefix) {
    if (length < prefix.length()) return false;
    for (int i = 0; i < prefix.length(); i++) if (body[i] != prefix.charAt(i)) return false;
    return true;
  }
}
