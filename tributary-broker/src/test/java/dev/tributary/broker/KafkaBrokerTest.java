package dev.tributary.broker;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KafkaBrokerTest {
  @TempDir Path dir;

  @Test
  void aRecordSurvivesSigkillAndRestartOnTheSameData() throws Exception {
    long t0 = System.nanoTime();
    try (KafkaBroker broker = KafkaBroker.start(dir.resolve("broker"))) {
      System.out.printf("broker start: %d ms%n", (System.nanoTime() - t0) / 1_000_000);
      String bootstrap = broker.bootstrapServers();
      produce(bootstrap, "greetings", "k", "hello");
      assertThat(consumeAll(bootstrap, "greetings")).containsExactly("hello");

      broker.kill();
      assertThat(broker.isRunning()).isFalse();
      long t1 = System.nanoTime();
      broker.restart();
      System.out.printf("broker restart after SIGKILL: %d ms%n", (System.nanoTime() - t1) / 1_000_000);

      assertThat(broker.bootstrapServers()).isEqualTo(bootstrap);
      assertThat(consumeAll(bootstrap, "greetings")).containsExactly("hello");
      produce(bootstrap, "greetings", "k", "again");
      assertThat(consumeAll(bootstrap, "greetings")).containsExactly("hello", "again");
    }
  }

  @Test
  void brokerPropertiesCanBeOverridden() throws Exception {
    try (KafkaBroker broker = KafkaBroker.start(dir.resolve("broker"), Map.of("num.partitions", "4"))) {
      produce(broker.bootstrapServers(), "wide", "k", "v");
      try (KafkaConsumer<String, String> c = consumer(broker.bootstrapServers())) {
        assertThat(c.partitionsFor("wide")).hasSize(4);
      }
    }
  }

  /** The broker's classes archived at a clean stop (the faster start is measured in docs/kafka.md, not asserted). */
  @Test
  void aCleanStopArchivesTheClassesTheNextStartMapsAndAKillLeavesNoArchive() throws Exception {
    Path cache = dir.resolve("cache");
    BrokerJars jars = BrokerJars.from(BrokerJars.CENTRAL, cache, BrokerJars.localMavenRepository(System.getenv()));
    try (KafkaBroker broker = KafkaBroker.startOrResume(dir.resolve("broker"), LoopbackPorts.unused(), jars)) {
      broker.kill();
      assertThat(archives(cache)).as("after SIGKILL").isEmpty();
      broker.restart();
      broker.stopGracefully();
      assertThat(archives(cache)).as("after a clean stop").singleElement().asString().matches(".*/broker-classes-[0-9a-f]{16}\\.jsa");
      Path archive = archives(cache).get(0);

      long logBefore = Files.size(broker.directory().resolve("broker.log"));
      broker.restart();
      assertThat(broker.commandLine()).contains("-XX:SharedArchiveFile=" + archive);
      produce(broker.bootstrapServers(), "greetings", "k", "hello");
      assertThat(consumeAll(broker.bootstrapServers(), "greetings")).containsExactly("hello");
      broker.stopGracefully();
      assertThat(archives(cache)).containsExactly(archive);
      assertThat(Files.readString(broker.directory().resolve("broker.log")).substring((int) logBefore))
          .as("the JVM's complaints about the archive it maps").doesNotContain("[cds]");
    }
  }

  private static List<Path> archives(Path cache) throws IOException {
    try (var files = Files.list(cache)) {
      return files.filter(f -> f.getFileName().toString().matches(".*\\.(jsa|part)")).toList();
    }
  }

  static void produce(String bootstrap, String topic, String key, String value) throws Exception {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer())) {
      producer.send(new ProducerRecord<>(topic, key, value)).get();
    }
  }

  static List<String> consumeAll(String bootstrap, String topic) {
    try (KafkaConsumer<String, String> c = consumer(bootstrap)) {
      List<TopicPartition> parts = c.partitionsFor(topic, Duration.ofSeconds(30)).stream()
          .map(i -> new TopicPartition(topic, i.partition())).toList();
      c.assign(parts);
      c.seekToBeginning(parts);
      Map<TopicPartition, Long> end = c.endOffsets(parts, Duration.ofSeconds(30));
      List<String> values = new ArrayList<>();
      while (parts.stream().anyMatch(tp -> c.position(tp, Duration.ofSeconds(30)) < end.get(tp))) {
        for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(500))) values.add(r.value());
      }
      return values;
    }
  }

  static KafkaConsumer<String, String> consumer(String bootstrap) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    return new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer());
  }
}
