package dev.tributary.bench;

import dev.tributary.broker.KafkaBroker;
import dev.tributary.journal.Event;
import dev.tributary.journal.Journal;
import dev.tributary.journal.JournalStoreConfig;
import dev.tributary.journal.Journals;
import dev.tributary.journal.JournalsConfig;
import dev.tributary.journal.Payload;
import dev.tributary.journal.Replicator;
import dev.tributary.journal.ReplicatorConfig;
import dev.tributary.testkit.CassandraServer;
import dev.tributary.testkit.PostgresServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * The journal on a real Kafka broker (child JVM) and each eventual store in turn, a private
 * PostgreSQL and a one-node Cassandra (testkit child JVM), then both side by side in one table:
 * append latency (P50/P99, one event of ~200 bytes per append, one writer), append throughput (16
 * writers), the time of a whole {@code read(1)} of journals of 100 and 10,000 events, replicated up
 * to date and with 1,000 events unreplicated, with the head cache on and off, and how many events a
 * second the replicator writes into the store from a backlog.
 *
 * <p>Options: {@code --store postgres|cassandra|both} (default both), {@code --appends N} (latency
 * sample, default 3000), {@code --reads N} (per small read case, default 200), {@code --backlog N}
 * (events for the replicator, in appends of 10, default 100000).
 */
public final class JournalBenchmark {
  private static final String BODY = "x".repeat(200);
  private static final int BACKLOG_BATCH = 10;

  /** An eventual store under test, started for the benchmark and stopped after it. */
  private record RunningStore(String name, AutoCloseable server, JournalStoreConfig config) implements AutoCloseable {
    static RunningStore start(String name, ScratchDirectory root) {
      if (name.equals("postgres")) {
        PostgresServer postgres = PostgresServer.start();
        return new RunningStore(name, postgres, JournalStoreConfig.postgres(postgres.createDatabase()));
      }
      CassandraServer cassandra = CassandraServer.start(root.resolve("cassandra"));
      String contactPoint = cassandra.contactPoint().getHostString() + ":" + cassandra.contactPoint().getPort();
      return new RunningStore(name, cassandra,
          JournalStoreConfig.Cassandra.of(List.of(contactPoint), "journal_bench").withLocalDc(cassandra.localDatacenter()));
    }

    @Override
    public void close() throws Exception {
      server.close();
    }
  }

  /** Every measurement's cell per store, for the side-by-side table at the end. */
  private static final Map<String, Map<String, String>> TABLE = new LinkedHashMap<>();

  public static void main(String[] args) throws Exception {
    int appends = intArg(args, "--appends", 3000);
    int reads = intArg(args, "--reads", 200);
    int backlog = intArg(args, "--backlog", 100_000);
    String store = stringArg(args, "--store", "both");
    List<String> stores = switch (store) {
      case "both" -> List.of("postgres", "cassandra");
      case "postgres", "cassandra" -> List.of(store);
      default -> {
        System.err.println("--store is postgres, cassandra or both, not '" + store + "'");
        System.exit(2);
        yield List.of();
      }
    };
    try (ScratchDirectory root = ScratchDirectory.create("journal-bench-");
         KafkaBroker broker = KafkaBroker.start(root.resolve("broker"))) {
      System.out.printf("Kafka %s, %d cores, load average %s%n", broker.bootstrapServers(),
          Runtime.getRuntime().availableProcessors(), LoadAverage.now());
      for (String name : stores) {
        long started = System.nanoTime();
        try (RunningStore s = RunningStore.start(name, root)) {
          System.out.printf("%n== %s (%s, started in %.1f s)%n", name, s.config(), (System.nanoTime() - started) / 1e9);
          run(broker.bootstrapServers(), s, appends, reads, backlog);
        }
      }
      System.out.printf("%nload average %s%n", LoadAverage.now());
      printTable(stores);
    }
  }

  private static void run(String bootstrap, RunningStore store, int appends, int reads, int backlog) throws Exception {
    String topic = "journal-bench-" + store.name();
    createTopic(bootstrap, topic);
    ReplicatorConfig replication = ReplicatorConfig.of(bootstrap, store.config()).withTopicPrefix(topic);
    try (Journals plain = Journals.start(JournalsConfig.of(bootstrap, store.config()).withTopic(topic));
         Journals cached = Journals.start(JournalsConfig.of(bootstrap, store.config()).withTopic(topic).withHeadCache(true))) {
      Replicator replicator = Replicator.start(replication, new SimpleMeterRegistry());
      appendLatency(store.name(), plain, appends);
      appendThroughput(store.name(), plain);
      for (int size : new int[] {100, 10_000}) {
        Journal j = plain.journal("read-" + size);
        fill(j, 1, size);
        awaitReplicated(bootstrap, topic, replication.groupId());
        int n = size == 100 ? reads : Math.max(10, reads / 10);
        readTimes(store.name(), "up to date", size, n, plain, cached);
        replicator.close();
        fill(j, size + 1, size + 1000);
        readTimes(store.name(), "1,000 unreplicated", size, n, plain, cached);
        replicator = Replicator.start(replication, new SimpleMeterRegistry());
      }
      awaitReplicated(bootstrap, topic, replication.groupId());
      replicator.close();
      replicationRate(store.name(), bootstrap, topic, plain, replication, backlog);
    }
  }

