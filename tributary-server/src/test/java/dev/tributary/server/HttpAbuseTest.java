package dev.tributary.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code serve} and {@code bus} as a user runs them, attacked over raw sockets ({@link HttpAbuse})
 * while a well-formed client writes beside: every attack is answered or closed, the server stays
 * up and leaks no connection, the well-formed client gets every 200 in time, and what is stored
 * is exactly what was acknowledged.
 */
class HttpAbuseTest {
  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
  private static final int IDLE_CONNECTIONS = 1_000;
  private static final int QUIET_REQUESTS = 300;
  /** Each slow reader sends 20 MiB of requests: more than the socket buffers of both ends take. */
  private static final int SLOW_READERS = 4;
  private static final int SLOW_READER_REQUESTS = 5_000;
  private static final Duration SLOWEST_ANSWER = Duration.ofSeconds(5);

  @TempDir Path dir;

  @Test
  void serveAnswersOrClosesEveryAttackAndStoresOnlyWhatItAcknowledged() throws Exception {
    Path data = dir.resolve("data");
    try (ServeProcess serve = ServeProcess.start(dir.resolve("serve.log"), Map.of(), "serve", "--port", "0", "--data-dir", data.toString())) {
      int port = serve.awaitListening();
      HttpAbuse.Target target = new HttpAbuse.Target(port, "/v1/events", "application/x-ndjson",
          id -> "{\"event\":\"abuse\",\"event_id\":\"" + id + "\"}\n", "/v1/events", "{\"event\":\"abuse\",\"event_id\":\"abuse-refused\"");
      TimedClient client = new TimedClient(URI.create("http://127.0.0.1:" + port + "/v1/events"), "application/x-ndjson",
          n -> "steady-" + n, n -> "{\"event\":\"steady\",\"event_id\":\"steady-" + n + "\"}\n");
      HttpAbuse abuse = attack("serve", serve, port, target, client);
      assertThat(serve.terminate(Duration.ofSeconds(60))).as(serve.output()).isZero();
      Map<String, List<JsonNode>> stored = LakeEvents.byId(data);
      assertThat(stored.values()).as("each acknowledged event once").allSatisfy(copies -> assertThat(copies).hasSize(1));
      assertStoredIsAcknowledged(stored.keySet(), acknowledged(client, abuse));
    }
  }

  @Test
  void busAnswersOrClosesEveryAttackAndStoresOnlyWhatItAcknowledged() throws Exception {
    Path data = dir.resolve("data");
    try (ServeProcess bus = ServeProcess.start(dir.resolve("bus.log"), Map.of(), "bus", "--port", "0", "--data-dir", data.toString(),
        "--instance", "n1")) {
      int port = bus.awaitListeningPort("bus");
      bus.awaitReady(port);
      HttpAbuse.Target target = new HttpAbuse.Target(port, "/write?category=steady", "text/plain", id -> id + "\n",
          "/write?category=..%2Fescape", "abuse-refused\n");
      TimedClient client = new TimedClient(URI.create("http://127.0.0.1:" + port + "/write?category=steady"), "text/plain",
          n -> "steady-" + n, n -> "steady-" + n + "\n");
      HttpAbuse abuse = attack("bus", bus, port, target, client);
      assertThat(bus.terminate(Duration.ofSeconds(60))).as(bus.output()).isZero();
      List<String> stored = new ArrayList<>();
      try (Stream<Path> files = Files.walk(data)) {
        for (Path chunk : files.filter(p -> p.getFileName().toString().startsWith("n1-chunk")).toList()) stored.addAll(Files.readAllLines(chunk));
      }
      assertThat(new HashSet<>(stored)).as("each acknowledged message once").hasSize(stored.size());
      assertStoredIsAcknowledged(new HashSet<>(stored), acknowledged(client, abuse));
    }
  }

