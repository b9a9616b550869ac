package dev.tributary.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tributary.testkit.KafkaExtension;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tributary serve --kafka} as a user runs it (a child JVM) against a real broker: events
 * posted over HTTP reach Kafka once with their keys and headers, SIGTERM drains the spool into
 * Kafka and exits 0, and with the broker killed it exits 75 leaving a spool that a later start
 * forwards. The broker-killing test runs last, as the broker is shared by the class.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ServeKafkaTest {
  @RegisterExtension static final KafkaExtension kafka = KafkaExtension.broker().withProperty("num.partitions", "3");
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final Pattern DRAINED = Pattern.compile("drained: every captured event is in Kafka \\((\\d+) ms\\)");
  @TempDir Path dir;

  @Test
  @Order(1)
  void postedEventsReachTheirTopicsOnceWithKeysAndHeaders() throws Exception {
    int port = ServeProcess.freePort();
    Path data = dir.resolve("data");
    try (ServeProcess server = serve(port, data, "--topic", "e2e.{event}")) {
      server.awaitReady(port);
      StringBuilder body = new StringBuilder();
      for (int i = 0; i < 300; i++) {
        String type = i % 3 == 0 ? "sign up" : "page_view";
        String user = i % 2 == 0 ? ",\"distinct_id\":\"u" + (i % 7) + "\"" : "";
        body.append("{\"event\":\"").append(type).append("\",\"event_id\":\"e").append(i).append('"').append(user).append("}\n");
      }
      assertThat(post(port, body.toString())).isEqualTo(200);
      Awaitility.await("300 events in Kafka").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
          .until(() -> topicSize("e2e.sign_up") + topicSize("e2e.page_view") >= 300);
      assertThat(metrics(port)).contains("tributary_forwarder_kafka_reachable 1.0").contains("tributary_forwarder_sent_total 300.0")
          .contains("# HELP tributary_forwarder_lag_records spool records Kafka has not confirmed yet")
          .as("every meter has a description").doesNotContainPattern("(?m)^# HELP \\S+[ \t]*$");
      assertThat(server.terminate(Duration.ofSeconds(90))).as("exit code after SIGTERM").isZero();
      assertThat(server.output()).contains("Kafka at " + kafka.bootstrapServers(), "no local lake", "drained: every captured event is in Kafka");
    }
    assertThat(data.resolve("lake")).as("the embedded lake is off with Kafka").doesNotExist();
    Map<String, ConsumerRecord<byte[], byte[]>> byId = new HashMap<>();
    for (String topic : List.of("e2e.sign_up", "e2e.page_view")) {
      for (ConsumerRecord<byte[], byte[]> r : KafkaTopics.readAll(kafka.bootstrapServers(), topic)) {
        assertThat(byId.put(KafkaTopics.header(r, "event_id"), r)).as("a second copy of %s", KafkaTopics.header(r, "event_id")).isNull();
      }
    }
    assertThat(byId).hasSize(300);
    for (int i = 0; i < 300; i++) {
      ConsumerRecord<byte[], byte[]> r = byId.get("e" + i);
      assertThat(r.topic()).isEqualTo(i % 3 == 0 ? "e2e.sign_up" : "e2e.page_view");
      assertThat(KafkaTopics.text(r.key())).as("key of e%d", i).isEqualTo(i % 2 == 0 ? "u" + (i % 7) : "e" + i);
      assertThat(KafkaTopics.header(r, "received_at")).matches("\\d{4}-\\d\\d-\\d\\dT.*Z");
      assertThat(KafkaTopics.header(r, "capture_node")).isNotBlank();
      assertThat(KafkaTopics.header(r, "spool_offset")).isEqualTo(String.valueOf(i));
      assertThat(KafkaTopics.text(r.value())).startsWith("{\"event\":").contains("\"event_id\":\"e" + i + "\"", "\"app\":\"default\"");
    }
  }

  @Test
  @Order(2)
  void sigtermForwardsWhatIsLeftAndExitsZeroWithNothingBehind() throws Exception {
    int port = ServeProcess.freePort();
    Path data = dir.resolve("data");
    int events = 0;
    try (ServeProcess server = serve(port, data, "--topic", "drain")) {
      server.awaitReady(port);
      for (int request = 0; request < 40; request++) {
        StringBuilder body = new StringBuilder();
        for (int i = 0; i < 500; i++, events++) {
          body.append("{\"event\":\"load\",\"event_id\":\"d").append(events).append("\",\"pad\":\"").append("x".repeat(200)).append("\"}\n");
        }
        assertThat(post(port, body.toString())).isEqualTo(200);
      }
      long sigterm = System.nanoTime();
      assertThat(server.terminate(Duration.ofSeconds(90))).as("exit code after SIGTERM; log:\n%s", server.output()).isZero();
      Matcher drained = DRAINED.matcher(server.output());
      assertThat(drained.find()).as("drain logged:\n%s", server.output()).isTrue();
      System.out.printf("SIGTERM drain of %d events: forwarder drained in %s ms, process exited %d ms after SIGTERM%n", events,
          drained.group(1), (System.nanoTime() - sigterm) / 1_000_000);
    }
    KafkaTopics.Forwarded f = KafkaTopics.forwarded(data.resolve("spool"));
    assertThat(f.nextOffset()).isEqualTo(events);
    assertThat(f.behind()).as("records the forwarder has not acknowledged").isZero();
    List<ConsumerRecord<byte[], byte[]>> records = KafkaTopics.readAll(kafka.bootstrapServers(), "drain");
    assertThat(records.stream().map(r -> KafkaTopics.header(r, "event_id")).distinct().count()).isEqualTo(events);
    assertThat(records).hasSize(events);
  }

  @Test
  @Order(3)
  void withKafkaDownSigtermExitsTempfailAndTheSpoolKeepsEverythingForTheNextStart() throws Exception {
    int port = ServeProcess.freePort();
    Path data = dir.resolve("data");
    try (ServeProcess server = serve(port, data, "--topic", "outage", "--drain-timeout", "3s")) {
      server.awaitReady(port);
      assertThat(post(port, events("before", 100))).isEqualTo(200);
      Awaitility.await("first 100 in Kafka").atMost(Duration.ofSeconds(60)).until(() -> topicSize("outage") >= 100);
      kafka.firstBroker().kill();
      Awaitility.await("the forwarder sees Kafka gone").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
          .until(() -> metrics(port).contains("tributary_forwarder_kafka_reachable 0.0"));
      for (int request = 0; request < 40; request++) {
        assertThat(post(port, events("during" + request + "-", 500))).as("capture accepts while Kafka is down").isEqualTo(200);
      }
      assertThat(ready(port)).as("readiness while Kafka is down").isEqualTo(200);
      assertThat(server.terminate(Duration.ofSeconds(60))).as("exit code; log:\n%s", server.output()).isEqualTo(ExitCodes.DRAIN_INCOMPLETE);
      assertThat(server.output()).contains("is unreachable", "20000 records not yet in Kafka");
    }
    KafkaTopics.Forwarded f = KafkaTopics.forwarded(data.resolve("spool"));
    assertThat(f).as("spool after the failed drain").isEqualTo(new KafkaTopics.Forwarded(100, 20_100));
    assertThat(ServeProcess.run(dir.resolve("verify.log"), Map.of(), "spool", "verify", data.resolve("spool").toString())).isZero();

    kafka.firstBroker().restart();
    try (ServeProcess server = serve(port, data, "--topic", "outage")) {
      server.awaitReady(port);
      long sigterm = System.nanoTime();
      assertThat(server.terminate(Duration.ofSeconds(90))).as("exit code after the restart; log:\n%s", server.output()).isZero();
      Matcher drained = DRAINED.matcher(server.output());
      assertThat(drained.find()).as("drain logged:\n%s", server.output()).isTrue();
      System.out.printf("SIGTERM right after a restart over 20,000 records left by the failed drain: drained in %s ms, "
          + "exited %d ms after SIGTERM%n", drained.group(1), (System.nanoTime() - sigterm) / 1_000_000);
    }
    List<String> ids = new ArrayList<>();
    KafkaTopics.readAll(kafka.bootstrapServers(), "outage").forEach(r -> ids.add(KafkaTopics.header(r, "event_id")));
    assertThat(ids).hasSize(20_100).doesNotHaveDuplicates().contains("during39-499", "before0");
    assertThat(KafkaTopics.forwarded(data.resolve("spool")).behind()).isZero();
  }

  private ServeProcess serve(int port, Path data, String... more) throws Exception {
    List<String> args = new ArrayList<>(List.of("serve", "--port", String.valueOf(port), "--data-dir", data.toString(),
        "--kafka", kafka.bootstrapServers()));
    args.addAll(List.of(more));
    return ServeProcess.start(dir.resolve("serve.log"), Map.of(), args.toArray(String[]::new));
  }

  private static String events(String prefix, int n) {
    StringBuilder body = new StringBuilder();
    for (int i = 0; i < n; i++) body.append("{\"event\":\"x\",\"event_id\":\"").append(prefix).append(i).append("\"}\n");
    return body.toString();
  }

  private static int topicSize(String topic) {
    return KafkaTopics.readAll(kafka.bootstrapServers(), topic).size();
  }

  private static int post(int port, String ndjson) throws Exception {
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/events"))
        .header("Content-Type", "application/x-ndjson").POST(HttpRequest.BodyPublishers.ofString(ndjson)).build();
    return HTTP.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  private static int ready(int port) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health/ready")).build(),
        HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  private static String metrics(int port) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
        HttpResponse.BodyHandlers.ofString()).body();
  }
}
