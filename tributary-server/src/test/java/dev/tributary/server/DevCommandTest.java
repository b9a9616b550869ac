package dev.tributary.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code tributary dev} as a user tries it: it prints Kafka's address, forwards a posted event there, and SIGTERM stops both. */
class DevCommandTest {
  private static final Pattern BOOTSTRAP = Pattern.compile("Kafka bootstrap: 127\\.0\\.0\\.1:(\\d+)");
  @TempDir Path dir;

  @Test
  void devStartsKafkaAndServeForwardsToItAndStopsBoth() throws Exception {
    int port = ServeProcess.freePort();
    try (ServeProcess dev = ServeProcess.start(dir.resolve("dev.log"), Map.of(), "dev", "--port", String.valueOf(port),
        "--data-dir", dir.resolve("data").toString())) {
      dev.awaitReady(port);
      Matcher m = BOOTSTRAP.matcher(dev.output());
      assertThat(m.find()).as("bootstrap address printed:\n%s", dev.output()).isTrue();
      String bootstrap = "127.0.0.1:" + m.group(1);
      HttpRequest post = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/events"))
          .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{\"event\":\"signup\",\"distinct_id\":\"u42\"}")).build();
      assertThat(HttpClient.newHttpClient().send(post, HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
      Awaitility.await("the event in Kafka").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500))
          .until(() -> KafkaTopics.readAll(bootstrap, "events").size() == 1);
      ConsumerRecord<byte[], byte[]> r = KafkaTopics.readAll(bootstrap, "events").getFirst();
      assertThat(KafkaTopics.text(r.key())).isEqualTo("u42");
      assertThat(KafkaTopics.text(r.value())).contains("\"event\":\"signup\"");
      assertThat(dev.terminate(Duration.ofSeconds(90))).as("exit code after SIGTERM; log:\n%s", dev.output()).isZero();
      assertThat(dev.output()).contains("drained: every captured event is in Kafka", "stopping the Kafka broker");
      assertThat(accepts(Integer.parseInt(m.group(1)))).as("the broker still accepts connections after dev exited").isFalse();
    }
  }

  private static boolean accepts(int port) {
    try (Socket s = new Socket("127.0.0.1", port)) {
      return true;
    } catch (Exception e) {
      return false;
    }
  }
}
