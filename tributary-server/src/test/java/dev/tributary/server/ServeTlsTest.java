package dev.tributary.server;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tributary.testkit.TestCertificates;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code serve} over HTTPS with certificates from a test CA: HTTP/2 and HTTP/1.1, and certificates rotated on disk as cert-manager does. */
class ServeTlsTest {
  @TempDir Path dir;
  private TestCertificates authority;
  private SSLContext trustingTheCa;

  @BeforeEach
  void authority() throws Exception {
    authority = TestCertificates.authority(dir.resolve("ca"));
    trustingTheCa = authority.trusting();
  }

  @Test
  void eventsSentOverHttp2AndHttp11Land() throws Exception {
    Path mount = dir.resolve("mount");
    TestCertificates.mount(mount, authority.issue("capture-one", true));
    Path data = dir.resolve("data");
    try (ServeProcess server = startServe(mount, data)) {
      int port = awaitHttpsReady(server);
      assertThat(curl("--http2", port, "{\"event\":\"by_curl\",\"event_id\":\"curl-h2\"}")).isEqualTo("2 200");
      assertThat(curl("--http1.1", port, "{\"event\":\"by_curl\",\"event_id\":\"curl-h1\"}")).isEqualTo("1.1 200");
      Path overLimit = Files.writeString(dir.resolve("over-limit.json"), "{\"event\":\"too_big\",\"x\":\"" + "x".repeat(5 << 20) + "\"}");
      assertThat(curl("--http2", port, "@" + overLimit)).as("a refusal ends the HTTP/2 stream cleanly").isEqualTo("2 413");
      assertThat(curl("--http1.1", port, "@" + overLimit)).isEqualTo("1.1 413");
      try (HttpClient java = HttpClient.newBuilder().sslContext(trustingTheCa).version(HttpClient.Version.HTTP_2).build()) {
        HttpResponse<String> answer = java.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + port + "/v1/events"))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString("[{\"event\":\"by_java\",\"event_id\":\"java-1\"},{\"event\":\"by_java\",\"event_id\":\"java-2\"}]"))
            .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        assertThat(answer.version()).as("ALPN chose HTTP/2").isEqualTo(HttpClient.Version.HTTP_2);
      }
      Answer h1 = post(port, "{\"event\":\"by_socket\",\"event_id\":\"socket-1\"}");
      assertThat(h1.status()).isEqualTo(200);
      assertThat(h1.subject()).isEqualTo("CN=capture-one");
      assertThat(run(List.of("curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "http://127.0.0.1:" + port + "/health/live")))
          .as("plain HTTP on the HTTPS port").isNotEqualTo("200");
      assertThat(server.terminate(Duration.ofSeconds(60))).as("exit code after SIGTERM").isZero();
      assertThat(server.output()).contains("listening on https://127.0.0.1:" + port, "TLS certificate subject CN=capture-one");
    }
    assertThat(LakeFiles.eventIdCounts(data.resolve("lake")))
        .containsOnly(Map.entry("curl-h2", 1), Map.entry("curl-h1", 1), Map.entry("java-1", 1), Map.entry("java-2", 1), Map.entry("socket-1", 1));
  }

  @Test
  void aCertificateSwappedOnDiskReachesNewConnectionsAndABrokenOneIsNotServed() throws Exception {
    Path mount = dir.resolve("mount");
    TestCertificates.mount(mount, authority.issue("capture-one", true));
    Path two = authority.issue("capture-two", false);
    Path data = dir.resolve("data");
    try (ServeProcess server = startServe(mount, data)) {
      int port = awaitHttpsReady(server);
      SteadySender sender = new SteadySender(port);
      Thread sending = new Thread(sender, "steady-https-sender");
      sending.start();
      try {
        Awaitility.await("requests over the first certificate").atMost(Duration.ofSeconds(30)).until(() -> sender.acknowledged.size() >= 5);

        TestCertificates.rotate(mount, two, "..second");
        Awaitility.await("a new connection gets the rotated certificate").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
            .until(() -> post(port, "{\"event\":\"probe\"}").subject().equals("CN=capture-two"));
        assertThat(server.output()).contains("TLS certificate reloaded from " + mount.resolve("tls.crt"), "subject CN=capture-two",
            "serial 3ea", "valid until");
        assertThat(curl("--http2", port, "{\"event\":\"by_curl\",\"event_id\":\"after-rotation\"}")).as("ALPN after the swap").isEqualTo("2 200");

        Path broken = Files.createDirectories(dir.resolve("broken"));
        Files.writeString(broken.resolve("tls.crt"), "not a certificate\n");
        Files.copy(two.resolve("tls.key"), broken.resolve("tls.key"));
        TestCertificates.rotate(mount, broken, "..broken");
        Awaitility.await("a WARN about the broken certificate").atMost(Duration.ofSeconds(30))
            .until(() -> server.output().contains("still serving the previous certificate (subject CN=capture-two"));
        assertThat(server.output()).contains("TLS certificate file " + mount.resolve("tls.crt") + ": holds no PEM certificate");
        int before = sender.acknowledged.size();
        Awaitility.await("requests go on").atMost(Duration.ofSeconds(30)).until(() -> sender.acknowledged.size() >= before + 5);
        assertThat(post(port, "{\"event\":\"probe\"}").subject()).as("the broken files are not served").isEqualTo("CN=capture-two");
      } finally {
        sender.stop.set(true);
        sending.join(TimeUnit.SECONDS.toMillis(30));
      }
      assertThat(sender.failures).as("requests that failed during the rotations: %s", sender.failureSamples).hasValue(0);
      assertThat(sender.subjects).containsExactlyInAnyOrder("CN=capture-one", "CN=capture-two");
      assertThat(server.terminate(Duration.ofSeconds(60))).as("exit code after SIGTERM").isZero();
      Map<String, Integer> landed = LakeFiles.eventIdCounts(data.resolve("lake"));
      for (String id : sender.acknowledged) assertThat(landed).containsEntry(id, 1);
    }
  }

  @Test
  void unusableTlsSettingsExitWith2NamingTheFileAndCreateNothing() throws Exception {
    Path one = authority.issue("capture-one", true);
    Path two = authority.issue("capture-two", false);
    Path three = authority.issue("capture-three", true);
    Path junk = Files.writeString(dir.resolve("junk.pem"), "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
    Path missing = dir.resolve("missing.crt");
    assertRefused("tls_cert is set but tls_key is not", "--tls-cert", one.resolve("tls.crt").toString());
    assertRefused("TLS certificate file " + missing + ": no such file", "--tls-cert", missing.toString(), "--tls-key", one.resolve("tls.key").toString());
    assertRefused("TLS key file " + junk + ": cannot be used", "--tls-cert", one.resolve("tls.crt").toString(), "--tls-key", junk.toString());
    assertRefused("TLS key file " + three.resolve("tls.key") + ": the private key does not belong to the certificate (CN=capture-one)",
        "--tls-cert", one.resolve("tls.crt").toString(), "--tls-key", three.resolve("tls.key").toString());
    assertRefused("TLS key file " + two.resolve("tls.key") + ": cannot be used with the certificate in " + one.resolve("tls.crt")
        + ": private key algorithm does not match", "--tls-cert", one.resolve("tls.crt").toString(), "--tls-key", two.resolve("tls.key").toString());
    assertRefused("TLS certificate file " + one.resolve("tls.key") + ": holds a private key, not a certificate (are the certificate and key files swapped?)",
        "--tls-cert", one.resolve("tls.key").toString(), "--tls-key", one.resolve("tls.crt").toString());
  }

  private void assertRefused(String message, String... tlsArgs) {
    StringWriter err = new StringWriter();
    CommandLine cli = Tributary.commandLine();
    cli.setErr(new PrintWriter(err, true));
    Path data = dir.resolve("data");
    List<String> args = new ArrayList<>(List.of("serve", "--port", "0", "--data-dir", data.toString()));
    args.addAll(List.of(tlsArgs));
    assertThat(cli.execute(args.toArray(String[]::new))).as("exit code; stderr: %s", err).isEqualTo(ExitCodes.USAGE);
    assertThat(err.toString()).contains("tributary serve: " + message);
    assertThat(data).as("nothing was created").doesNotExist();
  }

  private ServeProcess startServe(Path mount, Path data) throws Exception {
    return ServeProcess.start(dir.resolve("serve.log"), Map.of(), "serve", "--port", "0", "--data-dir", data.toString(),
        "--tls-cert", mount.resolve("tls.crt").toString(), "--tls-key", mount.resolve("tls.key").toString());
  }

  private int awaitHttpsReady(ServeProcess server) {
    int port = server.awaitListeningPort("serve");
    Awaitility.await("ready over HTTPS").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).ignoreExceptions()
        .until(() -> request(port, "GET /health/ready HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n").status() == 200);
    return port;
  }

  /** curl as a user runs it against the test CA ({@code event} may be {@code @file}); returns "<HTTP version> <status>". */
  private String curl(String version, int port, String event) throws Exception {
    return run(List.of("curl", "-sS", "--cacert", authority.ca.toString(), version, "-o", "/dev/null", "-w", "%{http_version} %{http_code}",
        "-H", "Content-Type: application/json", "--data-binary", event, "https://127.0.0.1:" + port + "/v1/events"));
  }

  private static String run(List<String> command) throws Exception {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), UTF_8).trim();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("%s finished", command).isTrue();
    return out;
  }

  record Answer(int status, String subject) {}

  /** One event over a new TLS connection (so it sees the certificate served now), verified against the test CA. */
  private Answer post(int port, String event) throws Exception {
    byte[] body = event.getBytes(UTF_8);
    return request(port, "POST /v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: " + body.length
        + "\r\nConnection: close\r\n\r\n" + event);
  }

  private Answer request(int port, String request) throws Exception {
    try (SSLSocket socket = (SSLSocket) trustingTheCa.getSocketFactory().createSocket("127.0.0.1", port)) {
      socket.setSoTimeout(10_000);
      SSLParameters parameters = socket.getSSLParameters();
      parameters.setEndpointIdentificationAlgorithm("HTTPS");
      socket.setSSLParameters(parameters);
      socket.startHandshake();
      String subject = ((X509Certificate) socket.getSession().getPeerCertificates()[0]).getSubjectX500Principal().getName();
      OutputStream out = socket.getOutputStream();
      out.write(request.getBytes(UTF_8));
      out.flush();
      String status = new BufferedReader(new InputStreamReader(socket.getInputStream(), UTF_8)).readLine();
      return new Answer(Integer.parseInt(status.split(" ")[1]), subject);
    }
  }

  /** Sends one event per new connection until stopped; every attempt that does not get a 200 is a failure. */
  private final class SteadySender implements Runnable {
    private final int port;
    final AtomicBoolean stop = new AtomicBoolean();
    final Set<String> acknowledged = ConcurrentHashMap.newKeySet();
    final Set<String> subjects = ConcurrentHashMap.newKeySet();
    final AtomicInteger failures = new AtomicInteger();
    final List<String> failureSamples = new java.util.concurrent.CopyOnWriteArrayList<>();

    SteadySender(int port) {
      this.port = port;
    }

    @Override
    public void run() {
      for (int n = 0; !stop.get(); n++) {
        String id = "steady-" + n;
        try {
          Answer answer = post(port, "{\"event\":\"steady\",\"event_id\":\"" + id + "\"}");
          subjects.add(answer.subject());
          if (answer.status() == 200) {
            acknowledged.add(id);
          } else {
            fail(id + ": status " + answer.status());
          }
        } catch (Exception e) {
          fail(id + ": " + e);
        }
      }
    }

    private void fail(String what) {
      failures.incrementAndGet();
      if (failureSamples.size() < 5) failureSamples.add(what);
    }
  }
}
