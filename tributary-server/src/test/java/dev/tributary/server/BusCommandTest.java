package dev.tributary.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code tributary bus} and {@code serve --bus-port} as a user runs them: a real child process over HTTP. */
class BusCommandTest {
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).version(HttpClient.Version.HTTP_1_1).build();

  @TempDir Path dir;

  private static HttpResponse<String> send(URI uri, String body) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10));
    return HTTP.send(body == null ? request.GET().build() : request.POST(HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static HttpResponse<String> send(URI uri, String token, String body) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).header("Authorization", "Bearer " + token);
    return HTTP.send(body == null ? request.GET().build() : request.POST(HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static void awaitBus(ServeProcess process, int port) {
    awaitBus(process, port, 200);
  }

  /** Until {@code /listCategories} without a token answers {@code status}: 200 without auth, 401 with. */
  private static void awaitBus(ServeProcess process, int port, int status) {
    Awaitility.await("bus on port " + port).atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50)).until(() -> {
      try {
        return send(URI.create("http://127.0.0.1:" + port + "/listCategories"), null).statusCode() == status;
      } catch (java.io.IOException e) {
        assertThat(process.output()).doesNotContain("Exception");
        return false;
      }
    });
  }

  @Test
  void busWritesReadsAndStopsOnSigterm() throws Exception {
    int port = ServeProcess.freePort();
    String base = "http://127.0.0.1:" + port;
    try (ServeProcess bus = ServeProcess.start(dir.resolve("bus.log"), Map.of(), "bus", "--port", String.valueOf(port),
        "--data-dir", dir.resolve("data").toString(), "--instance", "n1")) {
      awaitBus(bus, port);
      assertThat(send(URI.create(base + "/write?category=orders"), "a\nb\n").statusCode()).isEqualTo(200);
      assertThat(send(URI.create(base + "/listChunks?category=orders"), null).body())
          .isEqualTo("[{\"name\":\"n1-chunk000000000\",\"complete\":false,\"size\":4}]");
      assertThat(send(URI.create(base + "/read?category=orders&chunk=n1-chunk000000000&off=2&max_size=100"), null).body()).isEqualTo("b\n");
      assertThat(bus.terminate(Duration.ofSeconds(30))).isZero();
      assertThat(bus.output()).contains("listening on http://127.0.0.1:" + port, "fsync always");
    }
    assertThat(dir.resolve("data/orders/n1-chunk000000000")).hasContent("a\nb\n");
  }

  @Test
  void serveRunsTheBusBesideCapture() throws Exception {
    int port = ServeProcess.freePort();
    int busPort = ServeProcess.freePort();
    try (ServeProcess serve = ServeProcess.start(dir.resolve("serve.log"), Map.of(), "serve", "--port", String.valueOf(port),
        "--bus-port", String.valueOf(busPort), "--data-dir", dir.resolve("data").toString())) {
      serve.awaitReady(port);
      awaitBus(serve, busPort);
      assertThat(send(URI.create("http://127.0.0.1:" + busPort + "/write?category=orders"), "a\n").statusCode()).isEqualTo(200);
      assertThat(send(URI.create("http://127.0.0.1:" + busPort + "/listCategories"), null).body()).isEqualTo("[\"orders\"]");
      assertThat(serve.terminate(Duration.ofSeconds(60))).isZero();
    }
    assertThat(dir.resolve("data/bus/orders")).isDirectory();
  }

  @Test
  void withATokensFileTheBusAndServesBusAskForATokenWithTheRight() throws Exception {
    Path tokens = Files.writeString(dir.resolve("tokens.yaml"), """
        apps:
          orders:
            tokens: ["orders-token-000001"]
            bus: {write: ["orders"], read: ["orders"]}
          web:
            tokens: ["web-token-000000001"]
        """);
    int port = ServeProcess.freePort();
    URI write = URI.create("http://127.0.0.1:" + port + "/write?category=orders");
    try (ServeProcess bus = ServeProcess.start(dir.resolve("bus.log"), Map.of(), "bus", "--port", String.valueOf(port),
        "--data-dir", dir.resolve("data").toString(), "--instance", "n1", "--tokens-file", tokens.toString())) {
      awaitBus(bus, port, 401);
      assertThat(send(URI.create("http://127.0.0.1:" + port + "/health/ready"), null).statusCode()).isEqualTo(200);
      assertThat(send(write, "a\n").statusCode()).isEqualTo(401);
      assertThat(send(write, "web-token-000000001", "a\n").statusCode()).isEqualTo(403);
      assertThat(send(write, "orders-token-000001", "b\n").statusCode()).isEqualTo(200);
      assertThat(bus.terminate(Duration.ofSeconds(30))).isZero();
      assertThat(bus.output()).contains("auth on, 2 tokens").doesNotContain("orders-token-000001", "web-token-000000001");
    }
    assertThat(dir.resolve("data/orders/n1-chunk000000000")).hasContent("b\n");

    int capturePort = ServeProcess.freePort();
    int busPort = ServeProcess.freePort();
    try (ServeProcess serve = ServeProcess.start(dir.resolve("serve.log"), Map.of(), "serve", "--port", String.valueOf(capturePort),
        "--bus-port", String.valueOf(busPort), "--data-dir", dir.resolve("serve").toString(), "--tokens-file", tokens.toString())) {
      serve.awaitReady(capturePort);
      awaitBus(serve, busPort, 401);
      URI busWrite = URI.create("http://127.0.0.1:" + busPort + "/write?category=orders");
      assertThat(send(busWrite, "web-token-000000001", "a\n").statusCode()).isEqualTo(403);
      assertThat(send(busWrite, "orders-token-000001", "a\n").statusCode()).isEqualTo(200);
      assertThat(serve.terminate(Duration.ofSeconds(60))).isZero();
    }
  }

  @Test
  void aPublicBindWithoutTokensIsRefusedSayingWhatToDo() throws Exception {
    StringWriter err = new StringWriter();
    CommandLine cli = Tributary.commandLine();
    cli.setErr(new PrintWriter(err, true));
    assertThat(cli.execute("bus", "--port", "0", "--data-dir", dir.toString(), "--bind", "0.0.0.0")).isEqualTo(ExitCodes.USAGE);
    assertThat(err.toString()).contains("tributary bus: refusing to listen on 0.0.0.0 without auth", "--tokens-file tokens.yaml",
        "bus: {write:", "or bind to a loopback address (127.0.0.1)");
    assertThat(dir.resolve("bus.lock")).doesNotExist();
    Path wrong = Files.writeString(dir.resolve("tokens.yaml"), "apps:\n  web:\n    tokens: [short]\n");
    assertThat(cli.execute("bus", "--port", "0", "--data-dir", dir.toString(), "--tokens-file", wrong.toString())).isEqualTo(ExitCodes.USAGE);
    assertThat(err.toString()).contains("invalid tokens file " + wrong + ": apps.web.tokens[0] must be a string of at least 16 characters");
  }

  @Test
  void badOptionsAreAUsageErrorThatSaysWhat() {
    StringWriter err = new StringWriter();
    CommandLine cli = Tributary.commandLine();
    cli.setErr(new PrintWriter(err, true));
    assertThat(cli.execute("bus", "--port", "0", "--data-dir", dir.toString(), "--fsync", "sometimes")).isEqualTo(ExitCodes.USAGE);
    assertThat(err.toString()).contains("invalid fsync policy 'sometimes'");
    assertThat(cli.execute("bus", "--port", "0", "--data-dir", dir.toString(), "--instance", "../x")).isEqualTo(ExitCodes.USAGE);
    assertThat(err.toString()).contains("invalid instance name '../x'");
    assertThat(cli.execute("bus", "--port", "0", "--data-dir", dir.toString(), "--max-chunk-size", "lots")).isEqualTo(ExitCodes.USAGE);
    assertThat(err.toString()).contains("setting 'max_chunk_size' from flag --max-chunk-size: invalid value 'lots'; accepted: a size");
    assertThat(cli.execute("bus", "--port", "0", "--kafka", "127.0.0.1:9", "--records-per-chunk", "0"))
        .isEqualTo(ExitCodes.USAGE);
    assertThat(err.toString()).contains("setting 'records_per_chunk' from flag --records-per-chunk: invalid value '0'");
  }

  @Test
  void settingsComeFromTheFileTheEnvironmentAndFlagsAndKafkaPropertiesArePassedThrough() throws Exception {
    Path file = dir.resolve("bus.yaml");
    Files.writeString(file, "rotate_interval: 1m30s\nretention_size: 10GB\nkafka: k:9092\nkafka_properties:\n"
        + "  security.protocol: SASL_SSL\n  sasl.jaas.config: x password=\"${BUS_TEST_PW}\";\n");
    BusSettings s = BusSettings.resolve(file, Map.of("BUS_TEST_PW", "pw-42", "TRIBUTARY_RETENTION_AGE", "2d"),
        Map.of("records_per_chunk", "500"), Map.of("sasl.mechanism", "SCRAM-SHA-512"));
    assertThat(s.kafkaConfig().clientProperties()).containsEntry("security.protocol", "SASL_SSL")
        .containsEntry("sasl.jaas.config", "x password=\"pw-42\";").containsEntry("sasl.mechanism", "SCRAM-SHA-512");
    assertThat(s.kafkaConfig().recordsPerChunk()).isEqualTo(500);
    var local = s.localConfig();
    assertThat(local.rotateInterval()).isEqualTo(Duration.ofSeconds(90));
    assertThat(local.retentionAge()).isEqualTo(Duration.ofDays(2));
    assertThat(local.retentionBytes()).isEqualTo(10_000_000_000L);
    assertThat(s.describe()).contains("rotate_interval: 1m30s   # config file " + file,
        "retention_age: 2d   # environment variable TRIBUTARY_RETENTION_AGE", "records_per_chunk: 500   # flag --records-per-chunk",
        "sasl.jaas.config: \"(hidden)\"", "sasl.mechanism: SCRAM-SHA-512   # flag --kafka-property").doesNotContain("pw-42");
    Files.writeString(file, "rotate_intreval: 1m\n");
    assertThat(ServeProcess.run(dir.resolve("bus.log"), Map.of(), "bus", "--config", file.toString())).isEqualTo(ExitCodes.USAGE);
    assertThat(Files.readString(dir.resolve("bus.log"))).contains("unknown key 'rotate_intreval' for tributary bus (did you mean rotate_interval?)");
  }

  /** Without --data-dir, as in the README: chunks go to ./bus-data of the working directory, logged in full. */
  @Test
  void dataDirDefaultsToBusDataInTheWorkingDirectory() throws Exception {
    Path work = Files.createDirectories(dir.resolve("work"));
    try (ServeProcess bus = ServeProcess.startIn(work, dir.resolve("bus.log"), Map.of(), "bus", "--port", "0", "--instance", "n1")) {
      String base = "http://127.0.0.1:" + bus.awaitListeningPort("bus");
      assertThat(send(URI.create(base + "/write?category=orders"), "a\n").statusCode()).isEqualTo(200);
      assertThat(bus.terminate(Duration.ofSeconds(30))).isZero();
      assertThat(bus.output()).contains("bus open at " + work.resolve("bus-data").toAbsolutePath());
    }
    assertThat(work.resolve("bus-data/orders/n1-chunk000000000")).hasContent("a\n");
  }
}
