package dev.tributary.kafka;

import static dev.tributary.kafka.Topics.event;
import static dev.tributary.kafka.Topics.header;
import static dev.tributary.kafka.Topics.readAll;
import static dev.tributary.kafka.Topics.text;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tributary.spool.Spool;
import dev.tributary.spool.SpoolConfig;
import dev.tributary.testkit.KafkaExtension;
import dev.tributary.testkit.TopicConfigs;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

class SpoolForwarderTest {
  @RegisterExtension
  static final KafkaExtension kafka = KafkaExtension.broker()
      .withProperty("num.partitions", "3")
      .withProperty("message.max.bytes", "100000");

  @TempDir Path dir;
  final SimpleMeterRegistry registry = new SimpleMeterRegistry();

  ForwarderConfig config(String topic) {
    return ForwarderConfig.defaults(kafka.bootstrapServers(), dir.resolve("dead-letters")).withTopic(topic).withNodeId("node-7");
  }

  @Test
  void everyEventLandsOnceInItsTopicWithKeyAndHeadersAcrossARestart() throws Exception {
    String[] types = {"signup", "page view", "buy"};
    try (Spool spool = Spool.open(SpoolConfig.defaults(dir.resolve("spool")))) {
      spool.append(events(0, 600, types)).get();
      try (SpoolForwarder f = SpoolForwarder.start(spool, config("a.{event}"), registry)) {
        assertThat(f.drain(Duration.ofSeconds(60))).isTrue();
        assertThat(f.kafkaReachable()).isTrue();
        assertThat(f.lag().records()).isZero();
      }
      assertThat(registry.find("kafka.producer.record.send.total").meters()).as("a closed producer's meters are gone").isEmpty();
      spool.append(events(600, 400, types)).get();
      try (SpoolForwarder f = SpoolForwarder.start(spool, config("a.{event}"), registry)) {
        assertThat(f.drain(Duration.ofSeconds(60))).isTrue();
        assertThat(registry.find("kafka.producer.record.send.total").meters()).as("the running producer's meters, once").hasSize(1);
      }
    }
    assertThat(registry.get("tributary.forwarder.sent").counter().count()).isEqualTo(1000);
    assertThat(registry.get("tributary.forwarder.delay").timer().count()).as("a forward delay per confirmed record").isEqualTo(1000);

    Map<String, List<ConsumerRecord<byte[], byte[]>>> byTopic = new HashMap<>();
    for (String topic : List.of("a.signup", "a.page_view", "a.buy")) byTopic.put(topic, readAll(kafka.bootstrapServers(), topic));
    List<ConsumerRecord<byte[], byte[]>> all = byTopic.values().stream().flatMap(List::stream).toList();
    assertThat(all.stream().map(r -> header(r, "event_id")).distinct()).hasSize(1000);
    assertThat(all).hasSize(1000);
    for (var e : byTopic.entrySet()) {
      for (ConsumerRecord<byte[], byte[]> r : e.getValue()) {
        int n = Integer.parseInt(header(r, "event_id").substring(3));
        String type = types[n % 3];
        assertThat(e.getKey()).isEqualTo("a." + type.replace(' ', '_'));
        assertThat(text(r.value())).isEqualTo(text(event(type, "id-" + n, n % 2 == 0 ? "user-" + n % 10 : null)));
        assertThat(text(r.key())).isEqualTo(n % 2 == 0 ? "user-" + n % 10 : "id-" + n);
        assertThat(header(r, "received_at")).isEqualTo("2026-11-23T15:00:00.000Z");
        assertThat(header(r, "capture_node")).isEqualTo("node-7");
        assertThat(Long.parseLong(header(r, "spool_offset"))).isEqualTo(n);
      }
    }
    // one user's events share a partition of a topic
    Map<String, List<Integer>> partitionsByUser = all.stream().filter(r -> text(r.key()).startsWith("user-"))
        .collect(Collectors.groupingBy(r -> r.topic() + "/" + text(r.key()), Collectors.mapping(ConsumerRecord::partition, Collectors.toList())));
    partitionsByUser.values().forEach(ps -> assertThat(ps.stream().distinct()).hasSize(1));
  }

