package dev.tributary.journal;

import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;

/**
 * One test's journal world on the real broker and a real store: a fresh topic and a fresh database or
 * keyspace, and what the tests do with them (journals, replicators, waiting for replication).
 */
final class JournalWorld implements AutoCloseable {
  private static final AtomicInteger topics = new AtomicInteger();

  final String bootstrap;
  final JournalStoreConfig storeConfig;
  final String topic;
  private final int partitions;
  private final List<AutoCloseable> open = new ArrayList<>();
  private JournalStore store;

  JournalWorld(String bootstrap, StoreKind kind, int partitions) {
    this(bootstrap, kind.fresh(), partitions);
  }

  JournalWorld(String bootstrap, JournalStoreConfig storeConfig, int partitions) {
    this.bootstrap = bootstrap;
    this.storeConfig = storeConfig;
    this.partitions = partitions;
    this.topic = "journal-t" + topics.incrementAndGet() + "-" + ProcessHandle.current().pid();
    try (Admin admin = admin()) {
      admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all().get();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  Admin admin() {
    Properties p = new Properties();
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    return Admin.create(p);
  }

  Journals journals(boolean headCache) {
    return track(Journals.start(JournalsConfig.of(bootstrap, storeConfig).withTopic(topic).withHeadCache(headCache)));
  }

  Replicator replicator() {
    return replicator(new SimpleMeterRegistry());
  }

  Replicator replicator(SimpleMeterRegistry registry) {
    return track(Replicator.start(config(), registry));
  }

  ReplicatorConfig config() {
    return ReplicatorConfig.of(bootstrap, storeConfig).withTopicPrefix(topic).withGroupId("replicator-" + topic);
  }

  private <T extends AutoCloseable> T track(T t) {
    open.add(t);
    return t;
  }

  /** Waits until the store's pointer of every partition reaches the partition's end. */
  void awaitReplicated() {
    await().atMost(Duration.ofSeconds(60)).until(() -> replicatedUpTo().entrySet().stream().allMatch(e -> e.getValue() >= 0));
  }

  /** Per partition with records: how far the store is behind its end (0 = caught up, negative = behind). */
  private Map<Integer, Long> replicatedUpTo() throws Exception {
    Map<Integer, Long> ends = endOffsets();
    Map<Integer, Long> pointers = pointers();
    return ends.entrySet().stream().filter(e -> e.getValue() > 0).collect(Collectors.toMap(Map.Entry::getKey,
        e -> pointers.getOrDefault(e.getKey(), -1L) - (e.getValue() - 1)));
  }

  /** Per partition, the offset of the last record the store has applied. */
  Map<Integer, Long> pointers() {
    return store().pointers(topic, partitions);
  }

  /** The world's store, opened on first use, for looking into it. */
  synchronized JournalStore store() {
    if (store == null) store = track(JournalStore.open(storeConfig, 2, "journal-test", null));
    return store;
  }

  Map<Integer, Long> endOffsets() throws Exception {
    try (Admin admin = admin()) {
      int partitions = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions().size();
      Map<TopicPartition, OffsetSpec> request = IntStream.range(0, partitions).boxed()
          .collect(Collectors.toMap(p -> new TopicPartition(topic, p), p -> OffsetSpec.latest()));
      return admin.listOffsets(request).all().get().entrySet().stream()
          .collect(Collectors.toMap(e -> e.getKey().partition(), e -> e.getValue().offset()));
    }
  }

  static List<Event> texts(long from, long to) {
    return LongStream.rangeClosed(from, to).mapToObj(n -> new Event(n, Payload.text("e" + n))).toList();
  }

  static List<Long> seqNrs(Journal journal, long from) {
    try (Stream<Event> events = journal.read(from)) {
      return events.map(Event::seqNr).toList();
    }
  }

  static List<Event> events(Journal journal, long from) {
    try (Stream<Event> events = journal.read(from)) {
      return events.toList();
    }
  }

  static List<Long> range(long from, long to) {
    return LongStream.rangeClosed(from, to).boxed().toList();
  }

  @Override
  public void close() throws Exception {
    for (AutoCloseable c : open.reversed()) c.close();
  }
}
