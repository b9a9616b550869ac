package dev.tributary.capture;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Writes capture's JSON answers. */
final class JsonAnswer {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final CharSequence CONTENT_TYPE = HttpHeaders.createOptimized("Content-Type");
  private static final CharSequence APPLICATION_JSON = HttpHeaders.createOptimized("application/json");
  /**
   * Success answers serialised before, e.g. {@code {"accepted":1}}: the same few are sent for
   * almost every request. At most {@value #KEPT_ANSWERS}; errors, which carry their details, are not kept.
   */
  private static final Map<Map<String, ?>, byte[]> SUCCESSES = new ConcurrentHashMap<>();
  private static final int KEPT_ANSWERS = 1024;

  private JsonAnswer() {}

  static Future<Void> write(HttpServerResponse response, int status, Map<String, ?> body) {
    byte[] bytes = status == 200 ? SUCCESSES.get(body) : null;
    if (bytes == null) {
      bytes = serialise(body);
      if (status == 200 && SUCCESSES.size() < KEPT_ANSWERS) SUCCESSES.put(body, bytes);
    }
    return response.setStatusCode(status).putHeader(CONTENT_TYPE, APPLICATION_JSON).end(Buffer.buffer(bytes));
  }

  private static byte[] serialise(Map<String, ?> body) {
    try {
      return JSON.writeValueAsBytes(body);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("maps of strings and numbers always serialize", e);
    }
  }

  static Map<String, Object> error(String message, Map<String, Object> details) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("error", message);
    body.putAll(details);
    return body;
  }
}
