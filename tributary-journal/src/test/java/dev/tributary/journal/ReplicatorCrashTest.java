package dev.tributary.journal;

import static dev.tributary.journal.JournalWorld.events;
import static dev.tributary.journal.JournalWorld.range;
import static dev.tributary.journal.JournalWorld.texts;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Crashes and rebalances of the replicator, with real processes, broker and PostgreSQL. */
class ReplicatorCrashTest {
  private static final int ROUNDS = 10;
  private static final List<String> IDS = List.of("cart-1", "cart-2", "cart-3", "cart-4", "cart-5", "cart-6");

  /**
   * A replicator in a child JVM is killed (SIGKILL) {@value #ROUNDS} times while a writer appends to
   * six journals on three partitions (and now and then deletes their first events) and a reader reads them. The kill points rotate over three kinds,
   * each with a random part: in start-up (0 to 1 s after the child is told to start: the schema check,
   * joining the group, the first polls); in replication (0 to 500 ms after its first database commit,
   * while polls and transactions follow each other); and right after its k-th database commit, before
   * the Kafka commit. Each child is launched a round ahead, so that its JVM warms up while the previous
   * one runs, and joins a group of its own, so that it need not wait out the killed member's session
   * (10 s): a replicator resumes from the database's pointer, never from Kafka's committed offset. The
   * final replicator joins the first child's group, whose committed offsets lag the database.
   * Seed printed; replay with -Djournal.crash.seed=N.
   */
  @ParameterizedTest
  @EnumSource(StoreKind.class)
  void aReplicatorKilledAtRandomPointsWhileJournalsAreWrittenLosesAndDuplicatesNothing(StoreKind store) throws Exception {
    long seed = Long.getLong("journal.crash.seed", System.nanoTime());
    System.out.println("ReplicatorCrashTest on " + store + " seed " + seed + " (replay with -Djournal.crash.seed=" + seed + ")");
    Random random = new Random(seed);
    Path logs = Files.createTempDirectory("tributary-replicator-crash-");
    System.out.println("child replicator logs in " + logs);
    try (JournalWorld w = new JournalWorld(SharedServers.bootstrapServers(), store, 3)) {
      Journals journals = w.journals(false);
      Appended appended = new Appended();
      AtomicBoolean running = new AtomicBoolean(true);
      AtomicReference<Throwable> writeFailure = new AtomicReference<>();
      Thread writer = Thread.ofPlatform().name("crash-test-writer").start(
          () -> write(journals, appended, new Random(random.nextLong()), running, writeFailure));
      ConcurrentLinkedQueue<String> badReads = new ConcurrentLinkedQueue<>();
      AtomicInteger reads = new AtomicInteger();
      Thread reader = Thread.ofPlatform().name("crash-test-reader").start(
          () -> readWhileWritten(journals, appended, new Random(random.nextLong()), running, reads, badReads));
      int replicatingRounds = 0;
      Child next = Child.launch(w.config(), 0, logs.resolve("round-0.log"));
      try {
        for (int round = 0; round < ROUNDS; round++) {
          Child child = next;
          int blockAfter = child.blockAfter;
          child.awaitLine("READY");
          long before = replicated(w);
          child.go();
          long started = System.nanoTime();
          if (round + 1 < ROUNDS) {
            int nextBlockAfter = (round + 1) % 3 == 2 ? 1 + random.nextInt(3) : 0;
            next = Child.launch(w.config().withGroupId(w.config().groupId() + "-" + (round + 1)), nextBlockAfter,
                logs.resolve("round-" + (round + 1) + ".log"));
          }
          String killed;
          try {
            // The sleeps are the random kill points themselves, not waits for a condition.
            switch (round % 3) {
              case 0 -> {
                long delay = random.nextInt(1000);
                Thread.sleep(delay);
                killed = "starting, " + delay + " ms after it was told to start";
              }
              case 1 -> {
                long delay = random.nextInt(500);
                child.awaitLine("STORED 1");
                long firstCommit = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
                Thread.sleep(delay);
                killed = "replicating, " + delay + " ms after its first database commit (" + firstCommit + " ms after the start)";
              }
              default -> {
                child.awaitLine("STORED " + blockAfter);
                killed = "between database commit " + blockAfter + " and its Kafka commit";
              }
            }
          } finally {
            child.kill();
          }
          long after = replicated(w);
          if (after > before) replicatingRounds++;
          System.out.printf("round %d: killed %s; store pointers %s (%d records applied), %d events acknowledged%n", round,
              killed, w.pointers(), after - before, appended.ackedCount());
          if (blockAfter > 0) {
            assertThat(after).as("round %d: a database commit moved the pointers", round).isGreaterThan(before);
            assertKafkaCommittedNoFurtherThanTheDatabase(w, child.config.groupId());
          }
        }
      } finally {
        next.kill();
        running.set(false);
        writer.join();
        reader.join();
      }
      assertThat(writeFailure.get()).as("an append failed").isNull();
      assertThat(badReads).as("reads while the replicator was killed").isEmpty();
      assertThat(reads.get()).as("reads while the replicator was killed").isPositive();
      assertThat(replicatingRounds).as("rounds in which the child applied records before it was killed").isGreaterThanOrEqualTo(6);

      // The replicator is dead and the store behind: the merged read must make up for it.
      for (String id : IDS) assertThat(events(journals.journal(id), 1)).as(id).isEqualTo(appended.acked(id));

      w.replicator();
      w.awaitReplicated();
      assertThat(storedRows(w)).as("the journal table, row by row").isEqualTo(appended.rows());
      for (String id : IDS) assertThat(events(journals.journal(id), 1)).as(id).isEqualTo(appended.acked(id));
    }
    deleteTree(logs); // kept when the test fails

  }

