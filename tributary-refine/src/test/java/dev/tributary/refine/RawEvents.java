package dev.tributary.refine;

import dev.tributary.event.Envelope;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import dev.tributary.testkit.TopicReader;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/** Raw records as the forwarder writes them (key distinct_id, headers event_id and received_at), and the refined topic read back. */
final class RawEvents {
  private RawEvents() {}

  static byte[] json(String eventId, String distinctId, long receivedAt, int padding) {
    return ("{\"event\":\"page\",\"event_id\":\"" + eventId + "\",\"distinct_id\":\"" + distinctId + "\",\"received_at\":\""
        + Instant.ofEpochMilli(receivedAt) + "\",\"pad\":\"" + "x".repeat(padding) + "\"}").getBytes(StandardCharsets.UTF_8);
  }

  /** As the forwarder sends it; {@code partition} null = by key, as the forwarder does. */
  static ProducerRecord<byte[], byte[]> record(String topic, Integer partition, String eventId, String distinctId, long receivedAt) {
    RecordHeaders h = new RecordHeaders();
    h.add(Envelope.EVENT_ID, eventId.getBytes(StandardCharsets.UTF_8));
    h.add(Envelope.RECEIVED_AT, Instant.ofEpochMilli(receivedAt).toString().getBytes(StandardCharsets.UTF_8));
    return new ProducerRecord<>(topic, partition, distinctId.getBytes(StandardCharsets.UTF_8), json(eventId, distinctId, receivedAt, 100), h);
  }

  static KafkaProducer<byte[], byte[]> producer(String bootstrap) {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
    return new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
  }

  static void createTopic(String bootstrap, String topic, int partitions) throws ExecutionException, InterruptedException {
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
      admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all().get();
    }
  }

  static List<ConsumerRecord<byte[], byte[]>> readCommitted(String bootstrap, String topic) {
    return TopicReader.readCommitted(bootstrap, topic);
  }

  static String header(ConsumerRecord<byte[], byte[]> r, String name) {
    return RecordEnvelope.header(r.headers(), name);
  }

  static long receivedAt(ConsumerRecord<byte[], byte[]> r) {
    return Instant.parse(header(r, Envelope.RECEIVED_AT)).toEpochMilli();
  }

  /** Streams settings that make a test fast: frequent commits, a dead member noticed within seconds. */
  static Map<String, String> fastStreams() {
    return Map.of("commit.interval.ms", "100", "consumer.session.timeout.ms", "6000", "consumer.heartbeat.interval.ms", "1000",
        "producer.transaction.timeout.ms", "5000", "statestore.cache.max.bytes", String.valueOf(1 << 20));
  }
}
