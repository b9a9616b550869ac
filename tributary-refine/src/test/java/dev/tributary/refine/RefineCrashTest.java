package dev.tributary.refine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tributary.testkit.KafkaExtension;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Refine JVMs SIGKILLed again and again while events flow, with a second instance joining and
 * dying so partitions and their dedup state move between them: the refined topic, read as
 * read_committed, has every event once.
 */
class RefineCrashTest {
  @RegisterExtension static final KafkaExtension kafka = KafkaExtension.broker();
  @TempDir Path dir;
  private final List<Process> children = new ArrayList<>();

  @AfterEach
  void killChildren() {
    children.forEach(Process::destroyForcibly);
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
    Map<String, Long> perId = refined.stream().collect(Collectors.groupingBy(r -> RawEvents.header(r, "event_id"), Collectors.counting()));
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
      List<String> cmd = List.of(ProcessHandle.current().info().command().orElse("java"), "-Xmx256m", "-cp",
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
}
