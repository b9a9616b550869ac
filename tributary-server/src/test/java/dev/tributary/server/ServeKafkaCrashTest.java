package dev.tributary.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tributary.testkit.KafkaExtension;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kills {@code serve --kafka} with SIGKILL at random moments while a client sends events steadily
 * and the forwarder is sending them, restarts it, and at the end proves that every acknowledged
 * event_id is in Kafka and no spool record was skipped. The only records Kafka may hold twice are
 * those the forwarder had not acknowledged at a kill (measured from the spool after each kill);
 * the client's retries of stored-but-unanswered requests are counted apart, as they are distinct
 * spool records. Replay with -Dserve.kafka.crash.seed=N.
 */
class ServeKafkaCrashTest {
  @RegisterExtension static final KafkaExtension kafka = KafkaExtension.broker().withProperty("num.partitions", "3");
  private static final int ROUNDS = 6;
  @TempDir Path dir;

  @Test
  void everyAcknowledgedEventReachesKafkaAcrossKillsWithDuplicatesOnlyFromTheUnacknowledgedWindow() throws Exception {
    long seed = Long.getLong("serve.kafka.crash.seed", System.nanoTime());
    System.out.println("ServeKafkaCrashTest seed " + seed + " (replay with -Dserve.kafka.crash.seed=" + seed + ")");
    Random random = new Random(seed);
    int port = ServeProcess.freePort();
    Path data = dir.resolve("data");
    String[] args = {"serve", "--port", String.valueOf(port), "--data-dir", data.toString(), "--kafka", kafka.bootstrapServers(),
        "--topic", "crash"};
    Set<String> acknowledged = ConcurrentHashMap.newKeySet();
    SteadyClient client = new SteadyClient(URI.create("http://127.0.0.1:" + port + "/v1/events"), acknowledged);
    Thread clientThread = Thread.ofPlatform().name("steady-client").start(client);
    long unacknowledgedAtKills = 0;
    long finalNextOffset;
    try {
      for (int round = 0; round < ROUNDS; round++) {
        try (ServeProcess server = ServeProcess.start(dir.resolve("serve.log"), Map.of(), args)) {
          server.awaitReady(port);
          Thread.sleep(500 + random.nextInt(1500));
          server.kill();
        }
        KafkaTopics.Forwarded f = KafkaTopics.forwarded(data.resolve("spool"));
        unacknowledgedAtKills += f.behind();
        System.out.printf("round %d: killed at spool offset %d, forwarder acknowledged up to %d (%d not acknowledged)%n",
            round, f.nextOffset(), f.committed(), f.behind());
      }
      try (ServeProcess server = ServeProcess.start(dir.resolve("serve.log"), Map.of(), args)) {
        server.awaitReady(port);
        client.finishCurrentRequestAndStop();
        clientThread.join(Duration.ofSeconds(60));
        assertThat(server.terminate(Duration.ofSeconds(90))).as("exit code after SIGTERM").isZero();
      }
      KafkaTopics.Forwarded end = KafkaTopics.forwarded(data.resolve("spool"));
      assertThat(end.behind()).as("records left unforwarded after the drain").isZero();
      finalNextOffset = end.nextOffset();
    } finally {
      client.stop.set(true);
    }

    Map<Long, Integer> copiesByOffset = new HashMap<>();
    Map<String, Set<Long>> offsetsById = new HashMap<>();
    for (ConsumerRecord<byte[], byte[]> r : KafkaTopics.readAll(kafka.bootstrapServers(), "crash")) {
      long offset = Long.parseLong(KafkaTopics.header(r, "spool_offset"));
      copiesByOffset.merge(offset, 1, Integer::sum);
      offsetsById.computeIfAbsent(KafkaTopics.header(r, "event_id"), id -> new HashSet<>()).add(offset);
    }
    long resent = copiesByOffset.values().stream().mapToLong(c -> c - 1).sum();
    long retried = offsetsById.values().stream().mapToLong(o -> o.size() - 1).sum();
    System.out.printf("%d spool records, %d acknowledged event_ids; in Kafka %d records: %d sent twice by the forwarder "
            + "(bound: %d unacknowledged at the %d kills), %d extra copies from client retries of unanswered requests%n",
        finalNextOffset, acknowledged.size(), copiesByOffset.values().stream().mapToLong(c -> c).sum(), resent,
        unacknowledgedAtKills, ROUNDS, retried);

    assertThat(acknowledged).as("the client got acknowledgements").hasSizeGreaterThan(500);
    assertThat(acknowledged).allSatisfy(id -> assertThat(offsetsById).as("acknowledged event %s in Kafka", id).containsKey(id));
    assertThat(copiesByOffset.keySet()).as("every spool record in Kafka, none skipped").hasSize((int) finalNextOffset);
    assertThat(resent).as("records the forwarder sent twice").isLessThanOrEqualTo(unacknowledgedAtKills);
  }
}
