package dev.tributary.bus;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;

/** A real local bus served over loopback HTTP, with a plain HTTP client for the tests. */
final class BusNode implements AutoCloseable {
  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  final BusConfig config;
  private LocalBus bus;
  private BusServer server;

  BusNode(BusConfig config) throws IOException {
    this.config = config;
    start();
  }

  private void start() throws IOException {
    bus = LocalBus.open(config);
    server = BusServer.start(bus, "127.0.0.1", server == null ? 0 : server.port());
  }

  /** Closes the server and the bus and opens them again on the same directory and port. */
  void restart() throws IOException {
    close();
    start();
  }

  URI uri() {
    return URI.create("http://127.0.0.1:" + server.port());
  }

  HttpResponse<String> post(String pathAndQuery, String body) throws IOException, InterruptedException {
    return post(pathAndQuery, body.getBytes(StandardCharsets.UTF_8));
  }

  HttpResponse<String> post(String pathAndQuery, byte[] body) throws IOException, InterruptedException {
    return HTTP.send(HttpRequest.newBuilder(URI.create(uri() + pathAndQuery)).POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  HttpResponse<String> get(String pathAndQuery) throws IOException, InterruptedException {
    return HTTP.send(HttpRequest.newBuilder(URI.create(uri() + pathAndQuery)).GET().build(), HttpResponse.BodyHandlers.ofString());
  }

  @Override
  public void close() {
    server.close();
    bus.close();
  }
}
