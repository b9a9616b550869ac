package dev.tributary.testkit;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/** Reads a whole topic back from a real broker, as tests check what landed in Kafka. */
public final class TopicReader {
  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  private TopicReader() {}

  /** Every record of {@code topic}, from the beginning to the end offsets at the time of the call. */
  public static List<ConsumerRecord<byte[], byte[]>> readAll(String bootstrap, String topic) {
    return read(bootstrap, topic, "read_uncommitted");
  }

  /**
   * Every record of committed transactions in {@code topic}, up to its last stable offset at the
   * time of the call, as a {@code read_committed} consumer (the lake sink behind refine) sees them.
   */
  public static List<ConsumerRecord<byte[], byte[]>> readCommitted(String bootstrap, String topic) {
    return read(bootstrap, topic, "read_committed");
  }

  private static List<ConsumerRecord<byte[], byte[]>> read(String bootstrap, String topic, String isolation) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation);
    p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, String.valueOf(4 << 20));
    try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> parts = c.partitionsFor(topic, TIMEOUT).stream()
          .map(i -> new TopicPartition(topic, i.partition())).toList();
      c.assign(parts);
      c.seekToBeginning(parts);
      Map<TopicPartition, Long> end = c.endOffsets(parts, TIMEOUT);
      List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
      while (parts.stream().anyMatch(tp -> c.position(tp, TIMEOUT) < end.get(tp))) {
        c.poll(Duration.ofMillis(500)).forEach(out::add);
      }
      return out;
    }
  }

  /** The last value of a header as UTF-8 text, null when absent. */
  public static String header(ConsumerRecord<byte[], byte[]> r, String name) {
    var h = r.headers().lastHeader(name);
    return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
  }
}
