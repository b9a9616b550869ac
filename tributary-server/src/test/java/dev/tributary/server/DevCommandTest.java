package dev.tributary.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.GroupListing;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tributary dev} as a user tries it: it prints Kafka's address, a posted event (and its
 * retry) reaches the lake once through Kafka, refine and the sink, SIGTERM stops everything, and
 * the next run finds the topics of the first.
 */
class DevCommandTest {
  private static final Pattern BOOTSTRAP = Pattern.compile("Kafka bootstrap: 127\\.0\\.0\\.1:(\\d+)");
  @TempDir Path dir;

  @Test
  void devRunsThePipelineIntoTheLakeStopsEverythingAndKeepsItsTopicsForTheNextRun() throws Exception {
    int port = ServeProcess.freePort();
    Path data = dir.resolve("data");
    String firstBootstrap;
    try (ServeProcess dev = ServeProcess.start(dir.resolve("dev.log"), Map.of(), "dev", "--port", String.valueOf(port),
        "--data-dir", data.toString())) {
      dev.awaitReady(port);
      String bootstrap = bootstrap(dev);
      firstBootstrap = bootstrap;
      if (!bootstrap.equals("127.0.0.1:" + DevCommand.DEFAULT_KAFKA_PORT)) {
        assertThat(dev.output()).as("only when another process holds 9092 does dev take another port, saying so")
            .contains("port 9092 is in use (another Kafka?): the broker takes a free port");
      }
      post(port, "{\"event\":\"signup\",\"distinct_id\":\"u42\",\"event_id\":\"first\"}");
      post(port, "{\"event\":\"signup\",\"distinct_id\":\"u42\",\"event_id\":\"first\"}");
      Awaitility.await("the event in the lake").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500))
          .until(() -> LakeFiles.eventIdCounts(data.resolve("lake")).containsKey("first"));
      ConsumerRecord<byte[], byte[]> r = KafkaTopics.readAll(bootstrap, "events").getFirst();
      assertThat(KafkaTopics.text(r.key())).isEqualTo("u42");
      assertThat(KafkaTopics.text(r.value())).contains("\"event\":\"signup\"");
      assertThat(KafkaTopics.readAll(bootstrap, "events")).as("the raw topic holds the client's retry").hasSize(2);
      assertThat(consumerGroups(bootstrap)).as("dev's groups, apart from those of a refine or sink started beside it with defaults")
          .contains("tributary-dev-refine", "tributary-dev-sink").doesNotContain("tributary-refine", "tributary-sink");
      assertThat(dev.terminate(Duration.ofSeconds(120))).as("exit code after SIGTERM; log:\n%s", dev.output()).isZero();
      assertThat(dev.output()).contains("drained: every captured event is in Kafka", "closing refine and the lake sink");
      assertThat(accepts(Integer.parseInt(bootstrap.split(":")[1]))).as("the broker still accepts connections after dev exited").isFalse();
    }
    assertThat(LakeFiles.eventIdCounts(data.resolve("lake"))).as("the retried event once in the lake").containsEntry("first", 1);

    try (ServeProcess dev = ServeProcess.start(dir.resolve("dev2.log"), Map.of(), "dev", "--port", String.valueOf(port),
        "--data-dir", data.toString(), "--kafka-port", "0")) {
      dev.awaitReady(port);
      String bootstrap = bootstrap(dev);
      assertThat(bootstrap).as("--kafka-port 0: another port, the same topics").isNotEqualTo(firstBootstrap);
      assertThat(KafkaTopics.readAll(bootstrap, "events")).as("the raw topic of the first run, kept").hasSize(2);
      post(port, "{\"event\":\"login\",\"event_id\":\"second\"}");
      Awaitility.await("the second run's event in the lake").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500))
          .until(() -> LakeFiles.eventIdCounts(data.resolve("lake")).containsKey("second"));
      assertThat(dev.terminate(Duration.ofSeconds(120))).as("exit code after SIGTERM; log:\n%s", dev.output()).isZero();
    }
    assertThat(LakeFiles.eventIdCounts(data.resolve("lake"))).containsOnly(Map.entry("first", 1), Map.entry("second", 1));
  }

  private static String bootstrap(ServeProcess dev) {
    Matcher m = BOOTSTRAP.matcher(dev.output());
    assertThat(m.find()).as("bootstrap address printed:\n%s", dev.output()).isTrue();
    return "127.0.0.1:" + m.group(1);
  }

  private static List<String> consumerGroups(String bootstrap) throws Exception {
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
      return admin.listGroups().all().get().stream().map(GroupListing::groupId).toList();
    }
  }

  private static void post(int port, String body) throws Exception {
    HttpRequest post = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/events"))
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build();
    assertThat(HttpClient.newHttpClient().send(post, HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
  }

  private static boolean accepts(int port) {
    try (Socket s = new Socket("127.0.0.1", port)) {
      return true;
    } catch (Exception e) {
      return false;
    }
  }
}
