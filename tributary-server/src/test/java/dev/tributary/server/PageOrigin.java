package dev.tributary.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Pattern;

/**
 * The web site of {@link BrowserSdkTest}: a loopback HTTP server that serves its pages
 * ({@code src/test/browser}) and the SDKs' browser bundles, and hears what the pages report back
 * (the events the SDKs made, errors, and that the last page was reached).
 */
final class PageOrigin implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern PAGE_FILE = Pattern.compile("/[a-z-]+\\.(html|js)");
  private final HttpServer server;
  private final Map<String, Path> files;
  private final Path pages;
  private final Map<String, JsonNode> reports = new ConcurrentHashMap<>();
  private final List<String> logs = new CopyOnWriteArrayList<>();
  private volatile boolean done;

  private PageOrigin(HttpServer server, Path pages, Map<String, Path> files) {
    this.server = server;
    this.pages = pages;
    this.files = files;
  }

  /** Serves {@code pages} and, under {@code /sdk/}, {@code bundles} (path → file). */
  static PageOrigin start(Path pages, Map<String, Path> bundles) throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    PageOrigin origin = new PageOrigin(server, pages, bundles);
    server.createContext("/", origin::handle);
    server.start();
    return origin;
  }

  int port() {
    return server.getAddress().getPort();
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      String path = exchange.getRequestURI().getPath();
      if (exchange.getRequestMethod().equals("POST")) {
        String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        switch (path) {
          case "/report" -> {
            JsonNode report = JSON.readTree(body);
            reports.put(report.get("page").asText(), report);
          }
          case "/log" -> logs.add(body);
          case "/done" -> done = true;
          default -> { }
        }
        exchange.sendResponseHeaders(204, -1);
        return;
      }
      Path file = files.containsKey(path) ? files.get(path) : PAGE_FILE.matcher(path).matches() ? pages.resolve(path.substring(1)) : null;
      if (file == null || !Files.isRegularFile(file)) {
        exchange.sendResponseHeaders(404, -1);
        return;
      }
      exchange.getResponseHeaders().set("Content-Type", (path.endsWith(".html") ? "text/html" : "text/javascript") + "; charset=utf-8");
      byte[] content = Files.readAllBytes(file);
      exchange.sendResponseHeaders(200, content.length);
      exchange.getResponseBody().write(content);
    }
  }

  /**
   * What a page reported as it was left: {@code events}, each {sdk, payload} as the SDK made it,
   * and {@code failures}, the SDKs' requests that failed as they saw them.
   */
  JsonNode report(String page) {
    return reports.get(page);
  }

  /** Whether the last page was reached, so the pages before it have been left. */
  boolean done() {
    return done;
  }

  /** Errors the pages reported. */
  List<String> logs() {
    return logs;
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
