package dev.tributary.journal;

import static dev.tributary.journal.JournalWorld.range;
import static dev.tributary.journal.JournalWorld.seqNrs;
import static dev.tributary.journal.JournalWorld.texts;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/** Crashes and rebalances of the replicator, with real processes, broker and PostgreSQL. */
class ReplicatorCrashTest {

  @Test
  void aReplicatorKilledBetweenTheDatabaseCommitAndTheKafkaCommitLosesAndDuplicatesNothing() throws Exception {
    try (JournalWorld w = new JournalWorld(SharedServers.bootstrapServers(), SharedServers.createDatabase(), 1)) {
      Journals journals = w.journals(false);
      Journal j = journals.journal("k");
      for (int b = 0; b < 10; b++) j.append(texts(b * 10L + 1, b * 10L + 10));
      ReplicatorConfig config = w.config();

      Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
          "-cp", System.getProperty("java.class.path"), ReplicatorChild.class.getName(),
          config.bootstrapServers(), config.jdbcUrl(), config.topicPrefix(), config.groupId()).redirectErrorStream(true).start();
      try {
        CompletableFuture<Boolean> stored = CompletableFuture.supplyAsync(() -> awaitLine(child, "STORED"));
        assertThat(stored.get(60, TimeUnit.SECONDS)).as("the child replicator committed to the database").isTrue();
        child.destroyForcibly(); // SIGKILL
        child.waitFor(10, TimeUnit.SECONDS);
      } finally {
        child.destroyForcibly();
      }
      TopicPartition tp = new TopicPartition(w.topic, 0);
      try (var admin = w.admin(); PostgresStore store = new PostgresStore(w.jdbcUrl, 1)) {
        Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(config.groupId())
            .partitionsToOffsetAndMetadata().get();
        long inKafka = committed.get(tp) == null ? 0 : committed.get(tp).offset();
        assertThat(store.pointer(w.topic, 0).orElse(-1)).as("the database is ahead of Kafka's committed offset").isGreaterThanOrEqualTo(inKafka);
      }

      j.purge();
      j.append(texts(1, 3));
      w.replicator();
      w.awaitReplicated();
      assertThat(seqNrs(j, 1)).isEqualTo(range(1, 3));
      try (PostgresStore store = new PostgresStore(w.jdbcUrl, 1)) {
        assertThat(store.events(j.key(), 1, 1000)).extracting(Event::payload)
            .containsExactly(Payload.text("e1"), Payload.text("e2"), Payload.text("e3"));
      }
    }
  }

  private static void write(Journals journals, int ids, int fromBatch, int toBatch) {
    for (int b = fromBatch; b < toBatch; b++) {
      for (int id = 0; id < ids; id++) journals.journal("r-" + id).append(texts(b * 3L + 1, b * 3L + 3));
    }
  }

  private static boolean awaitLine(Process p, String line) {
    try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      String l;
      while ((l = r.readLine()) != null) if (l.equals(line)) return true;
      return false;
    } catch (Exception e) {
      return false;
    }
  }

  @Test
  void twoReplicatorsThroughARebalanceApplyEverythingOnceAndPointersOnlyGrow() throws Exception {
    try (JournalWorld w = new JournalWorld(SharedServers.bootstrapServers(), SharedServers.createDatabase(), 4)) {
      Journals journals = w.journals(false);
      int ids = 16;
      int batches = 30;
      AtomicBoolean shrank = new AtomicBoolean();
      AtomicBoolean writing = new AtomicBoolean(true);
      Thread watcher = Thread.ofPlatform().start(() -> {
        Map<Integer, Long> last = Map.of();
        try (PostgresStore store = new PostgresStore(w.jdbcUrl, 1)) {
          while (writing.get()) {
            Map<Integer, Long> now = store.pointers(w.topic);
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
      try (PostgresStore store = new PostgresStore(w.jdbcUrl, 1)) {
        for (int id = 0; id < ids; id++) {
          JournalKey key = new JournalKey(w.topic, "r-" + id);
          List<Long> seqNrs = new ArrayList<>();
          for (Event e : store.events(key, 1, 10_000)) seqNrs.add(e.seqNr());
          assertThat(seqNrs).isEqualTo(range(1, batches * 3L));
          assertThat(store.meta(key).seqNr()).isEqualTo(batches * 3L);
        }
      }
      assertThat(second.stoppedPartitions()).isEmpty();
    }
  }
}
