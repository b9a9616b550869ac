package dev.tributary.capture;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tributary.http.ServerCertificate;
import dev.tributary.spool.Spool;
import dev.tributary.spool.SpoolConfig;
import dev.tributary.testkit.TestCertificates;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The request timeout over HTTPS: a stalled HTTP/1.1 request gets an encrypted 408, a stalled HTTP/2 one a GOAWAY. */
class CaptureTlsDeadlineTest {
  private static final Duration REQUEST_TIMEOUT = Duration.ofMillis(300);
  private static final int GOAWAY = 0x7;

  @TempDir Path dir;

  @Test
  void stalledRequestsAreCutOffInsideTlsAndOthersAreServed() throws Exception {
    TestCertificates authority = TestCertificates.authority(dir.resolve("ca"));
    Path issued = authority.issue("capture", false);
    SSLContext client = authority.trusting();
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    CaptureConfig config = CaptureConfig.defaults().withPort(0).withRequestTimeout(REQUEST_TIMEOUT).withIdleTimeout(Duration.ofSeconds(30));
    try (Spool spool = Spool.open(SpoolConfig.defaults(dir.resolve("spool")));
         CaptureServer server = CaptureServer.start(config, DurableLog.of(spool), registry,
             ServerCertificate.read(issued.resolve("tls.crt"), issued.resolve("tls.key")));
         HttpClient java = HttpClient.newBuilder().sslContext(client).version(HttpClient.Version.HTTP_2).build()) {
      int port = server.port();
      // Its HTTP/2 connection stays open through the stalls below, long past the request timeout,
      // and the client sends frames on it after its request (window updates): that is no slow request.
      assertThat(post(java, port, "before_stalls").version()).isEqualTo(HttpClient.Version.HTTP_2);

      String slowHeaders = http11(client, port, "POST /v1/events HTTP/1.1\r\nHost: x\r\nContent-Ty");
      assertThat(slowHeaders).as("read through TLS").startsWith("HTTP/1.1 408").contains("Connection: close")
          .contains("not received within 300 ms").doesNotContain("<timeout>");
      String slowBody = http11(client, port, "POST /v1/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
          + "Content-Length: 100\r\n\r\n{\"event\":");
      assertThat(slowBody).startsWith("HTTP/1.1 408").doesNotContain("<timeout>");

      long started = System.nanoTime();
      List<Integer> frames = stalledHttp2(client, port);
      assertThat(frames).as("frame types the server sent before closing").contains(GOAWAY);
      assertThat(Duration.ofNanos(System.nanoTime() - started)).as("closed by the request timeout, not the idle one")
          .isBetween(REQUEST_TIMEOUT, Duration.ofSeconds(10));

      HttpResponse<String> after = post(java, port, "after_stalls");
      assertThat(after.version()).isEqualTo(HttpClient.Version.HTTP_2);
      assertThat(http11(client, port, "GET /health/live HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")).startsWith("HTTP/1.1 200");
      assertThat(registry.scrape()).contains("tributary_capture_requests_total{protocol=\"unknown\",status=\"408\"} 3.0")
          .contains("tributary_capture_requests_total{protocol=\"events\",status=\"200\"} 2.0");
    }
  }

  private static HttpResponse<String> post(HttpClient java, int port, String event) throws Exception {
    HttpResponse<String> answer = java.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + port + "/v1/events"))
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{\"event\":\"" + event + "\"}")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
    return answer;
  }

  /** Writes {@code request} over TLS with ALPN http/1.1 and returns what the server answered before closing. */
  private static String http11(SSLContext client, int port, String request) throws Exception {
    try (SSLSocket socket = connect(client, port, "http/1.1")) {
      OutputStream out = socket.getOutputStream();
      out.write(request.getBytes(ISO_8859_1));
      out.flush();
      return CaptureFixture.readUntilClosed(socket.getInputStream());
    }
  }

  /**
   * Opens an HTTP/2 stream for a POST, sends part of its body and stalls; returns the types of the
   * frames the server sent until it closed the connection.
   */
  private static List<Integer> stalledHttp2(SSLContext client, int port) throws Exception {
    try (SSLSocket socket = connect(client, port, "h2")) {
      assertThat(socket.getApplicationProtocol()).isEqualTo("h2");
      ByteArrayOutputStream headers = new ByteArrayOutputStream();
      for (String[] field : new String[][] {{":method", "POST"}, {":scheme", "https"}, {":path", "/v1/events"},
          {":authority", "127.0.0.1"}, {"content-type", "application/json"}, {"content-length", "100"}}) {
        field(headers, field[0], field[1]);
      }
      OutputStream out = socket.getOutputStream();
      out.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(ISO_8859_1));
      frame(out, 0x4, 0, 0, new byte[0]);
      frame(out, 0x1, 0x4, 1, headers.toByteArray());
      frame(out, 0x0, 0, 1, "{\"event\":".getBytes(UTF_8));
      out.flush();
      List<Integer> types = new ArrayList<>();
      DataInputStream in = new DataInputStream(socket.getInputStream());
      try {
        while (true) {
          int length = in.readUnsignedByte() << 16 | in.readUnsignedShort();
          types.add(in.readUnsignedByte());
          in.skipNBytes(5L + length);
        }
      } catch (EOFException closed) {
        return types;
      }
    }
  }

  /** An HPACK literal field without indexing, with a new name; both strings plain and shorter than 127 bytes. */
  private static void field(ByteArrayOutputStream block, String name, String value) {
    block.write(0);
    for (String s : new String[] {name, value}) {
      byte[] bytes = s.getBytes(ISO_8859_1);
      block.write(bytes.length);
      block.writeBytes(bytes);
    }
  }

  private static void frame(OutputStream out, int type, int flags, int stream, byte[] payload) throws Exception {
    out.write(new byte[] {(byte) (payload.length >>> 16), (byte) (payload.length >>> 8), (byte) payload.length, (byte) type, (byte) flags,
        (byte) (stream >>> 24), (byte) (stream >>> 16), (byte) (stream >>> 8), (byte) stream});
    out.write(payload);
  }

  private static SSLSocket connect(SSLContext client, int port, String protocol) throws Exception {
    SSLSocket socket = (SSLSocket) client.getSocketFactory().createSocket("127.0.0.1", port);
    socket.setSoTimeout(10_000);
    SSLParameters parameters = socket.getSSLParameters();
    parameters.setApplicationProtocols(new String[] {protocol});
    socket.setSSLParameters(parameters);
    socket.startHandshake();
    return socket;
  }
}
