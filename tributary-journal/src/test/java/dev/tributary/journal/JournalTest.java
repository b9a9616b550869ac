package dev.tributary.journal;

import static dev.tributary.journal.JournalWorld.events;
import static dev.tributary.journal.JournalWorld.range;
import static dev.tributary.journal.JournalWorld.seqNrs;
import static dev.tributary.journal.JournalWorld.texts;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The cases that matter most, each on the real broker and each store. */
class JournalTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private JournalWorld world;

  private JournalWorld world(StoreKind store, int partitions) {
    world = new JournalWorld(SharedServers.bootstrapServers(), store, partitions);
    return world;
  }

  @AfterEach
  void close() throws Exception {
    if (world != null) world.close();
  }

  @ParameterizedTest
  @EnumSource(StoreKind.class)
  void appendsAreReadBackInOrderWithTheirPayloadsBeforeAndAfterReplication(StoreKind store) throws Exception {
    JournalWorld w = world(store, 1);
    Journal j = w.journals(false).journal("cart-1");
    assertThat(j.pointer()).isEmpty();
    assertThat(events(j, 1)).isEmpty();
    List<Event> written = List.of(
        new Event(1, Set.of("a"), Payload.text("created")),
        new Event(2, Set.of(), Payload.json(JSON.readTree("{\"sku\":\"x\",\"n\":2}"))),
        new Event(3, Set.of("b", "c"), Payload.binary(new byte[] {0, 1, 2, (byte) 255})),
        new Event(4, Set.of(), null));
    PartitionOffset at = j.append(written.subList(0, 2));
    assertThat(at.partition()).isZero();
    assertThat(j.append(written.subList(2, 4), new AppendMetadata(null, JSON.readTree("{\"k\":1}")), Map.of("trace", "t1")).offset())
        .isGreaterThan(at.offset());
    assertThat(events(j, 1)).isEqualTo(written);
    assertThat(events(j, 3)).isEqualTo(written.subList(2, 4));
    assertThat(j.pointer()).hasValue(4);

    w.replicator();
    w.awaitReplicated();
    assertThat(events(j, 1)).isEqualTo(written);
    assertThat(j.pointer()).hasValue(4);
  }

  @ParameterizedTest
  @EnumSource(StoreKind.class)
  void aDeleteInTheHeadHidesReplicatedEvents(StoreKind store) {
    JournalWorld w = world(store, 1);
    Journal j = w.journals(false).journal("order-7");
    j.append(texts(1, 10));
    Replicator replicator = w.replicator();
    w.awaitReplicated();
    replicator.close();

    assertThat(j.delete(5)).isPresent();
    assertThat(seqNrs(j, 1)).isEqualTo(range(6, 10));
    assertThat(seqNrs(j, 8)).isEqualTo(range(8, 10));
    assertThat(j.pointer()).hasValue(10);
    j.append(texts(11, 12));
    assertThat(seqNrs(j, 1)).isEqualTo(range(6, 12));

    w.replicator();
    w.awaitReplicated();
    assertThat(seqNrs(j, 1)).isEqualTo(range(6, 12));
  }

  @ParameterizedTest
  @EnumSource(StoreKind.class)
  void aPurgeInTheHeadHidesTheJournalAndANewJournalMayReuseTheId(StoreKind store) {
    JournalWorld w = world(store, 1);
    Journals journals = w.journals(false);
    Journal j = journals.journal("session-3");
    j.append(texts(1, 5));
    Replicator replicator = w.replicator();
    w.awaitReplicated();
    replicator.close();

    j.purge();
    assertThat(seqNrs(j, 1)).isEmpty();
    assertThat(j.pointer()).isEmpty();
    assertThat(j.delete(3)).isEmpty();

    j.append(List.of(new Event(1, Payload.text("again-1")), new Event(2, Payload.text("again-2"))));
    assertThat(events(j, 1)).extracting(Event::payload).containsExactly(Payload.text("again-1"), Payload.text("again-2"));
    assertThat(j.pointer()).hasValue(2);

    w.replicator();
    w.awaitReplicated();
    assertThat(events(j, 1)).extracting(Event::payload).containsExactly(Payload.text("again-1"), Payload.text("again-2"));
    assertThat(j.pointer()).hasValue(2);
  }

  @ParameterizedTest
  @EnumSource(StoreKind.class)
  void tenThousandUnreplicatedEventsAreReadFromKafkaAndThenFromTheStore(StoreKind store) {
    JournalWorld w = world(store, 1);
    Journal j = w.journals(false).journal("big");
    Journal other = w.journals(false).journal("neighbour");
    for (int batch = 0; batch < 100; batch++) {
      j.append(texts(batch * 100L + 1, batch * 100L + 100));
      other.append(texts(batch + 1L, batch + 1L));
    }
    assertThat(seqNrs(j, 1)).isEqualTo(range(1, 10_000));
    assertThat(seqNrs(j, 9_990)).isEqualTo(range(9_990, 10_000));
    assertThat(j.pointer()).hasValue(10_000);

    w.replicator();
    w.awaitReplicated();
    assertThat(seqNrs(j, 1)).isEqualTo(range(1, 10_000));
    assertThat(seqNrs(other, 1)).isEqualTo(range(1, 100));
  }

  @ParameterizedTest
  @EnumSource(StoreKind.class)
  void whenKafkaNoLongerHoldsTheRecordsReadsComeFromTheStore(StoreKind store) throws Exception {
    JournalWorld w = world(store, 1);
    Journal j = w.journals(false).journal("old");
    j.append(texts(1, 50));
    j.delete(10);
    w.replicator();
    w.awaitReplicated();
    long end = w.endOffsets().get(0);
    try (var admin = w.admin()) {
      // What retention does: the log start moves past records that are old enough.
      admin.deleteRecords(Map.of(new TopicPartition(w.topic, 0), RecordsToDelete.beforeOffset(end))).all().get();
    }
    assertThat(seqNrs(j, 1)).isEqualTo(range(11, 50));
    assertThat(j.pointer()).hasValue(50);
  }

  @ParameterizedTest
  @EnumSource(StoreKind.class)
  void aRecordThatCannotBeDecodedStopsItsPartitionWithAnErrorAndAMetric(StoreKind store) throws Exception {
    JournalWorld w = world(store, 2);
    Journals journals = w.journals(false);
    Journal before = journals.journal("a");
    before.append(texts(1, 3));
    int poisoned = before.append(texts(4, 4)).partition();
    try (KafkaProducer<byte[], byte[]> raw = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, w.bootstrap),
        new ByteArraySerializer(), new ByteArraySerializer())) {
      ProducerRecord<byte[], byte[]> bad = new ProducerRecord<>(w.topic, poisoned, "a".getBytes(StandardCharsets.UTF_8),
          "{\"events\":".getBytes(StandardCharsets.UTF_8));
      bad.headers().add(new RecordHeader(ActionHeader.NAME,
          "{\"append\":{\"range\":{\"from\":5,\"to\":5},\"payloadType\":\"json\"}}".getBytes(StandardCharsets.UTF_8)));
      raw.send(bad).get();
    }
    Journal after = journals.journal("a");
    after.append(texts(6, 6));
    String healthyId = idOnOtherPartition(journals, poisoned);
    journals.journal(healthyId).append(texts(1, 2));

    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    Replicator replicator = w.replicator(registry);
    TopicPartition tp = new TopicPartition(w.topic, poisoned);
    await().atMost(Duration.ofSeconds(30)).until(() -> replicator.stoppedPartitions().containsKey(tp));
    assertThat(replicator.stoppedPartitions().get(tp)).contains("record " + w.topic + "-" + poisoned + "@").contains("json payload is not JSON");
    assertThat(registry.get("tributary.journal.replicator.undecodable").tag("partition", String.valueOf(poisoned)).counter().count()).isEqualTo(1);
    assertThat(registry.get("tributary.journal.replicator.stopped.partitions").gauge().value()).isEqualTo(1);

    assertThatThrownBy(() -> seqNrs(journals.journal("a"), 1)).as("a read meets the record too, and says where it is")
        .hasMessageContaining("record " + w.topic + "-" + poisoned + "@").hasMessageContaining("json payload is not JSON");
    JournalStore stored = w.store();
    assertThat(stored.meta(new JournalKey(w.topic, "a")).seqNr()).isEqualTo(4);
    await().atMost(Duration.ofSeconds(30)).until(() -> stored.meta(new JournalKey(w.topic, healthyId)) != null);
    assertThat(stored.events(new JournalKey(w.topic, "a"), 1, 100)).extracting(Event::seqNr).containsExactly(1L, 2L, 3L, 4L);
  }

  private static String idOnOtherPartition(Journals journals, int partition) {
    for (int i = 0; ; i++) {
      Journal j = journals.journal("healthy-" + i);
      if (j.mark().partition() != partition) return "healthy-" + i;
    }
  }

  @ParameterizedTest
  @EnumSource(StoreKind.class)
  void expireAfterBecomesAPurge(StoreKind store) {
    JournalWorld w = world(store, 1);
    Journals journals = w.journals(false);
    Journal j = journals.journal("temp");
    Journal kept = journals.journal("kept");
    j.append(texts(1, 3), AppendMetadata.expireAfter(Duration.ofMillis(300)), Map.of());
    kept.append(texts(1, 3), AppendMetadata.expireAfter(Duration.ofDays(1)), Map.of());
    w.replicator();
    w.awaitReplicated();
    await().atMost(Duration.ofSeconds(10)).until(() -> new PurgeExpired(journals).runOnce() == 1);
    assertThat(seqNrs(j, 1)).isEmpty();
    assertThat(j.pointer()).isEmpty();
    w.awaitReplicated();
    assertThat(seqNrs(j, 1)).isEmpty();
    assertThat(seqNrs(kept, 1)).isEqualTo(range(1, 3));
  }

  @ParameterizedTest
  @EnumSource(StoreKind.class)
  void concurrentAppendsToManyJournalsAreReadBackCompleteAndInOrder(StoreKind store) throws Exception {
    JournalWorld w = world(store, 3);
    Journals journals = w.journals(true);
    w.replicator();
    int ids = 24;
    int batches = 10;
    ExecutorService pool = Executors.newFixedThreadPool(6);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < 6; t++) {
        int thread = t;
        done.add(pool.submit(() -> {
          for (int id = thread; id < ids; id += 6) {
            Journal j = journals.journal("c-" + id);
            for (int b = 0; b < batches; b++) j.append(texts(b * 5L + 1, b * 5L + 5));
          }
          return null;
        }));
      }
      for (Future<?> f : done) f.get();
      List<Future<List<Long>>> reads = new ArrayList<>();
      for (int id = 0; id < ids; id++) {
        Journal j = journals.journal("c-" + id);
        reads.add(pool.submit(() -> seqNrs(j, 1)));
      }
      for (Future<List<Long>> r : reads) assertThat(r.get()).isEqualTo(range(1, batches * 5L));
    } finally {
      pool.shutdownNow();
    }
    w.awaitReplicated();
    for (int id = 0; id < ids; id++) assertThat(seqNrs(journals.journal("c-" + id), 1)).isEqualTo(range(1, batches * 5L));
    assertThat(w.endOffsets().values()).allMatch(end -> end > 0);
  }

  /**
   * Appends sent right after their topic is created, several at once: a broker before Kafka 4.5 that
   * refuses the first with NOT_LEADER_OR_FOLLOWER and takes a later one refuses every retry of the
   * first as out of sequence (KAFKA-15591), and the append hung until its delivery timeout.
   */
  @Test
  void concurrentFirstAppendsToJustCreatedTopicsAllLandInOrder() throws Exception {
    JournalWorld w = world(StoreKind.POSTGRESQL, 1);
    Journals journals = w.journals(false);
    int threads = 8;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try (Admin admin = w.admin()) {
      for (int round = 0; round < 10; round++) {
        String topic = w.topic + "-new-" + round;
        admin.createTopics(List.of(new NewTopic(topic, 3, (short) 1))).all().get();
        List<Future<?>> done = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
          Journal j = journals.journal(new JournalKey(topic, "j-" + t));
          done.add(pool.submit(() -> {
            for (long n = 1; n <= 20; n++) j.append(List.of(new Event(n, Payload.text("e" + n + "-" + "x".repeat(4096)))));
            return null;
          }));
        }
        for (Future<?> f : done) f.get(60, TimeUnit.SECONDS);
        for (int t = 0; t < threads; t++) {
          assertThat(seqNrs(journals.journal(new JournalKey(topic, "j-" + t)), 1)).as("round %d, journal j-%d", round, t)
              .isEqualTo(range(1, 20));
        }
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @ParameterizedTest
  @EnumSource(StoreKind.class)
  void aHeadCacheOverItsBoundAnswersNothingUntilTheStoreCatchesUp(StoreKind store) {
    JournalWorld w = world(store, 1);
    Journals journals = w.journals(false);
    for (int i = 0; i < 5; i++) journals.journal("o-" + i).append(texts(1, 2));
    Journal j = journals.journal("o-0");
    try (HeadCache cache = new HeadCache(w.bootstrap, w.store(), 3)) {
      assertThat(cache.get(j.key(), j.mark())).as("5 journals in the head, 3 allowed").isEmpty();
      Replicator replicator = w.replicator();
      w.awaitReplicated();
      await().atMost(Duration.ofSeconds(10)).until(() -> cache.get(j.key(), j.mark()).equals(java.util.Optional.of(HeadInfo.EMPTY)));
      // Stopped, so the store cannot catch up with the next append: a running replicator may store
      // it first, and the cache then rightly answers EMPTY (nothing in the head past the store).
      replicator.close();
      j.append(texts(3, 3));
      assertThat(cache.get(j.key(), j.mark())).get().isInstanceOf(HeadInfo.Append.class);
    }
  }

  @ParameterizedTest
  @EnumSource(StoreKind.class)
  void readsWithTheHeadCacheSeeTheHeadAndTheStore(StoreKind store) {
    JournalWorld w = world(store, 2);
    Journals journals = w.journals(true);
    Journal j = journals.journal("cached");
    j.append(texts(1, 5));
    assertThat(seqNrs(j, 1)).isEqualTo(range(1, 5));
    Replicator r = w.replicator();
    w.awaitReplicated();
    r.close();
    j.delete(2);
    j.append(texts(6, 7));
    assertThat(seqNrs(j, 1)).isEqualTo(range(3, 7));
    assertThat(j.pointer()).isEqualTo(OptionalLong.of(7));
    j.purge();
    assertThat(seqNrs(j, 1)).isEmpty();
    w.replicator();
    w.awaitReplicated();
    assertThat(seqNrs(j, 1)).isEmpty();
    assertThat(j.pointer()).isEmpty();
  }
}
