package dev.tributary.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A second Ctrl-C (or SIGTERM) during a drain stops a real child process at once, with the code a
 * shell gives a process killed by that signal. The drain is held open by a Kafka that is not there.
 */
class SecondSignalTest {
  @TempDir Path dir;

  @ParameterizedTest(name = "SIG{0} twice exits {1}")
  @CsvSource({"INT, 130", "TERM, 143"})
  void theSecondSignalStopsAtOnceWithTheShellsCode(String signal, int expected) throws Exception {
    int kafkaPort;
    try (ServerSocket closed = new ServerSocket(0)) {
      kafkaPort = closed.getLocalPort(); // no broker there: the drain waits for it
    }
    int port = ServeProcess.freePort();
    try (ServeProcess server = ServeProcess.start(dir.resolve("serve.log"), Map.of(), "serve", "--port", String.valueOf(port),
        "--data-dir", dir.resolve("data").toString(), "--kafka", "127.0.0.1:" + kafkaPort, "--drain-timeout", "300s")) {
      server.awaitReady(port);
      HttpResponse<String> captured = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/events"))
          .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{\"event\":\"waits-for-kafka\"}")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(captured.statusCode()).as(captured.body()).isEqualTo(200);

      server.signal(signal);
      Awaitility.await("the drain to start").atMost(Duration.ofSeconds(30)).until(() -> server.output().contains("draining: capture answers 503"));
      server.signal(signal);

      assertThat(server.awaitExit(Duration.ofSeconds(30))).as("exit code; log:%n%s", server.output()).isEqualTo(expected);
      assertThat(server.output()).contains("second SIG" + signal + ": stopping now; what the spool has not delivered yet is delivered at the next start");
    }
  }
}
