package dev.tributary.refine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tributary.event.Envelope;
import dev.tributary.event.EnvelopeFields;
import dev.tributary.testkit.KafkaExtension;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Refine against a real broker: what reaches the refined topic, as a read_committed reader sees it;
 * in this JVM, and in child JVMs SIGKILLed under load while a second instance joins and dies.
 */
class RefinerTest {
  @RegisterExtension static final KafkaExtension kafka = KafkaExtension.broker();
  @TempDir Path state;
  @TempDir Path dir;
  private final List<Process> children = new ArrayList<>();

  @AfterEach
  void killChildren() {
    children.forEach(Process::destroyForcibly);
  }


  private RefineConfig config(String in, String out, String app) {
    return RefineConfig.defaults(kafka.bootstrapServers(), state).withTopics(List.of(in), out).withApplicationId(app)
        .withStreamsProperties(RawEvents.fastStreams());
  }

  @Test
  void eventIdsSeenWithinTheWindowAreDroppedWhateverTheirOrder() throws Exception {
    RawEvents.createTopic(kafka.bootstrapServers(), "dup.raw", 3);
    long now = System.currentTimeMillis();
    int unique = 300;
    try (KafkaProducer<byte[], byte[]> p = RawEvents.producer(kafka.bootstrapServers())) {
      for (int i = 0; i < unique; i++) p.send(RawEvents.record("dup.raw", null, "e-" + i, "u-" + (i % 17), now + i));
      // Client retries (later received_at), and a copy captured by another node a minute earlier.
      for (int i = 0; i < unique; i += 3) p.send(RawEvents.record("dup.raw", null, "e-" + i, "u-" + (i % 17), now + i + 5_000));
      for (int i = 0; i < unique; i += 10) p.send(RawEvents.record("dup.raw", null, "e-" + i, "u-" + (i % 17), now + i - 60_000));
      // An outside producer with neither key nor headers: event_id and received_at come from the payload.
      for (int i = 0; i < 2; i++) p.send(new ProducerRecord<>("dup.raw", 0, null, RawEvents.json("outside-1", "o", now, 10)));
      // Past the dedup window (90 s here): a new event by definition.
      p.send(RawEvents.record("dup.raw", null, "e-0", "u-0", now + 200_000));
    }
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    try (Refiner refiner = Refiner.start(config("dup.raw", "dup.refined", "dup").withDedupWindow(Duration.ofSeconds(90)), registry)) {
      int produced = unique + 100 + 30 + 2 + 1;
      Awaitility.await().atMost(Duration.ofSeconds(60))
          .until(() -> registry.get("tributary.refine.events.in").counter().count() == produced);
      List<ConsumerRecord<byte[], byte[]>> refined = awaitCount("dup.refined", unique + 2);
      Map<String, Long> perId = refined.stream().collect(Collectors.groupingBy(r -> RawEvents.header(r, Envelope.EVENT_ID) == null
          ? EnvelopeFields.read(r.value()).eventId() : RawEvents.header(r, Envelope.EVENT_ID), Collectors.counting()));
      assertThat(perId).hasSize(unique + 1).containsEntry("e-0", 2L).containsEntry("outside-1", 1L);
      assertThat(perId.values().stream().filter(n -> n != 1)).hasSize(1);
      assertThat(registry.get("tributary.refine.duplicates.dropped").counter().count()).isEqualTo(100 + 30 + 1);
      assertThat(registry.scrape()).contains("tributary_refine_streams_state{state=\"RUNNING\"} 1");
    }
  }

  @Test
  void shuffledEventsComeOutInReceivedAtOrderPerPartitionAndLateOnesFlagged() throws Exception {
    long seed = Long.getLong("refine.seed", System.nanoTime());
    System.out.println("reorder test seed " + seed + " (replay with -Drefine.seed=" + seed + ")");
    Random random = new Random(seed);
    RawEvents.createTopic(kafka.bootstrapServers(), "ro.raw", 2);
    long base = System.currentTimeMillis();
    List<ProducerRecord<byte[], byte[]>> batch = new ArrayList<>();
    for (int i = 0; i < 400; i++) batch.add(RawEvents.record("ro.raw", null, "r-" + i, "u-" + i, base + i * 5L));
    Collections.shuffle(batch, random); // 2 s of capture time, arriving in any order: within the 5 s window
    try (KafkaProducer<byte[], byte[]> p = RawEvents.producer(kafka.bootstrapServers())) {
      batch.forEach(p::send);
    }
    // Produced before refine starts, so that a stall of this loaded machine between records cannot
    // pass for an idle partition and flush it early (records after such a flush are late, by design).
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    try (Refiner refiner = Refiner.start(config("ro.raw", "ro.refined", "ro").withReorderWindow(Duration.ofSeconds(5)), registry);
         KafkaProducer<byte[], byte[]> p = RawEvents.producer(kafka.bootstrapServers())) {
      // The batch spans less than the window: only the idle punctuation can let it out.
      List<ConsumerRecord<byte[], byte[]>> refined = awaitCount("ro.refined", 400);
      for (int partition = 0; partition < 2; partition++) {
        int part = partition;
        List<Long> times = refined.stream().filter(r -> r.partition() == part).map(RawEvents::receivedAt).toList();
        assertThat(times).hasSizeGreaterThan(100).isSorted();
      }
      assertThat(refined).hasSize(400).noneMatch(r -> RawEvents.header(r, Envelope.LATE) != null);

      p.send(RawEvents.record("ro.raw", 0, "too-late", "u-late", base - 10_000)).get();
      List<ConsumerRecord<byte[], byte[]>> withLate = awaitCount("ro.refined", 401);
      ConsumerRecord<byte[], byte[]> late = withLate.stream().filter(r -> "too-late".equals(RawEvents.header(r, Envelope.EVENT_ID))).findFirst().orElseThrow();
      assertThat(RawEvents.header(late, Envelope.LATE)).isEqualTo("true");
      assertThat(registry.get("tributary.refine.late.events").counter().count()).isEqualTo(1);
      assertThat(registry.get("tributary.refine.reorder.buffered").gauge().value()).isZero();
    }
  }