  private static void appendLatency(String store, Journals journals, int appends) {
    List<Journal> journalsUsed = new ArrayList<>();
    for (int i = 0; i < 100; i++) journalsUsed.add(journals.journal("latency-" + i));
    long[] next = new long[100];
    for (int i = 0; i < 500; i++) append(journalsUsed, next, i % 100); // warm-up
    Histogram h = new Histogram(3);
    for (int i = 0; i < appends; i++) {
      long t = System.nanoTime();
      append(journalsUsed, next, i % 100);
      h.recordValue((System.nanoTime() - t) / 1000);
    }
    System.out.printf("append latency, 1 event of 200 B, one writer, %,d appends: p50 %.2f ms  p99 %.2f ms  p99.9 %.2f ms  max %.2f ms%n",
        appends, ms(h, 50), ms(h, 99), ms(h, 99.9), h.getMaxValue() / 1000.0);
    cell(String.format("append, 1 event, one writer (%,d appends), P50 / P99", appends), store, h);
  }

  private static void append(List<Journal> journals, long[] next, int i) {
    journals.get(i).append(List.of(new Event(++next[i], Payload.text(BODY))));
  }

  private static void appendThroughput(String store, Journals journals) throws Exception {
    int writers = 16;
    int warmup = 500;
    int perWriter = 3000;
    ExecutorService pool = Executors.newFixedThreadPool(writers);
    appendConcurrently(journals, pool, writers, 1, warmup);
    long start = System.nanoTime();
    appendConcurrently(journals, pool, writers, warmup + 1, warmup + perWriter);
    double seconds = (System.nanoTime() - start) / 1e9;
    pool.shutdown();
    System.out.printf("append throughput, %d writers, 1 event each: %,.0f appends/s (%,d in %.1f s)%n",
        writers, writers * perWriter / seconds, writers * perWriter, seconds);
    cell("append throughput, " + writers + " writers each waiting for its ack", store, String.format("%,.0f appends/s", writers * perWriter / seconds));
  }

  /** Each of {@code writers} journals appends events {@code from..to}, one per append, on a thread of its own. */
  private static void appendConcurrently(Journals journals, ExecutorService pool, int writers, long from, long to) throws Exception {
    List<Future<?>> done = new ArrayList<>();
    for (int w = 0; w < writers; w++) {
      Journal j = journals.journal("throughput-" + w);
      done.add(pool.submit(() -> {
        for (long n = from; n <= to; n++) j.append(List.of(new Event(n, Payload.text(BODY))));
        return null;
      }));
    }
    for (Future<?> f : done) f.get();
  }

  private static void fill(Journal j, long from, long to) {
    for (long s = from; s <= to; s += 100) {
      List<Event> batch = new ArrayList<>();
      for (long n = s; n <= Math.min(to, s + 99); n++) batch.add(new Event(n, Payload.text(BODY)));
      j.append(batch);
    }
  }

  private static void readTimes(String store, String state, int size, int n, Journals plain, Journals cached) {
    for (Journals journals : List.of(plain, cached)) {
      Journal j = journals.journal("read-" + size);
      count(j); // warm-up (and the head cache's first tail)
      Histogram h = new Histogram(3);
      long events = 0;
      for (int i = 0; i < n; i++) {
        long t = System.nanoTime();
        events = count(j);
        h.recordValue((System.nanoTime() - t) / 1000);
      }
      System.out.printf("read(1) of %,d events, %s, head cache %s: %,d events, p50 %.2f ms  p99 %.2f ms  (%d reads)%n",
          size, state, journals == cached ? "on " : "off", events, ms(h, 50), ms(h, 99), n);
      cell(String.format("read %,d events, %s, head cache %s (%d reads), P50 / P99", size, state, journals == cached ? "on" : "off", n), store, h);
    }
  }

  private static long count(Journal j) {
    try (Stream<Event> s = j.read(1)) {
      return s.count();
    }
  }

