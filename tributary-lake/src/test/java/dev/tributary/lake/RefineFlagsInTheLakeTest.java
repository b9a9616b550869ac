package dev.tributary.lake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tributary.refine.RefineConfig;
import dev.tributary.refine.Refiner;
import dev.tributary.testkit.KafkaExtension;
import dev.tributary.testkit.TopicReader;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A late event from a real refine (its reordering flags it with a Kafka header) lands in the lake
 * with {@code late = true}, in NDJSON and in Parquet, and the on-time ones without the flag.
 */
class RefineFlagsInTheLakeTest {

  @RegisterExtension static final KafkaExtension kafka = KafkaExtension.broker();
  private static final String RAW = "flags.raw";
  private static final String REFINED = "flags.refined";
  private static final int ON_TIME = 50;

  @TempDir static Path state;
  @TempDir Path lake;

  @BeforeAll
  static void refineOnTimeEventsThenALateOne() throws Exception {
    KafkaTopics.create(kafka.bootstrapServers(), RAW, 1);
    Instant base = Instant.now();
    try (KafkaProducer<byte[], byte[]> p = KafkaTopics.producer(kafka.bootstrapServers())) {
      for (int i = 0; i < ON_TIME; i++) p.send(new ProducerRecord<>(RAW, Events.bytes("page", "on-time-" + i, base.plusMillis(i), i)));
    }
    RefineConfig config = RefineConfig.defaults(kafka.bootstrapServers(), state).withTopics(List.of(RAW), REFINED)
        .withApplicationId("flags").withReorderWindow(Duration.ofSeconds(2))
        .withStreamsProperties(Map.of("commit.interval.ms", "100", "statestore.cache.max.bytes", String.valueOf(1 << 20)));
    try (Refiner refiner = Refiner.start(config, new SimpleMeterRegistry());
         KafkaProducer<byte[], byte[]> p = KafkaTopics.producer(kafka.bootstrapServers())) {
      // the on-time events leave the reorder buffer once the partition is idle: only then is the late one late
      await().atMost(Duration.ofSeconds(60)).until(() -> TopicReader.readCommitted(kafka.bootstrapServers(), REFINED).size() == ON_TIME);
      p.send(new ProducerRecord<>(RAW, Events.bytes("page", "late-1", base.minusSeconds(60), -1))).get();
      await().atMost(Duration.ofSeconds(60)).until(() -> TopicReader.readCommitted(kafka.bootstrapServers(), REFINED).size() == ON_TIME + 1);
    }
  }

  @ParameterizedTest
  @EnumSource(value = LakeFormat.class, names = {"NDJSON_GZIP", "PARQUET"})
  void theLateEventLandsFlaggedAndTheOthersWithoutTheFlag(LakeFormat format) throws Exception {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    KafkaSinkConfig config = KafkaSinkConfig.of(kafka.bootstrapServers(), REFINED, lake.toString())
        .withGroup("flags-" + format).withFormat(format);
    try (KafkaLakeSink sink = KafkaLakeSink.start(config, registry)) {
      await().atMost(Duration.ofSeconds(60)).until(() -> registry.counter("tributary.lake.events.written").count() == ON_TIME + 1);
      assertThat(sink.stop(Duration.ofSeconds(30))).isTrue();
    }
    String source = LakeQuery.of(lake.resolve("events"), format);
    assertThat(LakeQuery.rows("SELECT event_id, late FROM " + source + " WHERE late IS NOT NULL"))
        .containsExactly(List.of("late-1", true));
    assertThat(LakeQuery.count("SELECT count(*) FROM " + source + " WHERE late IS NULL AND event_id LIKE 'on-time-%'"))
        .isEqualTo(ON_TIME);
  }
}
