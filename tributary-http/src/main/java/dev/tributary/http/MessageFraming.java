package dev.tributary.http;

import io.vertx.core.http.HttpServerRequest;
import java.util.Locale;

/**
 * What RFC 9112 requires a server to refuse in a request's head and Netty's HTTP/1.1 codec lets
 * through: a proxy in front may read such a request's body, or where it ends, differently, so a
 * server that takes it stores what the client did not send or hides a request in a body.
 */
public final class MessageFraming {
  private MessageFraming() {}

  /**
   * Why {@code request} must be answered 400 and its connection closed, or null if it may be read:
   * a {@code Transfer-Encoding} whose last coding is not chunked (RFC 9112, 6.1: its body has no
   * reliable length; Netty frames it by {@code Content-Length} instead), or a header without a name.
   */
  public static String problem(HttpServerRequest request) {
    String transferEncoding = String.join(", ", request.headers().getAll("Transfer-Encoding"));
    if (!transferEncoding.isEmpty()) {
      String[] codings = transferEncoding.split(",");
      if (!codings[codings.length - 1].strip().toLowerCase(Locale.ROOT).equals("chunked")) {
        return "unsupported Transfer-Encoding '" + transferEncoding + "'; send the body with a Content-Length or as chunked";
      }
    }
    if (request.headers().contains("")) return "a header without a name; each header is 'Name: value'";
    return null;
  }
}
