package dev.tributary.bench;

import dev.tributary.broker.KafkaBroker;
import dev.tributary.journal.Event;
import dev.tributary.journal.Journal;
import dev.tributary.journal.Journals;
import dev.tributary.journal.JournalsConfig;
import dev.tributary.journal.Payload;
import dev.tributary.journal.Replicator;
import dev.tributary.journal.ReplicatorConfig;
import dev.tributary.testkit.PostgresServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.ArrayList;
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
import org.apache.kafka.common.TopicPartition;

/**
 * The journal on a real Kafka broker (child JVM) and a private PostgreSQL: append latency
 * (P50/P99, one event of ~200 bytes per append, one writer), append throughput (16 writers), and
 * the time of a whole {@code read(1)} of journals of 100 and 10,000 events, replicated up to date
 * and with 1,000 events unreplicated, with the head cache on and off.
 *
 * <p>Options: {@code --appends N} (latency sample, default 3000), {@code --reads N} (per small read
 * case, default 200).
 */
public final class JournalBenchmark {
  private static final String TOPIC = "journal-bench";
  private static final String BODY = "x".repeat(200);

  public static void main(String[] args) throws Exception {
    int appends = intArg(args, "--appends", 3000);
    int reads = intArg(args, "--reads", 200);
    try (ScratchDirectory root = ScratchDirectory.create("journal-bench-");
         KafkaBroker broker = KafkaBroker.start(root.resolve("broker"));
         PostgresServer postgres = PostgresServer.start()) {
      String jdbc = postgres.createDatabase();
      createTopic(broker.bootstrapServers());
      System.out.printf("Kafka %s, PostgreSQL on port %d, %d cores%n", broker.bootstrapServers(), postgres.port(),
          Runtime.getRuntime().availableProcessors());
      ReplicatorConfig replication = ReplicatorConfig.of(broker.bootstrapServers(), jdbc).withTopicPrefix(TOPIC);
      try (Journals plain = Journals.start(JournalsConfig.of(broker.bootstrapServers(), jdbc).withTopic(TOPIC));
           Journals cached = Journals.start(JournalsConfig.of(broker.bootstrapServers(), jdbc).withTopic(TOPIC).withHeadCache(true))) {
        Replicator replicator = Replicator.start(replication, new SimpleMeterRegistry());
        appendLatency(plain, appends);
        appendThroughput(plain);
        for (int size : new int[] {100, 10_000}) {
          Journal j = plain.journal("read-" + size);
          fill(j, 1, size);
          awaitReplicated(broker.bootstrapServers(), jdbc, replication);
          int n = size == 100 ? reads : Math.max(10, reads / 10);
          readTimes("up to date", size, n, plain, cached);
          replicator.close();
          fill(j, size + 1, size + 1000);
          readTimes("1,000 unreplicated", size, n, plain, cached);
          replicator = Replicator.start(replication, new SimpleMeterRegistry());
        }
        replicator.close();
      }
    }
  }

  private static void appendLatency(Journals journals, int appends) {
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
    System.out.printf("%nappend latency, 1 event of 200 B, one writer, %,d appends: p50 %.2f ms  p99 %.2f ms  p99.9 %.2f ms  max %.2f ms%n",
        appends, ms(h, 50), ms(h, 99), ms(h, 99.9), h.getMaxValue() / 1000.0);
  }

  private static void append(List<Journal> journals, long[] next, int i) {
    journals.get(i).append(List.of(new Event(++next[i], Payload.text(BODY))));
  }

  private static void appendThroughput(Journals journals) throws Exception {
    int writers = 16;
    int perWriter = 500;
    ExecutorService pool = Executors.newFixedThreadPool(writers);
    long start = System.nanoTime();
    List<Future<?>> done = new ArrayList<>();
    for (int w = 0; w < writers; w++) {
      Journal j = journals.journal("throughput-" + w);
      done.add(pool.submit(() -> {
        for (int n = 1; n <= perWriter; n++) j.append(List.of(new Event(n, Payload.text(BODY))));
        return null;
      }));
    }
    for (Future<?> f : done) f.get();
    double seconds = (System.nanoTime() - start) / 1e9;
    pool.shutdown();
    System.out.printf("append throughput, %d writers, 1 event each: %,.0f appends/s (%,d in %.1f s)%n",
        writers, writers * perWriter / seconds, writers * perWriter, seconds);
  }

  private static void fill(Journal j, long from, long to) {
    for (long s = from; s <= to; s += 100) {
      List<Event> batch = new ArrayList<>();
      for (long n = s; n <= Math.min(to, s + 99); n++) batch.add(new Event(n, Payload.text(BODY)));
      j.append(batch);
    }
  }

  private static void readTimes(String state, int size, int n, Journals plain, Journals cached) {
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
    }
  }

  private static long count(Journal j) {
    try (Stream<Event> s = j.read(1)) {
      return s.count();
    }
  }

  private static void awaitReplicated(String bootstrap, String jdbc, ReplicatorConfig config) throws Exception {
    Properties p = new Properties();
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    try (Admin admin = Admin.create(p); var c = java.sql.DriverManager.getConnection(jdbc)) {
      long end = admin.listOffsets(Map.of(new TopicPartition(TOPIC, 0), OffsetSpec.latest())).all().get()
          .get(new TopicPartition(TOPIC, 0)).offset();
      while (true) {
        try (var r = c.createStatement().executeQuery("SELECT coalesce(max(kafka_offset), -1) FROM pointer WHERE topic = '" + TOPIC + "'")) {
          r.next();
          if (r.getLong(1) >= end - 1) return;
        }
        TimeUnit.MILLISECONDS.sleep(100);
      }
    }
  }

  private static void createTopic(String bootstrap) throws Exception {
    Properties p = new Properties();
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    try (Admin admin = Admin.create(p)) {
      admin.createTopics(List.of(new NewTopic(TOPIC, 1, (short) 1))).all().get();
    }
  }

  private static double ms(Histogram h, double percentile) {
    return h.getValueAtPercentile(percentile) / 1000.0;
  }

  private static int intArg(String[] args, String name, int fallback) {
    for (int i = 0; i < args.length - 1; i++) if (args[i].equals(name)) return Integer.parseInt(args[i + 1]);
    return fallback;
  }
}
