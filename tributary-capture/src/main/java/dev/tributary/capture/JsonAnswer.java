package dev.tributary.capture;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import java.util.LinkedHashMap;
import java.util.Map;

/** Writes capture's JSON answers. */
final class JsonAnswer {

  private static final ObjectMapper JSON = new ObjectMapper();

  private JsonAnswer() {}

  static Future<Void> write(HttpServerResponse response, int status, Map<String, ?> body) {
    byte[] bytes;
    try {
      bytes = JSON.writeValueAsBytes(body);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("maps of strings and numbers always serialize", e);
    }
    return response.setStatusCode(status).putHeader("Content-Type", "application/json").end(Buffer.buffer(bytes));
  }

  static Map<String, Object> error(String message, Map<String, Object> details) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("error", message);
    body.putAll(details);
    return body;
  }
}
