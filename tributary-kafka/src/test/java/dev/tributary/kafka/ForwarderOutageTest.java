package dev.tributary.kafka;

import static dev.tributary.kafka.Topics.event;
import static dev.tributary.kafka.Topics.header;
import static dev.tributary.kafka.Topics.readAll;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tributary.spool.Spool;
import dev.tributary.spool.SpoolConfig;
import dev.tributary.testkit.KafkaExtension;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.CountAtBucket;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

class ForwarderOutageTest {
  @RegisterExtension static final KafkaExtension kafka = KafkaExtension.broker().withProperty("num.partitions", "3");

  @TempDir Path dir;

  @Test
  void aBrokerKilledUnderSteadyAppendsLosesNothingAndForwardingResumes() throws Exception {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    Set<String> acknowledged = ConcurrentHashMap.newKeySet();
    AtomicBoolean appending = new AtomicBoolean(true);
    AtomicLong failedAppends = new AtomicLong();
    try (Spool spool = Spool.open(SpoolConfig.defaults(dir.resolve("spool")));
         SpoolForwarder f = SpoolForwarder.start(spool, ForwarderConfig.defaults(kafka.bootstrapServers(), dir.resolve("dead"))
             .withTopic("outage").withMaxBackoff(Duration.ofSeconds(1)), registry)) {
      Thread appender = Thread.ofPlatform().name("appender").start(() -> appendSteadily(spool, appending, acknowledged, failedAppends));

      await().atMost(Duration.ofSeconds(30)).until(() -> registry.get("tributary.forwarder.sent").counter().count() > 500);
      kafka.firstBroker().kill();
      long killedAt = System.nanoTime();
      await().atMost(Duration.ofSeconds(15)).until(() -> !f.kafkaReachable());
      int before = acknowledged.size();
      // The outage itself: appends go on while nothing reaches Kafka.
      await().pollDelay(Duration.ofSeconds(12)).atMost(Duration.ofSeconds(13)).until(() -> true);
      assertThat(acknowledged.size()).as("appends acknowledged during the outage").isGreaterThan(before + 1000);
      assertThat(f.lag().records()).isGreaterThan(1000);
      assertThat(registry.get("tributary.forwarder.kafka.reachable").gauge().value()).isZero();
      assertThat(f.drain(Duration.ofSeconds(1))).as("drain cannot finish while Kafka is down").isFalse();
      System.out.printf("outage: %d s, lag before restart %d records%n", (System.nanoTime() - killedAt) / 1_000_000_000, f.lag().records());

      kafka.firstBroker().restart();
      await().atMost(Duration.ofSeconds(30)).until(f::kafkaReachable);
      await().pollDelay(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(4)).until(() -> true);
      appending.set(false);
      appender.join();
      long drainStart = System.nanoTime();
      assertThat(f.drain(Duration.ofSeconds(60))).isTrue();
      System.out.printf("drained after restart in %d ms%n", (System.nanoTime() - drainStart) / 1_000_000);
      Timer delay = registry.get("tributary.forwarder.delay").timer();
      CountAtBucket underTen = Arrays.stream(delay.takeSnapshot().histogramCounts())
          .filter(b -> b.bucket(TimeUnit.SECONDS) == 10).findFirst().orElseThrow();
      assertThat(underTen.count()).as("the forward delay histogram shows the outage: records waited over 10 s")
          .isLessThan(delay.count());
      assertThat(registry.find("kafka.producer.record.send.total").meters())
          .as("the meters of the producer that runs now, whichever restarts there were").hasSize(1);
    }
    assertThat(failedAppends.get()).isZero();

    Map<String, Integer> seen = new HashMap<>();
    readAll(kafka.bootstrapServers(), "outage").forEach(r -> seen.merge(header(r, "event_id"), 1, Integer::sum));
    List<String> missing = new ArrayList<>(acknowledged);
    missing.removeAll(seen.keySet());
    long duplicates = seen.values().stream().mapToLong(n -> n - 1).sum();
    System.out.printf("acknowledged %d, in Kafka %d distinct, duplicates %d, producer restarts %.0f, resent %.0f%n",
        acknowledged.size(), seen.size(), duplicates,
        registry.get("tributary.forwarder.producer.restarts").counter().count(), registry.get("tributary.forwarder.resent").counter().count());
    assertThat(missing).as("acknowledged events missing from Kafka").isEmpty();
    assertThat((double) duplicates).as("duplicates only come from records re-sent after a producer restart")
        .isLessThanOrEqualTo(registry.get("tributary.forwarder.resent").counter().count());
    assertThat(seen.keySet()).containsExactlyInAnyOrderElementsOf(acknowledged);
  }

  /** About 500 events a second in batches of 5, as capture would append them. */
  private static void appendSteadily(Spool spool, AtomicBoolean appending, Set<String> acknowledged, AtomicLong failed) {
    long n = 0;
    while (appending.get()) {
      List<byte[]> batch = new ArrayList<>();
      List<String> ids = new ArrayList<>();
      for (int i = 0; i < 5; i++, n++) {
        ids.add("e-" + n);
        batch.add(event("tick", "e-" + n, "user-" + n % 17));
      }
      try {
        spool.append(batch).get();
        acknowledged.addAll(ids);
      } catch (Exception e) {
        failed.incrementAndGet();
      }
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        return;
      }
    }
  }
}
