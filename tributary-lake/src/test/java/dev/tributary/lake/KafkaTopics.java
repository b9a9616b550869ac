package dev.tributary.lake;

import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/** Topics, an idempotent producer and group offsets on the test broker. */
final class KafkaTopics {

  private KafkaTopics() {}

  static void create(String bootstrap, String topic, int partitions) throws Exception {
    try (Admin admin = admin(bootstrap)) {
      admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all().get();
      // an idempotent producer whose first batch meets a leader not yet serving the partition can
      // be stuck on OUT_OF_ORDER_SEQUENCE_NUMBER: wait until every leader answers for its partition
      var latest = java.util.stream.IntStream.range(0, partitions).boxed().collect(java.util.stream.Collectors.toMap(
          i -> new TopicPartition(topic, i), i -> org.apache.kafka.clients.admin.OffsetSpec.latest()));
      org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30)).ignoreExceptions()
          .until(() -> admin.listOffsets(latest).all().get().size() == partitions);
    }
  }

  static KafkaProducer<byte[], byte[]> producer(String bootstrap) {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    return new KafkaProducer<>(p);
  }

  /** Whether {@code group} has committed the end of every partition of {@code topic}. */
  static boolean committedToEnd(String bootstrap, String group, String topic, int partitions) throws Exception {
    try (Admin admin = admin(bootstrap)) {
      Map<TopicPartition, OffsetAndMetadata> committed =
          admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
      var latest = admin.listOffsets(java.util.stream.IntStream.range(0, partitions).boxed().collect(
          java.util.stream.Collectors.toMap(i -> new TopicPartition(topic, i),
              i -> org.apache.kafka.clients.admin.OffsetSpec.latest()))).all().get();
      for (var e : latest.entrySet()) {
        OffsetAndMetadata c = committed.get(e.getKey());
        if (c == null || c.offset() < e.getValue().offset()) return false;
      }
      return true;
    }
  }

  /** The sum of the offsets {@code group} committed. */
  static long committedSum(String bootstrap, String group) throws Exception {
    try (Admin admin = admin(bootstrap)) {
      return admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get().values().stream()
          .mapToLong(OffsetAndMetadata::offset).sum();
    }
  }

  private static Admin admin(String bootstrap) {
    Properties p = new Properties();
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    return Admin.create(p);
  }
}
