package dev.tributary.lake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tributary.testkit.KafkaExtension;
import dev.tributary.testkit.S3Extension;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/** {@link KafkaLakeSink} on a real broker, writing to a directory and to a real S3 server, read back by DuckDB. */
class KafkaLakeSinkTest {

  @RegisterExtension static final KafkaExtension kafka = KafkaExtension.broker();
  @RegisterExtension static final S3Extension s3 = new S3Extension();
  private static final AtomicInteger names = new AtomicInteger();
  private static final Instant T0 = Instant.parse("2026-11-23T13:30:00.000Z");
  private static final List<String> TYPES = List.of("page_view", "signup", "a/b");

  @TempDir Path tmp;

  static Stream<Arguments> targetsAndFormats() {
    return Stream.of(Arguments.of(SinkTarget.FILESYSTEM, LakeFormat.NDJSON_GZIP), Arguments.of(SinkTarget.S3, LakeFormat.NDJSON_GZIP),
        Arguments.of(SinkTarget.FILESYSTEM, LakeFormat.NDJSON_ZSTD), Arguments.of(SinkTarget.FILESYSTEM, LakeFormat.PARQUET));
  }

  @ParameterizedTest
  @MethodSource("targetsAndFormats")
  void landsEveryRecordOnceInItsPartitionAndBadRecordsUnderErrors(SinkTarget target, LakeFormat format) throws Exception {
    String topic = "sink-" + names.incrementAndGet();
    KafkaTopics.create(kafka.bootstrapServers(), topic, 3);
    Map<String, Long> expected = new TreeMap<>();
    try (KafkaProducer<byte[], byte[]> producer = KafkaTopics.producer(kafka.bootstrapServers())) {
      for (int i = 0; i < 3000; i++) {
        String type = TYPES.get(i % TYPES.size());
        Instant at = T0.plusSeconds(i * 2L); // 13:30 to 15:10
        producer.send(new ProducerRecord<>(topic, i % 3, null, Events.bytes(type, "id-" + i, at, i)));
        expected.merge(type + "@" + at.atZone(ZoneOffset.UTC).getHour(), 1L, Long::sum);
      }
      producer.send(new ProducerRecord<>(topic, 0, null, "not json".getBytes(StandardCharsets.UTF_8)));
      producer.send(new ProducerRecord<>(topic, 1, null, "{\"event_id\":\"no-type\"}".getBytes(StandardCharsets.UTF_8)));
      producer.send(new ProducerRecord<>(topic, 2, null, null));
    }
    SinkTarget.Lake lake = target.lake(tmp, s3, "lake-" + names.incrementAndGet());
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    KafkaSinkConfig config = lake.configure(KafkaSinkConfig.of(kafka.bootstrapServers(), topic, lake.uri())
        .withGroup("g-" + topic).withFormat(format).withRolls(Duration.ofMinutes(5), 96 * 1024, 1000));
    try (KafkaLakeSink sink = KafkaLakeSink.start(config, registry)) {
      await().atMost(Duration.ofSeconds(60)).until(() ->
          registry.counter("tributary.lake.events.written").count() + registry.counter("tributary.lake.errors.written").count() >= 3003);
      assertThat(sink.status()).extracting(KafkaLakeSink.PartitionStatus::partition).containsExactly(0, 1, 2);
      assertThat(sink.stop(Duration.ofSeconds(30))).isTrue();
    }
    assertThat(KafkaTopics.committedToEnd(kafka.bootstrapServers(), "g-" + topic, topic, 3)).isTrue();

    // the same query gives the same answer whatever the format
    String source = LakeQuery.of(lake.table(), format);
    Map<String, Long> actual = new TreeMap<>();
    for (List<Object> row : LakeQuery.rows("SELECT event, hour, count(*) FROM " + source + " GROUP BY ALL")) {
      actual.put(row.get(0) + "@" + row.get(1), ((Number) row.get(2)).longValue());
    }
    assertThat(actual).isEqualTo(expected);
    // received_at is a timestamp in both (Parquet's is UTC-adjusted, so DuckDB says WITH TIME ZONE)
    assertThat(LakeQuery.rows("SELECT count(*), count(DISTINCT event_id), min(epoch_ms(received_at)),"
        + " max(epoch_ms(received_at)), typeof(received_at) LIKE 'TIMESTAMP%' FROM " + source + " GROUP BY ALL").getFirst())
        .containsExactly(3000L, 3000L, T0.toEpochMilli(), T0.plusSeconds(2999 * 2).toEpochMilli(), true);
    try (Stream<Path> files = Files.walk(lake.table())) {
      assertThat(files.filter(Files::isRegularFile).filter(p -> !p.startsWith(lake.table().resolve("_errors")))
          .map(p -> p.getFileName().toString()))
          .as("file names: topic+partition, first and last offset").allMatch(n -> n.matches(
              "sink-\\d+\\+[0-2]-\\d{20}-\\d{20}" + java.util.regex.Pattern.quote(format.extension())))
          .hasSizeGreaterThan(6);
    }

    List<JsonNode> errors = new ArrayList<>();
    for (List<Object> row : LakeQuery.rows("SELECT to_json(e)::VARCHAR FROM read_json_auto('" + lake.table()
        + "/_errors/*/*.ndjson.gz') e ORDER BY partition")) {
      errors.add(new ObjectMapper().readTree((String) row.getFirst()));
    }
    assertThat(errors).extracting(e -> e.get("partition").asInt()).containsExactly(0, 1, 2);
    assertThat(errors).extracting(e -> e.get("offset").asLong()).containsExactly(1000L, 1000L, 1000L);
    assertThat(errors).allMatch(e -> e.get("topic").asText().equals(topic));
    assertThat(errors).extracting(e -> e.get("reason").asText()).containsExactly(
        "malformed JSON at column 1: Unrecognized token 'not': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')",
        "missing or non-string 'event'", "record has no value");
  }

