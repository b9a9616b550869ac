package dev.tributary.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
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

  /** Sends one request of 1-5 events every few milliseconds; retries the same request until it gets 200. */
  private static final class SteadyClient implements Runnable {
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofMillis(500)).build();
    private final URI uri;
    private final Set<String> acknowledged;
    final AtomicBoolean stop = new AtomicBoolean();
    private final AtomicBoolean stopAfterCurrent = new AtomicBoolean();
    final AtomicInteger requestsAcknowledged = new AtomicInteger();

    SteadyClient(URI uri, Set<String> acknowledged) {
      this.uri = uri;
      this.acknowledged = acknowledged;
    }

    void finishCurrentRequestAndStop() {
      stopAfterCurrent.set(true);
    }

    @Override
    public void run() {
      int seq = 0;
      while (!stop.get() && !stopAfterCurrent.get()) {
        List<String> ids = new ArrayList<>();
        StringBuilder body = new StringBuilder();
        int events = 1 + seq % 5;
        for (int i = 0; i < events; i++) {
          String id = "req" + seq + "-ev" + i;
          ids.add(id);
          body.append("{\"event\":\"").append(i % 2 == 0 ? "page_view" : "click").append("\",\"event_id\":\"").append(id)
              .append("\",\"n\":").append(seq).append("}\n");
        }
        seq++;
        while (!stop.get()) {
          if (send(body.toString())) {
            acknowledged.addAll(ids);
            requestsAcknowledged.incrementAndGet();
            break;
          }
          pause(20);
        }
        pause(3);
      }
    }

    private boolean send(String body) {
      try {
        HttpRequest request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(2))
            .header("Content-Type", "application/x-ndjson").POST(HttpRequest.BodyPublishers.ofString(body)).build();
        return http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
      } catch (Exception e) {
        return false;
      }
    }

    private static void pause(long millis) {
      try {
        Thread.sleep(millis);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
