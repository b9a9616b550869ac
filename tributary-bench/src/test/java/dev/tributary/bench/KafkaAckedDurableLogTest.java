package dev.tributary.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tributary.testkit.KafkaExtension;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The baseline against a real broker: an append completes once Kafka has every event, and fails when Kafka is away. */
class KafkaAckedDurableLogTest {

  @RegisterExtension static final KafkaExtension kafka = KafkaExtension.broker();

  @Test
  void anAppendCompletesOnceKafkaHoldsEveryEventOfTheRequest() throws Exception {
    List<String> events = List.of("{\"event\":\"a\"}", "{\"event\":\"b\"}", "{\"event\":\"c\"}");
    try (KafkaAckedDurableLog log = KafkaAckedDurableLog.open(kafka.bootstrapServers(), "acked", Map.of())) {
      log.append(events.stream().map(e -> e.getBytes(StandardCharsets.UTF_8)).toList()).get(60, TimeUnit.SECONDS);
    }

    assertThat(readAll("acked", events.size())).containsExactlyElementsOf(events);
  }

  @Test
  void anAppendFailsWhenKafkaCannotBeReached() {
    try (KafkaAckedDurableLog log = KafkaAckedDurableLog.open("127.0.0.1:1", "acked", Map.of("max.block.ms", "500"))) {
      assertThatThrownBy(() -> log.append(List.of("{}".getBytes(StandardCharsets.UTF_8))).get(30, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class);
    }
  }

  private static List<String> readAll(String topic, int expected) {
    Map<String, Object> config = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
        ConsumerConfig.GROUP_ID_CONFIG, "test", ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    List<String> seen = new ArrayList<>();
    try (var consumer = new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      consumer.subscribe(List.of(topic));
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (seen.size() < expected && System.nanoTime() < deadline) {
        consumer.poll(Duration.ofMillis(500)).forEach(r -> seen.add(new String(r.value(), StandardCharsets.UTF_8)));
      }
    }
    return seen;
  }
}