  @ParameterizedTest
  @EnumSource(value = LakeFormat.class, names = {"NDJSON_GZIP", "PARQUET"})
  void aCustomPathFormatLaysOutTheFilesAndAReplaySkipsWhatTheyHold(LakeFormat format) throws Exception {
    String topic = "layout-" + names.incrementAndGet();
    KafkaTopics.create(kafka.bootstrapServers(), topic, 2);
    Map<String, Long> expected = new TreeMap<>();
    try (KafkaProducer<byte[], byte[]> producer = KafkaTopics.producer(kafka.bootstrapServers())) {
      for (int i = 0; i < 600; i++) {
        String type = TYPES.get(i % TYPES.size());
        Instant at = T0.plusSeconds(i * 10L); // 13:30 to 15:09
        producer.send(new ProducerRecord<>(topic, i % 2, null, Events.bytes(type, "id-" + i, at, i)));
        expected.merge(type + "@" + at.atZone(ZoneOffset.UTC).getHour(), 1L, Long::sum);
      }
    }
    SinkTarget.Lake lake = SinkTarget.FILESYSTEM.lake(tmp, s3, "lake-" + names.incrementAndGet());
    KafkaSinkConfig config = KafkaSinkConfig.of(kafka.bootstrapServers(), topic, lake.uri()).withFormat(format)
        .withRolls(Duration.ofMinutes(5), 16 * 1024, 50)
        .withPathFormat(PathFormat.parse("year={yyyy}/month={MM}/day={dd}/hour={HH}/type={event_type}"));
    for (String group : List.of("first-" + topic, "replay-" + topic)) {
      SimpleMeterRegistry registry = new SimpleMeterRegistry();
      try (KafkaLakeSink sink = KafkaLakeSink.start(config.withGroup(group), registry)) {
        await().atMost(Duration.ofSeconds(60)).until(() ->
            registry.counter("tributary.lake.events.written").count() + registry.counter("tributary.lake.replay.skipped").count() >= 600);
        assertThat(sink.stop(Duration.ofSeconds(30))).isTrue();
      }
      // a second group reads from the start: every record is covered by a published file of its directory
      assertThat(registry.counter("tributary.lake.replay.skipped").count()).isEqualTo(group.startsWith("first") ? 0 : 600);
    }

    String glob = lake.table() + "/year=*/month=*/day=*/hour=*/type=*/*" + format.extension();
    String source = format == LakeFormat.PARQUET
        ? "read_parquet('" + glob + "', hive_partitioning=true, hive_types={'hour': INTEGER})"
        : "read_json_auto('" + glob + "', hive_partitioning=true, timestampformat='iso', hive_types={'hour': INTEGER})";
    Map<String, Long> actual = new TreeMap<>();
    for (List<Object> row : LakeQuery.rows("SELECT type, hour, count(*), count(DISTINCT event_id), min(year || '-' || month || '-' || day)"
        + " FROM " + source + " GROUP BY ALL")) {
      actual.put(row.get(0) + "@" + row.get(1), ((Number) row.get(2)).longValue());
      assertThat(row.get(3)).isEqualTo(row.get(2));
      assertThat(row.get(4)).isEqualTo("2026-11-23");
    }
    assertThat(actual).isEqualTo(expected);
  }

