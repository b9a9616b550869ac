package dev.tributary.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tributary.testkit.KafkaExtension;
import java.net.URI;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole pipeline as users run it, in separate processes: {@code serve --kafka} (capture and
 * the forwarder) → topic {@code events} → {@code refine} → {@code events.refined} → {@code sink}
 * → lake. A client sends 100,000 events, repeating 1% of its acknowledged requests with the same
 * event_ids; meanwhile capture, refine and the sink are each killed with SIGKILL at random moments
 * and restarted. At the end DuckDB over the lake finds every acknowledged event_id exactly once.
 * Replay with -Dpipeline.crash.seed=N.
 */
class PipelineCrashTest {
  @RegisterExtension static final KafkaExtension kafka = KafkaExtension.broker();
  private static final int EVENTS = 100_000;
  private static final int KILLS_EACH = 2;
  /**
   * A killed member's partitions move after 6 s instead of the default 45, and a killed refine's
   * open transaction is aborted after 5 s, to keep the test short.
   */
  static final String FAST_SESSION = "session.timeout.ms=6000";
  @TempDir Path dir;

  private record Component(String name, String[] args, int port) {}

  @Test
  void everyAcknowledgedEventLandsExactlyOnceThroughKillsOfEveryStage() throws Exception {
    long seed = Long.getLong("pipeline.crash.seed", System.nanoTime());
    System.out.println("PipelineCrashTest seed " + seed + " (replay with -Dpipeline.crash.seed=" + seed + ")");
    Random random = new Random(seed);
    createTopics("events", "events.refined");
    Path lake = dir.resolve("lake");
    Component capture = component("serve", port -> new String[] {"serve", "--port", port, "--data-dir", dir.resolve("data").toString(),
        "--kafka", kafka.bootstrapServers(), "--topic", "events"});
    Component refine = component("refine", port -> new String[] {"refine", "--port", port, "--kafka", kafka.bootstrapServers(),
        "--input", "events", "--output", "events.refined", "--state-dir", dir.resolve("refine").toString(),
        "--streams-property", "consumer." + FAST_SESSION, "--streams-property", "consumer.heartbeat.interval.ms=1000",
        "--streams-property", "producer.transaction.timeout.ms=5000", "--streams-property", "commit.interval.ms=100"});
    Component sink = component("sink", port -> new String[] {"sink", "--port", port, "--kafka", kafka.bootstrapServers(),
        "--topics", "events.refined", "--lake", lake.toString(), "--max-file-age", "5s", "--consumer-property", FAST_SESSION});
    List<Component> kills = new ArrayList<>();
    for (int i = 0; i < KILLS_EACH; i++) kills.addAll(List.of(capture, refine, sink));
    Collections.shuffle(kills, random);

    Set<String> acknowledged = ConcurrentHashMap.newKeySet();
    SteadyClient client = new SteadyClient(URI.create("http://127.0.0.1:" + capture.port() + "/v1/events"), acknowledged, 100, 0.01, seed, EVENTS);
    Map<Component, ServeProcess> running = new ConcurrentHashMap<>();
    long started = System.nanoTime();
    System.out.println("starting serve, refine and the sink");
    Thread clientThread = null;
    try {
      for (Component c : List.of(capture, refine, sink)) running.put(c, start(c));
      System.out.printf("%5.1f s: serve, refine and the sink ready%n", seconds(started));
      clientThread = Thread.ofPlatform().name("pipeline-client").start(client);
      for (Component victim : kills) {
        Thread.sleep(1000 + random.nextInt(2500));
        running.remove(victim).kill();
        System.out.printf("%5.1f s: killed %s with SIGKILL at %,d acknowledged events%n", seconds(started), victim.name(), acknowledged.size());
        running.put(victim, start(victim));
        System.out.printf("%5.1f s: %s ready again%n", seconds(started), victim.name());
      }
      Awaitility.await("the client's " + EVENTS + " events").atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(200))
          .until(() -> acknowledged.size() >= EVENTS);
      clientThread.join(Duration.ofSeconds(30));
      System.out.printf("%5.1f s: the client is done%n", seconds(started));
      stopGracefully(running.remove(capture), "serve");
      Awaitility.await("every acknowledged event in the lake").atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofSeconds(1))
          .until(() -> LakeFiles.eventIdCounts(lake).keySet().containsAll(acknowledged));
      System.out.printf("%5.1f s: every acknowledged event is in the lake%n", seconds(started));
      stopGracefully(running.remove(refine), "refine");
      stopGracefully(running.remove(sink), "sink");
      System.out.printf("%5.1f s: refine and the sink stopped%n", seconds(started));
    } finally {
      client.stop.set(true);
      running.values().forEach(ServeProcess::close);
    }

    long rows;
    long distinct;
    Set<String> landed;
    try (Connection db = DriverManager.getConnection("jdbc:duckdb:"); Statement st = db.createStatement()) {
      String files = LakeFiles.completed(lake).stream().map(f -> "'" + f + "'").collect(Collectors.joining(","));
      String from = "read_json_auto([" + files + "], hive_partitioning = true, timestampformat = 'iso')";
      ResultSet rs = st.executeQuery("SELECT count(*), count(DISTINCT event_id) FROM " + from);
      rs.next();
      rows = rs.getLong(1);
      distinct = rs.getLong(2);
      landed = new HashSet<>();
      ResultSet ids = st.executeQuery("SELECT event_id FROM " + from);
      while (ids.next()) landed.add(ids.getString(1));
    }
    System.out.printf("%5.1f s: the lake read back with DuckDB%n", seconds(started));
    System.out.printf("%,d acknowledged events (%d requests repeated on purpose, %d failed attempts); the lake holds %,d rows, "
        + "%,d distinct event_ids%n", acknowledged.size(), client.repeatedRequests.get(), client.failedAttempts.get(), rows, distinct);
    assertThat(client.repeatedRequests.get()).as("requests repeated on purpose").isPositive();
    assertThat(rows).as("rows in the lake: each event_id exactly once").isEqualTo(distinct);
    Set<String> missing = new HashSet<>(acknowledged);
    missing.removeAll(landed); // not AssertJ's containsAll: it scans the actual set once per element
    assertThat(missing).as("acknowledged events missing from the lake").isEmpty();
  }

  private static double seconds(long since) {
    return (System.nanoTime() - since) / 1e9;
  }

  private static void stopGracefully(ServeProcess p, String name) throws InterruptedException {
    int code = p.terminate(Duration.ofSeconds(90));
    assertThat(code).as("%s exit code after SIGTERM; its log ends:%n%s", name, tail(p.output())).isZero();
  }

  private static String tail(String log) {
    return log.substring(Math.max(0, log.length() - 4000));
  }

  private Component component(String name, Function<String, String[]> args) throws Exception {
    int port = ServeProcess.freePort();
    return new Component(name, args.apply(String.valueOf(port)), port);
  }

  private ServeProcess start(Component c) throws Exception {
    ServeProcess p = ServeProcess.start(dir.resolve(c.name() + ".log"), Map.of(), c.args());
    p.awaitReady(c.port());
    return p;
  }

  private static void createTopics(String... names) throws Exception {
    Properties props = new Properties();
    props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    try (Admin admin = Admin.create(props)) {
      List<NewTopic> topics = Arrays.stream(names).map(n -> new NewTopic(n, 3, (short) 1)).toList();
      admin.createTopics(topics).all().get();
    }
  }
}