  @Test
  void killedAndRebalancedRefineWritesEveryEventExactlyOnce() throws Exception {
    long seed = Long.getLong("refine.seed", System.nanoTime());
    System.out.println("crash test seed " + seed + " (replay with -Drefine.seed=" + seed + ")");
    Random random = new Random(seed);
    RawEvents.createTopic(kafka.bootstrapServers(), "crash.raw", 4);
    int events = 20_000;
    AtomicInteger sent = new AtomicInteger();
    Thread load = Thread.ofPlatform().start(() -> produce(events, new Random(seed), sent));

    Instance a = new Instance("a");
    Instance b = new Instance("b");
    a.start();
    b.start(); // rebalance: a hands partitions and their dedup state over to b
    pause(random);
    a.kill(); // b takes every partition, a's open transactions aborted
    a.start();
    pause(random);
    b.kill();
    pause(random);
    a.kill();
    a.start(); // alone now: restores all the state from the changelogs
    load.join();
    System.out.println(java.time.LocalTime.now() + " sent " + sent.get() + " records for " + events + " events");

    List<ConsumerRecord<byte[], byte[]>> refined = new ArrayList<>();
    Awaitility.await("every event in the refined topic").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(1)).until(() -> {
      refined.clear();
      refined.addAll(RawEvents.readCommitted(kafka.bootstrapServers(), "crash.refined"));
      return refined.size() >= events;
    });
    System.out.println(java.time.LocalTime.now() + " all in the refined topic");
    assertThat(a.terminate()).isZero();
    refined.clear();
    refined.addAll(RawEvents.readCommitted(kafka.bootstrapServers(), "crash.refined"));
    Map<String, Long> perId = refined.stream().collect(Collectors.groupingBy(r -> RawEvents.header(r, Envelope.EVENT_ID), Collectors.counting()));
    assertThat(perId).hasSize(events);
    assertThat(perId.entrySet().stream().filter(e -> e.getValue() > 1).map(Map.Entry::getKey).toList()).isEmpty();
  }

  private static void pause(Random random) throws InterruptedException {
    Thread.sleep(1000 + random.nextInt(2000));
  }

  /** {@code events} distinct events, 5% of them sent a second time a little later (a client retry). */
  private void produce(int events, Random random, AtomicInteger sent) {
    long base = System.currentTimeMillis();
    try (KafkaProducer<byte[], byte[]> p = RawEvents.producer(kafka.bootstrapServers())) {
      for (int i = 0; i < events; i++) {
        p.send(RawEvents.record("crash.raw", null, "c-" + i, "u-" + (i % 101), base + i));
        sent.incrementAndGet();
        if (random.nextInt(20) == 0) {
          int j = Math.max(0, i - random.nextInt(500));
          p.send(RawEvents.record("crash.raw", null, "c-" + j, "u-" + (j % 101), base + i + 1));
          sent.incrementAndGet();
        }
        if (i % 200 == 0) Thread.sleep(100); // ~2,000 events/s for ~10 s
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** One refine JVM with its own state directory, as on its own machine. */
  private final class Instance {
    private final String name;
    private Process process;
    private Path log;

    Instance(String name) {
      this.name = name;
    }

    void start() throws IOException {
      log = dir.resolve(name + "-" + System.nanoTime() + ".log");
      List<String> cmd = List.of(ProcessHandle.current().info().command().orElse("java"), "-Xmx256m",
          "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-cp",
          System.getProperty("java.class.path"), RefineChild.class.getName(), kafka.bootstrapServers(), "crash.raw",
          "crash.refined", "crash", dir.resolve("state-" + name).toString(), "0");
      process = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
      children.add(process);
      Awaitility.await(name + " started").atMost(Duration.ofSeconds(60)).until(() -> {
        if (!process.isAlive()) throw new AssertionError(name + " exited:\n" + Files.readString(log));
        return Files.readString(log).contains("started");
      });
      System.out.println(java.time.LocalTime.now() + " started " + name);
    }

    void kill() throws InterruptedException {
      process.destroyForcibly();
      process.waitFor();
      System.out.println(java.time.LocalTime.now() + " SIGKILLed " + name);
    }

    int terminate() throws Exception {
      process.destroy();
      if (!process.waitFor(60, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new AssertionError(name + " did not stop within 60 s of SIGTERM");
      }
      return process.exitValue();
    }
  }

  private static List<ConsumerRecord<byte[], byte[]>> awaitCount(String topic, int count) {
    List<List<ConsumerRecord<byte[], byte[]>>> last = new ArrayList<>();
    Awaitility.await("committed records in " + topic).atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(300)).until(() -> {
      last.clear();
      last.add(RawEvents.readCommitted(kafka.bootstrapServers(), topic));
      return last.get(0).size() >= count;
    });
    return last.get(0);
  }
}
