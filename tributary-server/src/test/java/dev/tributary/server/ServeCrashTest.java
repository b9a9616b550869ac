package dev.tributary.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kills the whole server with SIGKILL at random moments while a client sends events at a steady
 * rate, restarts it, and at the end (after a clean SIGTERM) proves that every acknowledged
 * event_id is in the lake exactly once. The client retries a request with the same event_ids
 * until it is acknowledged, as a well-behaved SDK does, so retries of stored-but-unanswered
 * requests are exercised too. Replay with -Dserve.crash.seed=N.
 */
class ServeCrashTest {
  private static final int ROUNDS = 10;
  @TempDir Path dir;

  @Test
  void everyAcknowledgedEventLandsExactlyOnceAcrossKills() throws Exception {
    long seed = Long.getLong("serve.crash.seed", System.nanoTime());
    System.out.println("ServeCrashTest seed " + seed + " (replay with -Dserve.crash.seed=" + seed + ")");
    Random random = new Random(seed);
    int port = ServeProcess.freePort();
    Path config = dir.resolve("tributary.yaml");
    Files.writeString(config, "lake_roll_age: 1s\nspool_segment_bytes: 64KiB\n");
    String[] args = {"serve", "--port", String.valueOf(port), "--data-dir", dir.resolve("data").toString(), "--config", config.toString()};
    Set<String> acknowledged = ConcurrentHashMap.newKeySet();
    SteadyClient client = new SteadyClient(URI.create("http://127.0.0.1:" + port + "/v1/events"), acknowledged);
    Thread clientThread = Thread.ofPlatform().name("steady-client").start(client);
    try {
      for (int round = 0; round < ROUNDS; round++) {
        try (ServeProcess server = ServeProcess.start(dir.resolve("serve.log"), Map.of(), args)) {
          server.awaitReady(port);
          long acksBefore = client.requestsAcknowledged.get();
          Thread.sleep(200 + random.nextInt(1300));
          server.kill();
          System.out.printf("round %d: killed after %d more acknowledged requests%n", round, client.requestsAcknowledged.get() - acksBefore);
        }
      }
      try (ServeProcess server = ServeProcess.start(dir.resolve("serve.log"), Map.of(), args)) {
        server.awaitReady(port);
        client.finishCurrentRequestAndStop();
        clientThread.join(Duration.ofSeconds(60));
        assertThat(server.terminate(Duration.ofSeconds(90))).as("exit code after SIGTERM").isZero();
      }
    } finally {
      client.stop.set(true);
    }
    Map<String, Integer> landed = LakeFiles.eventIdCounts(dir.resolve("data/lake"));
    assertThat(acknowledged).as("the client got acknowledgements").hasSizeGreaterThan(100);
    assertThat(acknowledged).allSatisfy(id -> assertThat(landed.get(id)).as("copies of acknowledged event %s", id).isEqualTo(1));
    assertThat(landed.entrySet()).allSatisfy(e -> assertThat(e.getValue()).as("copies of %s", e.getKey()).isEqualTo(1));
  }
}