  @Test
  void aRecordTooLargeForKafkaIsSetAsideWhileTheRestFlowsAndCanBeReplayed() throws Exception {
    byte[] huge = incompressible("huge", 180_000);
    try (Spool spool = Spool.open(SpoolConfig.defaults(dir.resolve("spool")))) {
      spool.append(events(0, 10, "small")).get();
      spool.append(huge).get();
      spool.append(events(11, 10, "small")).get();
      try (SpoolForwarder f = SpoolForwarder.start(spool, config("b"), registry)) {
        assertThat(f.drain(Duration.ofSeconds(60))).isTrue();
        assertThat(readAll(kafka.bootstrapServers(), "b")).extracting(r -> header(r, "event_id"))
            .containsExactlyInAnyOrderElementsOf(ids(0, 10, 11, 10));

        List<DeadLetter> dead = f.deadLetters().list(10);
        assertThat(dead).hasSize(1);
        DeadLetter d = dead.getFirst();
        assertThat(d.spoolOffset()).isEqualTo(10);
        assertThat(d.topic()).isEqualTo("b");
        assertThat(d.error()).endsWith("RecordTooLargeException");
        assertThat(d.reason()).isNotBlank();
        assertThat(d.payload()).isEqualTo(huge);
        assertThat(f.deadLetters().show(d.offset())).get().extracting(DeadLetter::spoolOffset).isEqualTo(10L);
        assertThat(registry.get("tributary.forwarder.dead.letters").counter().count()).isEqualTo(1);

        TopicConfigs.set(kafka.bootstrapServers(), "b", "max.message.bytes", "2000000");
        assertThat(f.deadLetters().replay(config("b"), r -> {})).isEqualTo(new DeadLetters.ReplayResult(1, 0));
        assertThat(f.deadLetters().list(10)).isEmpty();
        assertThat(f.deadLetters().count()).isZero();
      }
    }
    assertThat(readAll(kafka.bootstrapServers(), "b")).extracting(r -> header(r, "event_id")).contains("huge").hasSize(21);
  }

  @Test
  void deadLettersSurviveARestartAndCanBeReadOffline() throws Exception {
    byte[] huge = incompressible("huge2", 150_000);
    try (Spool spool = Spool.open(SpoolConfig.defaults(dir.resolve("spool")))) {
      spool.append(huge).get();
      spool.append(event("small", "after", null)).get();
      try (SpoolForwarder f = SpoolForwarder.start(spool, config("c"), registry)) {
        assertThat(f.drain(Duration.ofSeconds(60))).isTrue();
      }
    }
    try (DeadLetters dead = DeadLetters.open(dir.resolve("dead-letters"))) {
      assertThat(dead.list(10)).extracting(DeadLetter::spoolOffset).containsExactly(0L);
      assertThat(dead.list(10)).hasSize(1);
    }
    assertThat(readAll(kafka.bootstrapServers(), "c")).extracting(r -> header(r, "event_id")).containsExactly("after");
  }

  /**
   * An event whose blob zstd cannot shrink below the broker's 100 000-byte limit (kept under the
   * spool cursor's 256 KiB read buffer).
   */
  static byte[] incompressible(String eventId, int blobBytes) {
    byte[] random = new byte[blobBytes];
    new Random(42).nextBytes(random);
    return ("{\"event\":\"big\",\"event_id\":\"" + eventId + "\",\"blob\":\"" + Base64.getEncoder().encodeToString(random) + "\"}")
        .getBytes(StandardCharsets.UTF_8);
  }

  static List<byte[]> events(int from, int count, String... types) {
    List<byte[]> out = new ArrayList<>();
    for (int n = from; n < from + count; n++) {
      out.add(event(types[n % types.length], "id-" + n, n % 2 == 0 ? "user-" + n % 10 : null));
    }
    return out;
  }

  static List<String> ids(int from1, int count1, int from2, int count2) {
    List<String> out = new ArrayList<>();
    for (int n = from1; n < from1 + count1; n++) out.add("id-" + n);
    for (int n = from2; n < from2 + count2; n++) out.add("id-" + n);
    return out;
  }

}
