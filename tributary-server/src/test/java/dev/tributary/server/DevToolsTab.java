package dev.tributary.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One Chromium tab driven over the DevTools protocol's WebSocket (JSON commands with an id, the
 * answer carrying the same id), with the JDK's own WebSocket client: evaluate a script in the
 * page, size the viewport, take a screenshot.
 */
final class DevToolsTab implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final Map<Integer, CompletableFuture<JsonNode>> answers = new ConcurrentHashMap<>();
  private final AtomicInteger ids = new AtomicInteger();
  private final WebSocket socket;

  DevToolsTab(URI webSocketDebuggerUrl) {
    this.socket = HttpClient.newHttpClient().newWebSocketBuilder().buildAsync(webSocketDebuggerUrl, new Answers()).join();
  }

  /** The value of {@code expression} evaluated in the page, awaited if it is a promise. */
  JsonNode evaluate(String expression) throws Exception {
    JsonNode result = call("Runtime.evaluate", Map.of("expression", expression, "returnByValue", true, "awaitPromise", true));
    if (result.has("exceptionDetails")) throw new AssertionError("the page threw: " + result.get("exceptionDetails"));
    return result.path("result").path("value");
  }

  /** Lays the page out as a desktop browser window of this size. */
  void viewport(int width, int height) throws Exception {
    call("Emulation.setDeviceMetricsOverride", Map.of("width", width, "height", height, "deviceScaleFactor", 1, "mobile", false));
  }

  /** The viewport as PNG. */
  byte[] screenshot() throws Exception {
    return Base64.getDecoder().decode(call("Page.captureScreenshot", Map.of("format", "png")).path("data").asText());
  }

  private JsonNode call(String method, Map<String, Object> params) throws Exception {
    int id = ids.incrementAndGet();
    CompletableFuture<JsonNode> answer = new CompletableFuture<>();
    answers.put(id, answer);
    ObjectNode command = JSON.createObjectNode().put("id", id).put("method", method);
    command.set("params", JSON.valueToTree(params));
    socket.sendText(JSON.writeValueAsString(command), true).join();
    JsonNode message = answer.get(30, TimeUnit.SECONDS);
    if (message.has("error")) throw new AssertionError(method + " failed: " + message.get("error"));
    return message.path("result");
  }

  @Override
  public void close() {
    socket.sendClose(WebSocket.NORMAL_CLOSURE, "done").orTimeout(5, TimeUnit.SECONDS).exceptionally(e -> null).join();
  }

  /** Joins the frames of each message and completes the call its id names; events (no id) are ignored. */
  private final class Answers implements WebSocket.Listener {
    private final StringBuilder message = new StringBuilder();

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
      message.append(data);
      if (last) {
        try {
          JsonNode node = JSON.readTree(message.toString());
          CompletableFuture<JsonNode> answer = node.has("id") ? answers.remove(node.get("id").asInt()) : null;
          if (answer != null) answer.complete(node);
        } catch (Exception e) {
          answers.values().forEach(a -> a.completeExceptionally(e));
        }
        message.setLength(0);
      }
      webSocket.request(1);
      return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
      answers.values().forEach(a -> a.completeExceptionally(error));
    }
  }
}