  @Test
  void openFilesThatCannotBePublishedAtShutdownAreReadAgainNotCommittedPast() throws Exception {
    String topic = "unpublished-" + names.incrementAndGet();
    KafkaTopics.create(kafka.bootstrapServers(), topic, 1);
    try (KafkaProducer<byte[], byte[]> producer = KafkaTopics.producer(kafka.bootstrapServers())) {
      for (int i = 0; i < 100; i++) producer.send(new ProducerRecord<>(topic, 0, null, Events.bytes("page_view", "id-" + i, T0.plusSeconds(i), i)));
    }
    SinkTarget.Lake lake = SinkTarget.FILESYSTEM.lake(tmp, s3, "lake-" + names.incrementAndGet());
    KafkaSinkConfig config = KafkaSinkConfig.of(kafka.bootstrapServers(), topic, lake.uri()).withGroup("g-" + topic)
        .withRolls(Duration.ofMinutes(5), 128L << 20, 1_000_000);
    try (KafkaLakeSink sink = KafkaLakeSink.start(config, new SimpleMeterRegistry())) {
      await().atMost(Duration.ofSeconds(60)).until(() -> sink.status().stream().anyMatch(p -> p.position() == 100));
      deleteTree(lake.files()); // the open file's directory is gone: it cannot be published
      sink.stop(Duration.ofSeconds(30));
    }
    assertThat(KafkaTopics.committedSum(kafka.bootstrapServers(), "g-" + topic)).as("offsets committed past records in no file").isZero();

    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    try (KafkaLakeSink sink = KafkaLakeSink.start(config, registry)) {
      await().atMost(Duration.ofSeconds(60)).until(() -> registry.counter("tributary.lake.events.written").count() >= 100);
      assertThat(sink.stop(Duration.ofSeconds(30))).isTrue();
    }
    assertThat(LakeFiles.completedLines(lake.files())).as("the records a sink started again lands").hasSize(100);
  }

  private static void deleteTree(Path dir) throws IOException {
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
    }
  }

  @ParameterizedTest
  @EnumSource(SinkTarget.class)
  void anEventIsQueryableWithinFifteenSecondsUnderATenSecondAgeBound(SinkTarget target) throws Exception {
    String topic = "fresh-" + names.incrementAndGet();
    KafkaTopics.create(kafka.bootstrapServers(), topic, 3);
    SinkTarget.Lake lake = target.lake(tmp, s3, "lake-" + names.incrementAndGet());
    KafkaSinkConfig config = lake.configure(KafkaSinkConfig.of(kafka.bootstrapServers(), topic, lake.uri())
        .withGroup("g-" + topic).withRolls(Duration.ofSeconds(10), 128L << 20, 1_000_000));
    try (KafkaLakeSink sink = KafkaLakeSink.start(config, new SimpleMeterRegistry())) {
      await().atMost(Duration.ofSeconds(30)).until(sink::ready);
      Instant sent;
      try (KafkaProducer<byte[], byte[]> producer = KafkaTopics.producer(kafka.bootstrapServers())) {
        sent = Instant.now();
        producer.send(new ProducerRecord<>(topic, 1, null, Events.bytes("signup", "fresh-1", sent, 1))).get();
      }
      String source = LakeQuery.ndjson(lake.table(), ".ndjson.gz");
      await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(250))
          .until(() -> LakeFiles.completed(lake.table()).size() == 1 && LakeQuery.count("SELECT count(*) FROM " + source) == 1);
      await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(sink.status())
          .filteredOn(s -> s.partition() == 1).singleElement()
          .satisfies(s -> assertThat(s.completeUpTo()).isAfterOrEqualTo(sent.minusMillis(1))));
    }
  }
}
