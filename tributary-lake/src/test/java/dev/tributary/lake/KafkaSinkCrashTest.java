package dev.tributary.lake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tributary.testkit.KafkaExtension;
import dev.tributary.testkit.S3Extension;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Exactly once under faults: events flow into a three-partition topic while sink members in
 * child JVMs are killed with SIGKILL at random moments ({@value #DEFAULT_KILLS} times or
 * {@code -Dsink.crash.kills}) and a second member joins and is killed too. A member then finishes
 * the topic. DuckDB must count every event_id once, and the lake must hold byte for byte the files
 * of a clean run of one member over the same topic. The seed is printed; {@code -Dseed=} replays it.
 */
class KafkaSinkCrashTest {

  static final int DEFAULT_KILLS = 10;
  private static final int KILLS = Integer.getInteger("sink.crash.kills", DEFAULT_KILLS);
  private static final int EVENTS = Integer.getInteger("sink.crash.events", 100_000);
  /** Fewer on S3, where each of the smaller files is a PUT to a server sharing the test machine's cores. */
  private static final int EVENTS_S3 = Integer.getInteger("sink.crash.events.s3", 30_000);
  private static final Instant T0 = Instant.parse("2026-11-23T13:00:00.000Z");
  private static final List<String> TYPES = List.of("page_view", "signup", "purchase");

  // short sessions so a killed dynamic member's partitions move within seconds
  @RegisterExtension static final KafkaExtension kafka = KafkaExtension.broker()
      .withProperty("group.min.session.timeout.ms", "1000");
  @RegisterExtension static final S3Extension s3 = new S3Extension();
  private static final AtomicInteger names = new AtomicInteger();

  @TempDir Path tmp;

  /** The sink of this test: files complete by records, bytes or a 1 h received_at span only (no wall-clock cut). */
  static KafkaSinkConfig config(String bootstrap, String topic, String lake, String group, URI s3Endpoint,
      String instanceId) {
    Map<String, String> consumer = new HashMap<>(KafkaSinkChild.memberProperties(instanceId));
    consumer.put("session.timeout.ms", "3000");
    consumer.put("heartbeat.interval.ms", "500");
    KafkaSinkConfig c = KafkaSinkConfig.of(bootstrap, topic, lake).withGroup(group)
        .withRolls(Duration.ofHours(1), 256 * 1024, 500).withConsumerProperties(consumer);
    return s3Endpoint == null ? c : c.withS3(s3Endpoint, true);
  }

  @ParameterizedTest
  @EnumSource(SinkTarget.class)
  void everyEventLandsOnceAndTheFilesAreThoseOfACleanRun(SinkTarget target) throws Exception {
    long seed = Long.getLong("seed", System.nanoTime());
    System.out.println("KafkaSinkCrashTest[" + target + "] seed=" + seed + " (replay with -Dseed=" + seed + ")");
    Random random = new Random(seed);
    String bootstrap = kafka.bootstrapServers();
    String topic = "crash-" + names.incrementAndGet();
    KafkaTopics.create(bootstrap, topic, 3);
    SinkTarget.Lake lake = target.lake(tmp, s3, "faulty-" + names.incrementAndGet());
    URI endpoint = target == SinkTarget.S3 ? s3.endpoint() : null;
    String group = "g-" + topic;

    int events = target == SinkTarget.S3 ? EVENTS_S3 : EVENTS;
    Thread producer = Thread.ofPlatform().start(() -> produce(bootstrap, topic, events, Duration.ofMillis(KILLS * 1500L)));
    Member a = member(bootstrap, topic, lake, group, endpoint, "a", 0);
    Member b = null;
    for (int kill = 1; kill <= KILLS; kill++) {
      if (kill == 2) b = member(bootstrap, topic, lake, group, endpoint, null, kill);  // joins
      boolean killB = b != null && kill == 6;
      Member victim = killB ? b : a;
      victim.awaitAssigned();
      Thread.sleep(random.nextInt(1200)); // a random moment of its work: reading, writing, publishing, committing
      victim.process().destroyForcibly().waitFor();  // SIGKILL
      System.out.println("kill " + kill + ": SIGKILLed member " + (killB ? "b (it leaves)" : "a"));
      if (killB) b = null;
      else a = member(bootstrap, topic, lake, group, endpoint, "a", kill);
    }
    a.process().destroyForcibly().waitFor();
    if (b != null) b.process().destroyForcibly().waitFor();
    producer.join();
    assertThat(KafkaTopics.committedSum(bootstrap, group)).as("offsets the killed members committed")
        .isBetween(1L, events - 1L);

    // a member takes over and finishes the topic; a clean run reads the same topic once
    runToEnd(bootstrap, topic, lake, group, endpoint, events);
    SinkTarget.Lake clean = target.lake(tmp, s3, "clean-" + names.incrementAndGet());
    runToEnd(bootstrap, topic, clean, "clean-" + group, endpoint, events);

    String source = LakeQuery.ndjson(lake.table(), ".ndjson.gz");
    assertThat(LakeQuery.rows("SELECT count(*), count(DISTINCT event_id) FROM " + source).getFirst())
        .containsExactly((long) events, (long) events);
    Map<String, byte[]> faulty = files(lake.table());
    Map<String, byte[]> expected = files(clean.table());
    assertThat(faulty.keySet()).hasSizeGreaterThan(events / 1000).isEqualTo(expected.keySet());
    for (var e : expected.entrySet()) assertThat(faulty.get(e.getKey())).as(e.getKey()).isEqualTo(e.getValue());
  }

  private static void runToEnd(String bootstrap, String topic, SinkTarget.Lake lake, String group, URI endpoint,
      int events) throws Exception {
    try (KafkaLakeSink sink = KafkaLakeSink.start(config(bootstrap, topic, lake.uri(), group, endpoint, "a"),
        new SimpleMeterRegistry())) {
      await().atMost(Duration.ofSeconds(90)).until(() -> {
        List<KafkaLakeSink.PartitionStatus> s = sink.status();
        return s.size() == 3 && s.stream().mapToLong(KafkaLakeSink.PartitionStatus::position).sum() == events;
      });
      assertThat(sink.stop(Duration.ofSeconds(60))).isTrue();
    }
    assertThat(KafkaTopics.committedToEnd(bootstrap, group, topic, 3)).isTrue();
  }

  /** A member JVM and its log. */
  private record Member(Process process, Path log) {
    void awaitAssigned() {
      await().atMost(Duration.ofSeconds(60)).until(() -> {
        assertThat(process.isAlive()).as("member of log %s", log).isTrue();
        return Files.exists(log) && Files.readString(log).contains("assigned ");
      });
    }
  }

  private Member member(String bootstrap, String topic, SinkTarget.Lake lake, String group, URI endpoint,
      String instanceId, int round) throws IOException {
    String name = (instanceId == null ? "b" : instanceId) + "-" + round;
    Path log = tmp.resolve("member-" + name + ".log");
    ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
        KafkaSinkChild.class.getName(), bootstrap, topic, lake.uri(), group, endpoint == null ? "-" : endpoint.toString(),
        instanceId == null ? "-" : instanceId)
        .redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().putAll(S3Extension.childEnvironment());
    return new Member(pb.start(), log);
  }

  /** Events over three partitions, paced over {@code spread}; received_at 100 ms apart (about 3 hours for 100,000). */
  private static void produce(String bootstrap, String topic, int events, Duration spread) {
    try (KafkaProducer<byte[], byte[]> producer = KafkaTopics.producer(bootstrap)) {
      long start = System.nanoTime();
      int chunk = 1000;
      for (int i = 0; i < events; i++) {
        producer.send(new ProducerRecord<>(topic, i % 3, null,
            Events.bytes(TYPES.get((i / 7) % TYPES.size()), "e-" + i, T0.plusMillis(i * 100L), i)));
        if (i % chunk == chunk - 1) {
          long due = start + spread.toNanos() * (i + 1) / events;
          long wait = due - System.nanoTime();
          if (wait > 0) Thread.sleep(wait / 1_000_000);
        }
      }
      producer.flush();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** The published data files below {@code table}, by relative path. */
  private static Map<String, byte[]> files(Path table) throws IOException {
    Map<String, byte[]> out = new TreeMap<>();
    try (Stream<Path> s = Files.walk(table)) {
      for (Path p : s.filter(Files::isRegularFile).filter(p -> p.getFileName().toString().endsWith(".ndjson.gz")).toList()) {
        out.put(table.relativize(p).toString(), readAll(p));
      }
    }
    return out;
  }

  private static byte[] readAll(Path p) {
    try {
      return Files.readAllBytes(p);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
