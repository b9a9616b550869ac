package dev.tributary.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tributary.testkit.KafkaExtension;
import dev.tributary.testkit.TopicReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.clients.admin.TopicDescription;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pipeline as a cluster runs it: three KRaft brokers (topics with replication factor 3 and
 * {@code min.insync.replicas=2}; the forwarder, refine and the drain produce with {@code acks=all}),
 * three {@code serve --kafka} capture nodes, two {@code refine} instances and two {@code sink}
 * members writing one filesystem lake. A client spreads its requests over the capture nodes and
 * retries a failed one on another node with the same event_ids (and repeats 1% of its acknowledged
 * requests on another node on purpose). While it sends:
 * <ol>
 *   <li>a broker is SIGKILLed and restarted, then the controller quorum's leader is;
 *   <li>every instance is restarted with SIGTERM, one at a time in each stage, the stages side by side
 *       (a rolling deploy), then one instance of each stage is SIGKILLed and restarted, side by side;
 *   <li>a capture node is SIGKILLed for good and its spool handed to {@code tributary drain}, as the
 *       orphan-volume runbook (docs/deploy.md) says.
 * </ol>
 * DuckDB over the lake then finds every acknowledged event_id exactly once. The test prints the time
 * from each event's acknowledgement to its lake file (p50/p99/max) and refine's longest stall: the
 * longest span in which its committed input offsets did not move while input waited.
 *
 * <p>Scale: the issue asks for 100,000 events. Here the client is paced (a request of 1-20 events, then
 * 5 ms) so that events flow through every fault, and it stops after the last one: 60,000-80,000
 * events in the runs here. The time goes into starting and restarting JVMs, not into the events: on
 * this 2-core machine, shared with other builds (load average 20-40), seven Tributary JVMs and three
 * brokers took 30-150 s to become ready, a restart 15-70 s, and a run 11-17 minutes
 * (docs/kafka.md, "On a cluster"). As in {@link PipelineCrashTest}, a SIGKILLed refine or sink
 * member's partitions move after a 6 s session timeout (45 s by default) and refine's open
 * transaction is aborted after 5 s. Events a SIGKILLed capture node had not forwarded wait in its
 * spool until it is back (or drained): their time to the lake includes that wait.
 * Replay with -Dcluster.seed=N.
 */
class ClusterPipelineTest {
  @RegisterExtension static final KafkaExtension kafka = KafkaExtension.cluster(3)
      .withProperty("min.insync.replicas", "2")
      .withProperty("transaction.state.log.min.isr", "2");
  private static final String RAW = "events";
  private static final String REFINED = "events.refined";
  private static final int PARTITIONS = 6;
  /** Ten JVMs on two cores, shared with other builds: a start can take well over the usual minute. */
  private static final Duration STARTUP = Duration.ofMinutes(3);
  @TempDir Path dir;

  /** One process of a stage: the same command line and status port at every start. */
  private record Instance(String name, int port, String... args) {}

  private final Map<Instance, ServeProcess> running = new ConcurrentHashMap<>();
  private final Set<String> acknowledged = ConcurrentHashMap.newKeySet();
  private long started;