  /**
   * A backlog of {@code events} in appends of {@value #BACKLOG_BATCH} to 100 journals, written with the
   * replicator stopped; then a replicator starts, and its rate counts from its first commit (after
   * it joined the group) until it has committed the whole backlog.
   */
  private static void replicationRate(String store, String bootstrap, String topic, Journals journals, ReplicatorConfig replication,
                                      int events) throws Exception {
    long start = endOffset(bootstrap, topic);
    int appends = Math.max(1, events / BACKLOG_BATCH);
    ExecutorService pool = Executors.newFixedThreadPool(16);
    List<Future<?>> done = new ArrayList<>();
    for (int w = 0; w < 16; w++) {
      int writer = w;
      done.add(pool.submit(() -> {
        for (int a = writer; a < appends; a += 16) {
          Journal j = journals.journal("backlog-" + a % 100);
          long first = (long) (a / 100) * BACKLOG_BATCH + 1;
          List<Event> batch = new ArrayList<>();
          for (long n = first; n < first + BACKLOG_BATCH; n++) batch.add(new Event(n, Payload.text(BODY)));
          j.append(batch);
        }
        return null;
      }));
    }
    for (Future<?> f : done) f.get();
    pool.shutdown();
    long end = endOffset(bootstrap, topic);
    try (Admin admin = admin(bootstrap); Replicator replicator = Replicator.start(replication, new SimpleMeterRegistry())) {
      long firstAt = 0;
      long firstOffset = start;
      while (true) {
        long committed = committed(admin, replication.groupId(), topic);
        if (committed > start && firstAt == 0) {
          firstAt = System.nanoTime();
          firstOffset = committed;
        }
        if (committed >= end) break;
        TimeUnit.MILLISECONDS.sleep(20);
      }
      double seconds = (System.nanoTime() - firstAt) / 1e9;
      double rate = (end - firstOffset) * BACKLOG_BATCH / seconds;
      System.out.printf("replicated: %,d events (%,d appends of %d) from a backlog; %,.0f events/s (%,d events after the first commit in %.1f s)%n",
          appends * BACKLOG_BATCH, appends, BACKLOG_BATCH, rate, (end - firstOffset) * BACKLOG_BATCH, seconds);
      cell(String.format("replicated from a backlog of %,d events (appends of %d)", appends * BACKLOG_BATCH, BACKLOG_BATCH), store,
          String.format("%,.0f events/s", rate));
    }
  }

  /**
   * Waits until the replicator's group has committed up to the topic's end. Its Kafka commit comes
   * after the store's, so this holds for either store without looking into it.
   */
  private static void awaitReplicated(String bootstrap, String topic, String group) throws Exception {
    long end = endOffset(bootstrap, topic);
    try (Admin admin = admin(bootstrap)) {
      while (committed(admin, group, topic) < end) TimeUnit.MILLISECONDS.sleep(50);
    }
  }

  private static long committed(Admin admin, String group, String topic) throws Exception {
    OffsetAndMetadata o = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get().get(new TopicPartition(topic, 0));
    return o == null ? 0 : o.offset();
  }

  private static long endOffset(String bootstrap, String topic) throws Exception {
    TopicPartition tp = new TopicPartition(topic, 0);
    try (Admin admin = admin(bootstrap)) {
      return admin.listOffsets(Map.of(tp, OffsetSpec.latest())).all().get().get(tp).offset();
    }
  }

  private static Admin admin(String bootstrap) {
    Properties p = new Properties();
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    return Admin.create(p);
  }

  private static void cell(String measurement, String store, Histogram h) {
    cell(measurement, store, String.format("%.2f / %.0f ms", ms(h, 50), ms(h, 99)));
  }

  private static void cell(String measurement, String store, String value) {
    TABLE.computeIfAbsent(measurement, k -> new LinkedHashMap<>()).put(store, value);
  }

  private static void printTable(List<String> stores) {
    System.out.printf("%n| measurement | %s |%n|---|%s%n", String.join(" | ", stores), "---|".repeat(stores.size()));
    TABLE.forEach((measurement, cells) -> System.out.printf("| %s | %s |%n", measurement,
        String.join(" | ", stores.stream().map(s -> cells.getOrDefault(s, "")).toList())));
  }

  private static void createTopic(String bootstrap, String topic) throws Exception {
    try (Admin admin = admin(bootstrap)) {
      admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get();
    }
  }

  private static double ms(Histogram h, double percentile) {
    return h.getValueAtPercentile(percentile) / 1000.0;
  }

  private static String stringArg(String[] args, String name, String fallback) {
    for (int i = 0; i < args.length - 1; i++) if (args[i].equals(name)) return args[i + 1];
    return fallback;
  }

  private static int intArg(String[] args, String name, int fallback) {
    for (int i = 0; i < args.length - 1; i++) if (args[i].equals(name)) return Integer.parseInt(args[i + 1]);
    return fallback;
  }
}