  /** Times the client alone, then beside the whole attack; returns the attack once the server is back to its own connections. */
  private static HttpAbuse attack(String name, ServeProcess server, int port, HttpAbuse.Target target, TimedClient client) throws Exception {
    long seed = System.nanoTime();
    System.out.println("HttpAbuseTest " + name + " seed " + seed);
    List<Long> quiet = client.runUntil(() -> true, QUIET_REQUESTS);
    long openFiles = server.openFiles();
    long residentBefore = server.residentMib();
    HttpAbuse abuse = new HttpAbuse(target, seed);
    long started = System.nanoTime();
    CompletableFuture<Void> attack = CompletableFuture.runAsync(() -> {
      try {
        abuse.holdIdle(IDLE_CONNECTIONS);
        abuse.holdSlowReaders(SLOW_READERS, "/metrics", SLOW_READER_REQUESTS);
        abuse.run(8);
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
    List<Long> attacked = client.runUntil(attack::isDone, QUIET_REQUESTS);
    attack.get(60, TimeUnit.SECONDS);
    assertThat(status(port, "/health/live")).as("alive with every held connection still open").isEqualTo(200);
    long residentAttacked = server.residentMib();
    int slowReaderRequests = abuse.slowReaderRequestsSent.get();
    abuse.release();
    long attackMillis = (System.nanoTime() - started) / 1_000_000;
    System.out.printf("HttpAbuseTest %s (seed %d), %d ms of attack:%n%s", name, seed, attackMillis, abuse.figures());
    System.out.printf("  well-formed client: %d requests alone, p99 %d ms; %d beside the attack, p99 %d ms, slowest %d ms%n", quiet.size(),
        TimedClient.p99(quiet).toMillis(), attacked.size(), TimedClient.p99(attacked).toMillis(),
        Duration.ofNanos(attacked.stream().mapToLong(Long::longValue).max().orElse(0)).toMillis());
    System.out.printf("  server resident memory: %d MiB before, %d MiB with every attacker connected; the slow readers got %d requests written%n",
        residentBefore, residentAttacked, slowReaderRequests);

    abuse.accepted.forEach(a -> System.out.println("  accepted: " + a));
    // RFC 9112 (5.2) lets a server take a folded header as one with spaces; every other lie must be refused.
    assertThat(abuse.accepted).as("hostile requests answered 200").allSatisfy(a -> assertThat(a).contains("X-Folded: a\\r\\n b"));
    assertThat(slowReaderRequests).as("requests of the slow readers written: the server must stop reading them, its answers unread")
        .isLessThan(SLOW_READERS * SLOW_READER_REQUESTS);
    assertThat(abuse.failures).as("attacks neither answered nor closed (seed " + seed + ")").isEmpty();
    assertThat(client.failures).as("well-formed requests not answered 200").isEmpty();
    assertThat(client.nanos).as("well-formed answers within " + SLOWEST_ANSWER).allSatisfy(n -> assertThat(n).isLessThan(SLOWEST_ANSWER.toNanos()));
    Awaitility.await("the server's descriptors back to " + openFiles + " once the attackers are gone").atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(100)).until(() -> server.openFiles() <= openFiles + 8);
    assertThat(status(port, "/health/live")).as("alive after the attack").isEqualTo(200);
    return abuse;
  }

  private static void assertStoredIsAcknowledged(Set<String> stored, Set<String> acknowledged) {
    Set<String> unacknowledged = new TreeSet<>(stored);
    unacknowledged.removeAll(acknowledged);
    Set<String> lost = new TreeSet<>(acknowledged);
    lost.removeAll(stored);
    assertThat(unacknowledged).as("stored but never acknowledged").isEmpty();
    assertThat(lost).as("acknowledged but not stored").isEmpty();
    assertThat(stored).as("stored").isNotEmpty();
    System.out.printf("  stored %d messages, acknowledged %d%n", stored.size(), acknowledged.size());
  }

  private static Set<String> acknowledged(TimedClient client, HttpAbuse abuse) {
    Set<String> all = new HashSet<>(client.acknowledged);
    all.addAll(abuse.acknowledged);
    return all;
  }

  private static int status(int port, String path) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.discarding()).statusCode();
  }
}