  /**
   * Appends 1 to 4 events at a time to a random journal until told to stop; now and then deletes a
   * journal's first events instead: a record applied twice would bring deleted events back.
   */
  private static void write(Journals journals, Appended appended, Random random, AtomicBoolean running,
                            AtomicReference<Throwable> failure) {
    try {
      while (running.get()) {
        String id = IDS.get(random.nextInt(IDS.size()));
        Appended.State state = appended.state(id);
        if (random.nextInt(25) == 0 && state.acked() > state.deleteTo()) {
          long to = state.deleteTo() + 1 + random.nextInt((int) (state.acked() - state.deleteTo()));
          appended.deleting(id, to);
          assertThat(journals.journal(id).delete(to)).isPresent();
          appended.deleted(id, to);
        } else {
          List<Event> batch = Stream.iterate(state.sent().size() + 1L, n -> n + 1).limit(1 + random.nextInt(4))
              .map(n -> new Event(n, Payload.text(id + "/" + n))).toList();
          appended.sending(id, batch);
          appended.ack(id, batch, journals.journal(id).append(batch));
        }
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(random.nextInt(8))); // pacing: leaves the CPU to the replicator
      }
    } catch (Throwable e) {
      failure.set(e);
    }
  }

  /**
   * Reads a random journal again and again. A read returns, in order and once each, the events acknowledged
   * before it started, less those deleted; it may add events sent since (an append can be in Kafka before
   * its sender hears so) and leave out events deleted since.
   */
  private static void readWhileWritten(Journals journals, Appended appended, Random random, AtomicBoolean running,
                                       AtomicInteger reads, ConcurrentLinkedQueue<String> bad) {
    while (running.get()) {
      String id = IDS.get(random.nextInt(IDS.size()));
      Appended.State before = appended.state(id);
      List<Event> read = events(journals.journal(id), 1);
      Appended.State after = appended.state(id);
      boolean ok;
      if (read.isEmpty()) {
        ok = before.acked() <= after.deleteSent();
      } else {
        long first = read.getFirst().seqNr();
        long last = read.getLast().seqNr();
        ok = first - 1 >= before.deleteTo() && first - 1 <= after.deleteSent() && last >= before.acked()
            && last <= after.sent().size() && read.equals(after.sent().subList((int) first - 1, (int) last));
      }
      if (!ok) {
        bad.add(id + ": read " + read.stream().map(Event::seqNr).toList() + "; before the read " + before.acked()
            + " acknowledged, deleted up to " + before.deleteTo() + "; after it " + after.sent().size() + " sent, deleted up to "
            + after.deleteSent());
      }
      reads.incrementAndGet();
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(random.nextInt(20)));
    }
  }

  /** What the writer sent per journal, how much of it Kafka acknowledged, and where each append was stored. */
  private static final class Appended {
    /** One journal: {@code sent} every event ever sent; the first {@code acked} acknowledged; deletes acknowledged and sent. */
    record State(List<Event> sent, long acked, long deleteTo, long deleteSent) {}

    private final Map<String, List<Event>> sent = new LinkedHashMap<>();
    private final Map<String, List<PartitionOffset>> storedAt = new LinkedHashMap<>();
    private final Map<String, Long> deleteTo = new LinkedHashMap<>();
    private final Map<String, Long> deleteSent = new LinkedHashMap<>();

    synchronized State state(String id) {
      return new State(List.copyOf(sent.getOrDefault(id, List.of())), storedAt.getOrDefault(id, List.of()).size(),
          deleteTo.getOrDefault(id, 0L), deleteSent.getOrDefault(id, 0L));
    }

    synchronized void sending(String id, List<Event> batch) {
      sent.computeIfAbsent(id, k -> new ArrayList<>()).addAll(batch);
    }

    synchronized void ack(String id, List<Event> batch, PartitionOffset at) {
      for (Event ignored : batch) storedAt.computeIfAbsent(id, k -> new ArrayList<>()).add(at);
    }

    synchronized void deleting(String id, long to) {
      deleteSent.put(id, to);
    }

    synchronized void deleted(String id, long to) {
      deleteTo.put(id, to);
    }

    /** The acknowledged events of journal {@code id} that were not deleted. */
    synchronized List<Event> acked(String id) {
      State s = state(id);
      return s.sent().subList((int) s.deleteTo(), (int) s.acked());
    }

    synchronized int ackedCount() {
      return storedAt.values().stream().mapToInt(List::size).sum();
    }

    /** Every acknowledged event not deleted, as a journal table row, in the table's key order. */
    synchronized List<String> rows() {
      List<String> out = new ArrayList<>();
      for (String id : sent.keySet().stream().sorted().toList()) {
        for (Event e : acked(id)) {
          out.add(row(id, e.seqNr(), ((Payload.Text) e.payload()).text(), storedAt.get(id).get((int) e.seqNr() - 1)));
        }
      }
      return out;
    }
  }

  private static String row(String id, long seqNr, String payload, PartitionOffset at) {
    return id + " #" + seqNr + " " + payload + " @" + at;
  }

  /** The whole journal table of the world's topic, read with SQL or CQL rather than through the library. */
  private static List<String> storedRows(JournalWorld w) throws Exception {
    if (w.store() instanceof CassandraStore cassandra) {
      List<String> out = new ArrayList<>();
      List<com.datastax.oss.driver.api.core.cql.Row> rows = cassandra.session().execute("SELECT id, topic, seq_nr, payload_txt, partition, offset FROM "
          + ((JournalStoreConfig.Cassandra) w.storeConfig).keyspace() + ".journal").all();
      rows.stream().filter(r -> r.getString("topic").equals(w.topic))
          .sorted(Comparator.comparing((com.datastax.oss.driver.api.core.cql.Row r) -> r.getString("id")).thenComparingLong(r -> r.getLong("seq_nr")))
          .forEach(r -> out.add(row(r.getString("id"), r.getLong("seq_nr"), r.getString("payload_txt"),
              new PartitionOffset(r.getInt("partition"), r.getLong("offset")))));
      return out;
    }
    String jdbcUrl = ((JournalStoreConfig.Postgres) w.storeConfig).jdbcUrl();
    try (Connection c = DriverManager.getConnection(jdbcUrl); PreparedStatement s = c.prepareStatement(
        "SELECT id, seq_nr, payload_txt, partition, kafka_offset FROM journal WHERE topic = ? ORDER BY id COLLATE \"C\", seq_nr")) {
      s.setString(1, w.topic);
      List<String> out = new ArrayList<>();
      try (ResultSet r = s.executeQuery()) {
        while (r.next()) out.add(row(r.getString(1), r.getLong(2), r.getString(3), new PartitionOffset(r.getInt(4), r.getLong(5))));
      }
      return out;
    }
  }

  /** Sum of the store's pointers: grows by the records applied. */
  private static long replicated(JournalWorld w) {
    return w.pointers().values().stream().mapToLong(p -> p + 1).sum();
  }

  /** Kafka's committed offset never passes the database's pointer: the database commit comes first. */
  private static void assertKafkaCommittedNoFurtherThanTheDatabase(JournalWorld w, String group) throws Exception {
    Map<Integer, Long> pointers = w.pointers();
    try (var admin = w.admin()) {
      Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
      committed.forEach((tp, o) -> assertThat(o.offset()).as("%s committed in Kafka", tp)
          .isLessThanOrEqualTo(pointers.getOrDefault(tp.partition(), -1L) + 1));
    }
  }

  /** A {@link ReplicatorChild} with its output in a file. */
  private record Child(Process process, ReplicatorConfig config, int blockAfter, Path log) {
    static Child launch(ReplicatorConfig config, int blockAfter, Path log) throws IOException {
      // C1 only and the serial collector: a child that starts fast on a busy machine gives more rounds per second.
      Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
          "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"),
          ReplicatorChild.class.getName(), config.bootstrapServers(), StoreKind.format(config.store()), config.topicPrefix(), config.groupId(),
          String.valueOf(blockAfter)).redirectErrorStream(true).redirectOutput(log.toFile()).start();
      return new Child(p, config, blockAfter, log);
    }

    void go() throws IOException {
      process.getOutputStream().write('\n');
      process.getOutputStream().flush();
    }

    void awaitLine(String line) {
      await("'" + line + "' from the child replicator").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(20)).until(() -> {
        List<String> lines = Files.readAllLines(log);
        if (!process.isAlive() && !lines.contains(line)) throw new AssertionError("the child exited early:\n" + String.join("\n", lines));
        return lines.contains(line);
      });
    }

    void kill() throws InterruptedException {
      process.destroyForcibly(); // SIGKILL
      assertThat(process.waitFor(30, TimeUnit.SECONDS)).as("the killed child exited").isTrue();
    }
  }

  private static void deleteTree(Path dir) throws IOException {
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
    }
  }

  private static void write(Journals journals, int ids, int fromBatch, int toBatch) {
    for (int b = fromBatch; b < toBatch; b++) {
      for (int id = 0; id < ids; id++) journals.journal("r-" + id).append(texts(b * 3L + 1, b * 3L + 3));
    }
  }

  @ParameterizedTest
  @EnumSource(StoreKind.class)
  void twoReplicatorsThroughARebalanceApplyEverythingOnceAndPointersOnlyGrow(StoreKind store) throws Exception {
    try (JournalWorld w = new JournalWorld(SharedServers.bootstrapServers(), store, 4)) {
      Journals journals = w.journals(false);
      int ids = 16;
      int batches = 30;
      AtomicBoolean shrank = new AtomicBoolean();
      AtomicBoolean writing = new AtomicBoolean(true);
      Thread watcher = Thread.ofPlatform().start(() -> {
        Map<Integer, Long> last = Map.of();
        try {
          while (writing.get()) {
            Map<Integer, Long> now = w.pointers();
            for (var e : last.entrySet()) if (now.getOrDefault(e.getKey(), -1L) < e.getValue()) shrank.set(true);
            last = now;
            Thread.sleep(20);
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      });
      Replicator first = w.replicator();
      await().atMost(Duration.ofSeconds(30)).until(() -> first.assignedPartitions().size() == 4);
      write(journals, ids, 0, 10);
      Replicator second = w.replicator();
      await().atMost(Duration.ofSeconds(30)).until(() -> !second.assignedPartitions().isEmpty() && first.assignedPartitions().size() < 4);
      write(journals, ids, 10, 20);
      first.close();
      await().atMost(Duration.ofSeconds(30)).until(() -> second.assignedPartitions().size() == 4);
      write(journals, ids, 20, batches);
      w.awaitReplicated();
      writing.set(false);
      watcher.join();
      assertThat(shrank).as("a partition's pointer went backwards").isFalse();
      assertThat(second.failure()).isNull();
      for (int id = 0; id < ids; id++) {
        JournalKey key = new JournalKey(w.topic, "r-" + id);
        List<Long> seqNrs = new ArrayList<>();
        for (Event e : w.store().events(key, 1, 10_000)) seqNrs.add(e.seqNr());
        assertThat(seqNrs).isEqualTo(range(1, batches * 3L));
        assertThat(w.store().meta(key).seqNr()).isEqualTo(batches * 3L);
      }
      assertThat(second.stoppedPartitions()).isEmpty();
    }
  }
}
