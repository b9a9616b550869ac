package dev.tributary.capture;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tributary.spool.Spool;
import dev.tributary.spool.SpoolConfig;
import dev.tributary.spool.SpoolCursor;
import dev.tributary.spool.SpoolGauges;
import dev.tributary.spool.SpoolRecord;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;

/** A real spool in a temporary directory with a capture server in front of it, and a client. */
final class CaptureFixture implements AutoCloseable {

  static final ObjectMapper JSON = new ObjectMapper();
  private static final AtomicInteger READERS = new AtomicInteger();

  final Spool spool;
  final CaptureServer server;
  final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private CaptureFixture(Spool spool, CaptureConfig config) throws CaptureStartException {
    this.spool = spool;
    SpoolGauges.bind(spool, registry);
    this.server = CaptureServer.start(config, DurableLog.of(spool), registry);
  }

  static CaptureFixture start(Path dir) throws Exception {
    return start(dir, c -> c, s -> s);
  }

  static CaptureFixture start(Path dir, UnaryOperator<CaptureConfig> config, UnaryOperator<SpoolConfig> spoolConfig) throws Exception {
    Spool spool = Spool.open(spoolConfig.apply(SpoolConfig.defaults(dir.resolve("spool"))));
    try {
      return new CaptureFixture(spool, config.apply(CaptureConfig.defaults().withPort(0)));
    } catch (RuntimeException | CaptureStartException e) {
      spool.close();
      throw e;
    }
  }

  URI uri(String path) {
    return URI.create("http://127.0.0.1:" + server.port() + path);
  }

  HttpResponse<String> post(String body, String contentType, String... headers) throws IOException, InterruptedException {
    return post(body.getBytes(StandardCharsets.UTF_8), contentType, headers);
  }

  HttpResponse<String> post(byte[] body, String contentType, String... headers) throws IOException, InterruptedException {
    return postTo("/v1/events", body, contentType, headers);
  }

  HttpResponse<String> postTo(String path, String body, String contentType, String... headers) throws IOException, InterruptedException {
    return postTo(path, body.getBytes(StandardCharsets.UTF_8), contentType, headers);
  }

  HttpResponse<String> postTo(String path, byte[] body, String contentType, String... headers) throws IOException, InterruptedException {
    HttpRequest.Builder request = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(30))
        .POST(HttpRequest.BodyPublishers.ofByteArray(body));
    if (contentType != null) request.header("Content-Type", contentType);
    if (headers.length > 0) request.headers(headers);
    return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  HttpResponse<String> get(String path) throws IOException, InterruptedException {
    return client.send(HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
  }

  /** Every record in the spool, read through a fresh cursor. */
  List<String> stored() throws IOException, InterruptedException {
    List<String> out = new ArrayList<>();
    try (SpoolCursor cursor = spool.cursor("test-reader-" + READERS.incrementAndGet())) {
      while (true) {
        List<SpoolRecord> records = cursor.poll(10_000, 64L << 20, Duration.ofMillis(50));
        if (records.isEmpty()) return out;
        for (SpoolRecord r : records) out.add(new String(r.payload(), StandardCharsets.UTF_8));
      }
    }
  }

  List<JsonNode> storedJson() throws IOException, InterruptedException {
    List<JsonNode> out = new ArrayList<>();
    for (String s : stored()) out.add(JSON.readTree(s));
    return out;
  }

  /** Writes raw bytes on a new connection and returns what the server answered before closing or the timeout. */
  String raw(String request, Duration readTimeout) throws IOException {
    try (Socket socket = new Socket("127.0.0.1", server.port())) {
      socket.setSoTimeout((int) readTimeout.toMillis());
      OutputStream out = socket.getOutputStream();
      out.write(request.getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      return readUntilClosed(socket.getInputStream());
    }
  }

  static String readUntilClosed(InputStream in) throws IOException {
    StringBuilder answer = new StringBuilder();
    byte[] buffer = new byte[8192];
    try {
      for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) answer.append(new String(buffer, 0, n, StandardCharsets.ISO_8859_1));
    } catch (java.net.SocketTimeoutException e) {
      answer.append("<timeout>");
    }
    return answer.toString();
  }

  static byte[] gzip(byte[] bytes) throws IOException {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    try (java.util.zip.GZIPOutputStream gz = new java.util.zip.GZIPOutputStream(out)) {
      gz.write(bytes);
    }
    return out.toByteArray();
  }

  /** A tokens file with app {@code web} keyed by {@link #WEB_KEY} and app {@code mobile} by {@link #MOBILE_KEY}. */
  static java.nio.file.Path tokensFile(java.nio.file.Path dir) throws IOException {
    return java.nio.file.Files.writeString(dir.resolve("tokens.yaml"),
        "apps:\n  web:\n    tokens: [\"" + WEB_KEY + "\"]\n  mobile:\n    tokens: [\"" + MOBILE_KEY + "\"]\n");
  }

  static final String WEB_KEY = "phc_project_key_0123456789abcdef";
  static final String MOBILE_KEY = "segment_write_key_mobile_9876";

  static JsonNode json(HttpResponse<String> response) throws IOException {
    return JSON.readTree(response.body());
  }

  @Override
  public void close() {
    server.close();
    spool.close();
  }
}
