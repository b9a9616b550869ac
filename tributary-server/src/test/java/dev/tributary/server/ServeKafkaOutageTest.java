package dev.tributary.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tributary.testkit.KafkaExtension;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Kafka outage under steady load: the broker is killed with SIGKILL for 30 s while a client
 * keeps sending; capture must answer 200 to every request throughout, and once the broker is back
 * every acknowledged event_id must be in Kafka, once: a broker outage alone only pauses the
 * idempotent producer (no delivery timeout, so no producer restart and no resend), and the broker
 * drops a retried batch it already holds by its sequence number.
 */
class ServeKafkaOutageTest {
  @RegisterExtension static final KafkaExtension kafka = KafkaExtension.broker().withProperty("num.partitions", "3");
  private static final Duration OUTAGE = Duration.ofSeconds(30);
  @TempDir Path dir;

  /**
   * Capture started before Kafka, as an orchestrator starts things: it accepts at once, and when
   * Kafka comes it creates its topic as configured (not with the broker's auto-creation defaults)
   * before it forwards.
   */
  @Test
  void captureStartedBeforeKafkaAcceptsThenCreatesItsTopicAsConfiguredWhenKafkaComes() throws Exception {
    int port = ServeProcess.freePort();
    kafka.firstBroker().stopGracefully();
    try (ServeProcess server = ServeProcess.start(dir.resolve("early.log"), Map.of("TRIBUTARY_PARTITIONS", "5"), "serve", "--port",
        String.valueOf(port), "--data-dir", dir.resolve("early").toString(), "--kafka", kafka.bootstrapServers(), "--topic", "made.by.capture",
        "--replication-factor", "1")) {
      server.awaitReady(port);
      StringBuilder body = new StringBuilder();
      for (int i = 0; i < 100; i++) body.append("{\"event\":\"signup\",\"event_id\":\"early-").append(i).append("\"}\n");
      HttpResponse<Void> accepted = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/events"))
          .header("Content-Type", "application/x-ndjson").POST(HttpRequest.BodyPublishers.ofString(body.toString())).build(),
          HttpResponse.BodyHandlers.discarding());
      assertThat(accepted.statusCode()).as("capture accepts before Kafka exists").isEqualTo(200);
      kafka.firstBroker().restart();
      // before reading it: a consumer's metadata request would have the broker auto-create the topic
      Awaitility.await("capture creating its topic").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
          .until(() -> server.output().contains("created topic 'made.by.capture'"));
      Awaitility.await("100 events in Kafka").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(300))
          .until(() -> KafkaTopics.readAll(kafka.bootstrapServers(), "made.by.capture").size() >= 100);
      try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
        TopicDescription d = admin.describeTopics(Set.of("made.by.capture")).allTopicNames().get().get("made.by.capture");
        assertThat(d.partitions()).as("TRIBUTARY_PARTITIONS, not the broker's num.partitions (3)").hasSize(5);
      }
      assertThat(server.output()).contains("created topic 'made.by.capture' with 5 partitions, replication factor 1");
      assertThat(server.terminate(Duration.ofSeconds(60))).isZero();
    } finally {
      if (!kafka.firstBroker().isRunning()) kafka.firstBroker().restart();
    }
  }

  @Test
  void captureAnswers200ThroughA30SecondBrokerOutageAndEverythingReachesKafkaAfter() throws Exception {
    int port = ServeProcess.freePort();
    Set<String> acknowledged = ConcurrentHashMap.newKeySet();
    String forwarderMetrics;
    SteadyClient client = new SteadyClient(URI.create("http://127.0.0.1:" + port + "/v1/events"), acknowledged);
    try (ServeProcess server = ServeProcess.start(dir.resolve("serve.log"), Map.of(), "serve", "--port", String.valueOf(port),
        "--data-dir", dir.resolve("data").toString(), "--kafka", kafka.bootstrapServers(), "--topic", "outage")) {
      server.awaitReady(port);
      Thread clientThread = Thread.ofPlatform().name("steady-client").start(client);
      try {
        Awaitility.await("steady load before the outage").atMost(Duration.ofSeconds(30))
            .until(() -> client.requestsAcknowledged.get() >= 200);
        kafka.firstBroker().kill();
        int beforeOutage = client.requestsAcknowledged.get();
        Thread.sleep(OUTAGE.toMillis() / 2);
        HttpResponse<String> ready = HttpClient.newHttpClient().send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health/ready")).build(),
            HttpResponse.BodyHandlers.ofString());
        assertThat(ready.statusCode()).as("readiness while Kafka is down: %s", ready.body()).isEqualTo(200);
        assertThat(ready.body()).contains("\"kafka\":{\"status\":\"degraded\",\"reason\":\"Kafka unreachable", "\"reachable\":false");
        Thread.sleep(OUTAGE.toMillis() / 2);
        int duringOutage = client.requestsAcknowledged.get() - beforeOutage;
        kafka.firstBroker().restart();
        int afterOutage = client.requestsAcknowledged.get();
        Awaitility.await("steady load after the outage").atMost(Duration.ofSeconds(30))
            .until(() -> client.requestsAcknowledged.get() >= afterOutage + 200);
        client.finishCurrentRequestAndStop();
        clientThread.join(Duration.ofSeconds(30));
        System.out.printf("outage of %d s: %d requests acknowledged during it, %d attempts without a 200 in the whole run%n",
            OUTAGE.toSeconds(), duringOutage, client.failedAttempts.get());
        assertThat(duringOutage).as("requests acknowledged while Kafka was down").isGreaterThan(500);
        assertThat(client.failedAttempts.get()).as("requests not answered 200 at any time").isZero();
        forwarderMetrics = HttpClient.newHttpClient().send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
            HttpResponse.BodyHandlers.ofString()).body().lines()
            .filter(l -> l.startsWith("tributary_forwarder_resent") || l.startsWith("tributary_forwarder_producer_restarts"))
            .toList().toString();
        assertThat(server.terminate(Duration.ofSeconds(90))).as("exit code after SIGTERM, Kafka back").isZero();
      } finally {
        client.stop.set(true);
      }
    }
    Map<String, Integer> copies = new HashMap<>();
    for (ConsumerRecord<byte[], byte[]> r : KafkaTopics.readAll(kafka.bootstrapServers(), "outage")) {
      copies.merge(KafkaTopics.header(r, "event_id"), 1, Integer::sum);
    }
    long duplicates = copies.values().stream().mapToLong(c -> c - 1).sum();
    System.out.printf("%d acknowledged event_ids, %d in Kafka, %d duplicates; %s%n", acknowledged.size(), copies.size(),
        duplicates, forwarderMetrics);
    assertThat(acknowledged).allSatisfy(id -> assertThat(copies).as("acknowledged event %s in Kafka", id).containsKey(id));
    assertThat(duplicates).as("events in Kafka more than once (forwarder: %s)", forwarderMetrics).isZero();
  }
}