  @Test
  void everyAcknowledgedEventLandsExactlyOnceThroughBrokerLossRollingRestartsKillsAndAnAbandonedNode() throws Exception {
    long seed = Long.getLong("cluster.seed", System.nanoTime());
    System.out.println("ClusterPipelineTest seed " + seed + " (replay with -Dcluster.seed=" + seed + ")");
    Random random = new Random(seed);
    Path lake = dir.resolve("lake");
    String bootstrap = kafka.bootstrapServers();
    List<Instance> capture = new ArrayList<>();
    for (int n = 1; n <= 3; n++) {
      int port = ServeProcess.freePort();
      capture.add(new Instance("node-" + n, port, "serve", "--port", String.valueOf(port), "--data-dir", dir.resolve("node-" + n).toString(),
          "--kafka", bootstrap, "--topic", RAW, "--partitions", String.valueOf(PARTITIONS), "--replication-factor", "3"));
    }
    List<Instance> refine = new ArrayList<>();
    for (int n = 1; n <= 2; n++) {
      int port = ServeProcess.freePort();
      refine.add(new Instance("refine-" + n, port, "refine", "--port", String.valueOf(port), "--kafka", bootstrap, "--input", RAW,
          "--output", REFINED, "--replication-factor", "3", "--state-dir", dir.resolve("refine-" + n).toString(),
          "--streams-property", "consumer." + PipelineCrashTest.FAST_SESSION, "--streams-property", "consumer.heartbeat.interval.ms=1000",
          "--streams-property", "producer.transaction.timeout.ms=5000", "--streams-property", "commit.interval.ms=100"));
    }
    List<Instance> sink = new ArrayList<>();
    for (int n = 1; n <= 2; n++) {
      int port = ServeProcess.freePort();
      sink.add(new Instance("sink-" + n, port, "sink", "--port", String.valueOf(port), "--kafka", bootstrap, "--topics", REFINED,
          "--lake", lake.toString(), "--max-file-age", "5s", "--consumer-property", PipelineCrashTest.FAST_SESSION));
    }
    List<URI> nodes = capture.stream().map(c -> URI.create("http://127.0.0.1:" + c.port() + "/v1/events")).toList();
    SteadyClient client = new SteadyClient(nodes, acknowledged, 20, 0.01, seed, Integer.MAX_VALUE, 5);
    started = System.nanoTime();
    Thread clientThread = null;
    try (Admin admin = admin(bootstrap); RefineProgress progress = new RefineProgress(admin, RAW, "tributary-refine")) {
      // All at once, as an orchestrator starts them: each waits for what it needs.
      List<Instance> all = new ArrayList<>(capture);
      all.addAll(refine);
      all.addAll(sink);
      for (Instance i : all) running.put(i, launch(i));
      for (Instance i : all) running.get(i).awaitReady(i.port(), STARTUP);
      log("3 capture nodes, 2 refine instances and 2 sink members ready");
      clientThread = Thread.ofPlatform().name("cluster-client").start(client);
      progress.start();
      awaitFlow(random);

      int victim = 1 + random.nextInt(3);
      killAndRestartBroker(victim, "broker " + victim, random);
      int leader = admin.describeMetadataQuorum().quorumInfo().get(10, TimeUnit.SECONDS).leaderId();
      killAndRestartBroker(leader, "the controller leader, broker " + leader, random);

      // Each stage rolls one instance at a time; the stages roll side by side, as independent deployments do.
      for (int round = 0; round < capture.size(); round++) {
        List<Instance> wave = new ArrayList<>();
        for (List<Instance> stage : List.of(capture, refine, sink)) {
          if (round < stage.size()) wave.add(stage.get(round));
        }
        sideBySide(wave, this::rollingRestart);
        awaitFlow(random);
      }

      List<Instance> victims = new ArrayList<>();
      for (List<Instance> stage : List.of(capture, refine, sink)) victims.add(stage.get(random.nextInt(stage.size())));
      sideBySide(victims, i -> {
        long killedAt = System.nanoTime();
        running.remove(i).kill();
        restart(i);
        log("%s SIGKILLed and ready again %.1f s later", i.name(), seconds(killedAt));
      });
      awaitFlow(random);

      Instance lost = capture.get(random.nextInt(capture.size()));
      running.remove(lost).kill();
      log("%s SIGKILLed for good at %,d acknowledged events; its spool goes to tributary drain", lost.name(), acknowledged.size());
      drainOrphan(dir.resolve(lost.name()).resolve("spool"), bootstrap);
      awaitFlow(random);

      client.finishCurrentRequestAndStop();
      clientThread.join(Duration.ofSeconds(30));
      log("the client is done: %,d events acknowledged, %d requests repeated on purpose, %,d failed attempts", acknowledged.size(),
          client.repeatedRequests.get(), client.failedAttempts.get());
      for (Instance i : capture) {
        if (i != lost) stopGracefully(i);
      }
      try {
        Awaitility.await("every acknowledged event in the lake").atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofSeconds(1))
            .until(() -> LakeFiles.eventIdCounts(lake).keySet().containsAll(acknowledged));
      } catch (ConditionTimeoutException e) {
        String where;
        try {
          where = whereTheMissingAre(lake, admin, bootstrap);
        } catch (Exception unknown) {
          where = "(cannot tell where the missing events are: " + unknown + ")";
        }
        throw new AssertionError(where, e);
      }
      log("every acknowledged event is in the lake");
      progress.close();
      for (Instance i : refine) stopGracefully(i);
      for (Instance i : sink) stopGracefully(i);
      System.out.printf("refine's longest stall: %.1f s (committed input offsets unchanged while input waited), ending %.1f s into the run%n",
          progress.longestStallSeconds(), (progress.longestStallEndedNanos() - started) / 1e9);
    } catch (Throwable e) {
      printLogTails();
      throw e;
    } finally {
      client.stop.set(true);
      running.values().forEach(ServeProcess::close);
    }
    assertExactlyOnceWithLatencies(lake, client);
  }

  private void assertExactlyOnceWithLatencies(Path lake, SteadyClient client) throws Exception {
    Map<String, Integer> copies = new HashMap<>();
    Map<String, String> fileOf = new HashMap<>();
    long rows;
    try (Connection db = DriverManager.getConnection("jdbc:duckdb:"); Statement st = db.createStatement()) {
      String files = LakeFiles.completed(lake).stream().map(f -> "'" + f + "'").collect(Collectors.joining(","));
      ResultSet rs = st.executeQuery("SELECT event_id, count(*), min(filename) FROM read_json_auto([" + files
          + "], filename = true, timestampformat = 'iso') GROUP BY event_id");
      while (rs.next()) {
        copies.put(rs.getString(1), rs.getInt(2));
        fileOf.put(rs.getString(1), rs.getString(3));
      }
      rows = copies.values().stream().mapToLong(Integer::longValue).sum();
    }
    Set<String> missing = new HashSet<>(acknowledged);
    missing.removeAll(copies.keySet()); // not AssertJ's containsAll: it scans the actual set once per element
    List<String> duplicated = copies.entrySet().stream().filter(e -> e.getValue() > 1).map(Map.Entry::getKey).sorted().toList();
    System.out.printf("%,d acknowledged events; DuckDB finds %,d rows, %,d distinct event_ids, %,d missing, %,d duplicated%n",
        acknowledged.size(), rows, copies.size(), missing.size(), duplicated.size());
    printAckToLake(fileOf, client.acknowledgedAt);
    assertThat(client.repeatedRequests.get()).as("requests repeated on purpose").isPositive();
    assertThat(missing).as("acknowledged events missing from the lake").isEmpty();
    assertThat(duplicated).as("event_ids in the lake more than once").isEmpty();
  }

  /** From each acknowledgement to the completion of the lake file holding the event (the file's last write, just before its rename). */
  private void printAckToLake(Map<String, String> fileOf, Map<String, Long> acknowledgedAt) throws IOException {
    Map<String, Long> published = new HashMap<>();
    long[] latencies = new long[acknowledgedAt.size()];
    int n = 0;
    for (Map.Entry<String, Long> e : acknowledgedAt.entrySet()) {
      String file = fileOf.get(e.getKey());
      if (file == null) continue;
      long at = published.computeIfAbsent(file, f -> {
        try {
          return Files.getLastModifiedTime(Path.of(f)).toMillis();
        } catch (IOException x) {
          throw new UncheckedIOException(x);
        }
      });
      latencies[n++] = at - e.getValue();
    }
    long[] sorted = java.util.Arrays.copyOf(latencies, n);
    java.util.Arrays.sort(sorted);
    if (n == 0) return;
    System.out.printf("acknowledgement to lake, %,d events: p50 %.1f s, p99 %.1f s, max %.1f s%n", n, sorted[n / 2] / 1e3,
        sorted[(int) (n * 0.99)] / 1e3, sorted[n - 1] / 1e3);
  }

  private void killAndRestartBroker(int nodeId, String what, Random random) {
    kafka.cluster().broker(nodeId).kill();
    log("%s SIGKILLed", what);
    awaitFlow(random);
    kafka.cluster().restart(nodeId);
    log("%s serving again", what);
    awaitFullyReplicated();
    log("every partition fully replicated again");
  }

  /** Before the next broker goes: with one replica still catching up, a second loss would leave partitions below min.insync.replicas. */
  private void awaitFullyReplicated() {
    try (Admin admin = admin(kafka.bootstrapServers())) {
      Awaitility.await("every partition's replicas in sync").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500))
          .ignoreExceptions().until(() -> {
            Set<String> topics = admin.listTopics(new org.apache.kafka.clients.admin.ListTopicsOptions().listInternal(true)).names()
                .get(5, TimeUnit.SECONDS);
            Map<String, TopicDescription> described = admin.describeTopics(topics).allTopicNames().get(5, TimeUnit.SECONDS);
            return described.values().stream().flatMap(t -> t.partitions().stream()).allMatch(p -> p.isr().size() == p.replicas().size());
          });
    }
  }

  /** Events keep flowing between faults: waits for 500-1,500 more acknowledgements. */
  private void awaitFlow(Random random) {
    int target = acknowledged.size() + 500 + random.nextInt(1000);
    Awaitility.await(target + " acknowledged events").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(100))
        .until(() -> acknowledged.size() >= target);
  }

  private void drainOrphan(Path spool, String bootstrap) throws Exception {
    Path log = dir.resolve("drain.log");
    long at = System.nanoTime();
    int code = ServeProcess.run(log, Map.of(), "drain", "--spool", spool.toString(), "--kafka", bootstrap, "--topic", RAW, "--remove");
    String output = Files.readString(log);
    assertThat(code).as("drain exit status; its output:%n%s", output).isZero();
    log("tributary drain exited 0 after %.1f s: %s", seconds(at), output.lines().filter(l -> l.startsWith("drained spool"))
        .findFirst().orElse("(no summary)"));
    assertThat(spool).as("the drained spool, removed by --remove").doesNotExist();
  }

  private ServeProcess launch(Instance i) throws IOException {
    return ServeProcess.start(dir.resolve(i.name() + ".log"), Map.of(), i.args());
  }

  private void rollingRestart(Instance i) throws Exception {
    long stopAt = System.nanoTime();
    ServeProcess p = running.remove(i);
    int code = p.terminate(Duration.ofSeconds(90));
    assertThat(code).as("%s exit status after SIGTERM; its warnings and last lines:%n%s", i.name(), problems(p)).isZero();
    double stopSeconds = seconds(stopAt);
    restart(i);
    log("rolling deploy: %s stopped by SIGTERM in %.1f s, ready again %.1f s after the signal", i.name(), stopSeconds, seconds(stopAt));
  }

  private interface InstanceStep {
    void run(Instance i) throws Exception;
  }

  /** Runs {@code step} on every instance at once, each in a thread of its own; the first failure is thrown once all are done. */
  private static void sideBySide(List<Instance> instances, InstanceStep step) throws Exception {
    Map<Instance, Thread> threads = new HashMap<>();
    Map<Instance, Throwable> failures = new ConcurrentHashMap<>();
    for (Instance i : instances) {
      threads.put(i, Thread.ofPlatform().name("step-" + i.name()).start(() -> {
        try {
          step.run(i);
        } catch (Throwable e) {
          failures.put(i, e);
        }
      }));
    }
    for (Thread t : threads.values()) t.join();
    for (Instance i : instances) {
      Throwable e = failures.get(i);
      if (e instanceof Exception x) throw x;
      if (e instanceof Error x) throw x;
    }
  }

  private void restart(Instance i) throws IOException {
    ServeProcess p = launch(i);
    running.put(i, p);
    p.awaitReady(i.port(), STARTUP);
  }

  private void stopGracefully(Instance i) throws InterruptedException {
    ServeProcess p = running.remove(i);
    int code = p.terminate(Duration.ofSeconds(90));
    assertThat(code).as("%s exit status after SIGTERM; its warnings and last lines:%n%s", i.name(), problems(p)).isZero();
  }

  /** What CI's console keeps of a failure is its message: so the message carries the cause. */
  private static String problems(ServeProcess p) {
    List<String> lines = p.output().lines().filter(l -> !l.startsWith("\tat ")).toList();
    List<String> shown = new ArrayList<>(lines.stream().filter(l -> l.contains(" WARN ") || l.contains(" ERROR ")).toList());
    shown = new ArrayList<>(shown.subList(Math.max(0, shown.size() - 30), shown.size()));
    shown.add("...");
    shown.addAll(lines.subList(Math.max(0, lines.size() - 20), lines.size()));
    return String.join("\n", shown);
  }

  private void log(String format, Object... args) {
    System.out.printf("%6.1f s: %s%n", seconds(started), String.format(format, args));
  }

  private static double seconds(long since) {
    return (System.nanoTime() - since) / 1e9;
  }

  /** Which stage holds back the acknowledged events missing from the lake: what a failure must say. */
  private String whereTheMissingAre(Path lake, Admin admin, String bootstrap) throws Exception {
    Set<String> missing = new HashSet<>(acknowledged);
    missing.removeAll(LakeFiles.eventIdCounts(lake).keySet());
    return String.format("%,d acknowledged events are not in the lake, e.g. %s%n", missing.size(), missing.stream().limit(5).toList())
        + found(missing, TopicReader.readAll(bootstrap, RAW), "the raw topic")
        + found(missing, TopicReader.readAll(bootstrap, REFINED), "the refined topic, read_uncommitted")
        + found(missing, TopicReader.readCommitted(bootstrap, REFINED), "the refined topic, read_committed")
        + progress(admin, RAW, "tributary-refine") + progress(admin, REFINED, "tributary-sink");
  }

  private static String found(Set<String> ids, List<ConsumerRecord<byte[], byte[]>> records, String where) {
    Map<String, String> at = new TreeMap<>();
    for (ConsumerRecord<byte[], byte[]> r : records) {
      String id = TopicReader.header(r, "event_id");
      if (ids.contains(id)) at.merge(id, r.partition() + "@" + r.offset(), (a, b) -> a + " " + b);
    }
    return String.format("in %s: %,d of them, e.g. %s%n", where, at.size(), at.entrySet().stream().limit(5).toList());
  }

  /** Per partition: the group's committed offset, the last stable offset (an open transaction holds it back) and the end. */
  private static String progress(Admin admin, String topic, String group) throws Exception {
    Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata()
        .get(10, TimeUnit.SECONDS);
    Map<TopicPartition, OffsetSpec> latest = new TreeMap<>(Comparator.comparingInt(TopicPartition::partition));
    for (int p = 0; p < PARTITIONS; p++) latest.put(new TopicPartition(topic, p), OffsetSpec.latest());
    var end = admin.listOffsets(latest).all().get(10, TimeUnit.SECONDS);
    var stable = admin.listOffsets(latest, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED)).all().get(10, TimeUnit.SECONDS);
    StringBuilder s = new StringBuilder(String.format("%s, group %s (partition: committed / stable / end):", topic, group));
    for (TopicPartition tp : latest.keySet()) {
      OffsetAndMetadata c = committed.get(tp);
      s.append(String.format(" %d: %s / %d / %d;", tp.partition(), c == null ? "-" : c.offset(), stable.get(tp).offset(), end.get(tp).offset()));
    }
    return s.append('\n').toString();
  }

  private void printLogTails() {
    try (var logs = Files.list(dir)) {
      for (Path log : logs.filter(p -> p.toString().endsWith(".log")).sorted().toList()) {
        List<String> lines = Files.readAllLines(log).stream().filter(l -> !l.startsWith("\tat ")).toList();
        System.out.println("---- " + log.getFileName() + " (end, stack frames left out) ----\n"
            + String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size())));
      }
    } catch (IOException e) {
      System.out.println("(cannot read the logs: " + e + ")");
    }
  }

  private static Admin admin(String bootstrap) {
    Properties p = new Properties();
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "3000");
    p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "5000");
    return Admin.create(p);
  }
}
