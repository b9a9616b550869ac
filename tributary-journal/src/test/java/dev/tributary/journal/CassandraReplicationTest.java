package dev.tributary.journal;

import static dev.tributary.journal.JournalWorld.events;
import static dev.tributary.journal.JournalWorld.range;
import static dev.tributary.journal.JournalWorld.texts;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tributary.testkit.CassandraCluster;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The journal on a three-node Cassandra cluster (127.0.0.1-3) with replication factor 3 and every
 * statement at LOCAL_QUORUM: a node may be down for maintenance while journals are written,
 * replicated and read.
 */
class CassandraReplicationTest {
  private static final int JOURNALS = 4;
  private static final int BATCH = 10;

  @TempDir Path dir;

  @Test
  void journalsAreReplicatedAndReadWholeWhileOneOfThreeNodesIsStoppedAndAfterItReturns() throws Exception {
    long t0 = System.nanoTime();
    try (CassandraCluster cluster = CassandraCluster.start(dir, 3)) {
      System.out.printf("3-node Cassandra started in %d ms%n", cluster.startupTime().toMillis());
      List<String> contactPoints = cluster.contactPoints().stream().map(a -> a.getHostString() + ":" + a.getPort()).toList();
      String dc = cluster.localDatacenter();
      JournalStoreConfig.Cassandra config = JournalStoreConfig.Cassandra.of(contactPoints, "journal_rf3").withLocalDc(dc)
          .withReplication("{'class': 'NetworkTopologyStrategy', '" + dc + "': 3}").withSegmentSize(SharedServers.SEGMENT_SIZE);
      try (JournalWorld w = new JournalWorld(SharedServers.bootstrapServers(), config, 2)) {
        Replicator replicator = w.replicator();
        Journals journals = w.journals(true);
        CassandraStore store = (CassandraStore) w.store();
        Map<String, String> replication = store.session().execute(
            "SELECT replication FROM system_schema.keyspaces WHERE keyspace_name = 'journal_rf3'").one().getMap(0, String.class, String.class);
        assertThat(replication).containsEntry(dc, "3");

        appendReplicateAndRead(w, journals, 0);
        // Node 0: the seed, the first contact point, and so likely the driver's control connection.
        cluster.stop(0);
        System.out.printf("node 0 stopped at %d ms%n", (System.nanoTime() - t0) / 1_000_000);
        appendReplicateAndRead(w, journals, 1);
        cluster.start(0);
        System.out.printf("node 0 back at %d ms%n", (System.nanoTime() - t0) / 1_000_000);
        appendReplicateAndRead(w, journals, 2);
        assertThat(replicator.failure()).isNull();
        assertThat(replicator.stoppedPartitions()).isEmpty();
      }
    }
    System.out.printf("CassandraReplicationTest took %d ms%n", (System.nanoTime() - t0) / 1_000_000);
  }

  /**
   * Appends batch {@code batch} of every journal, waits for the replicator, then reads every journal
   * whole: through {@link Journals} (store merged with the head) and from the store alone.
   */
  private static void appendReplicateAndRead(JournalWorld w, Journals journals, int batch) {
    for (int j = 0; j < JOURNALS; j++) journals.journal("rf3-" + j).append(texts(batch * BATCH + 1L, (batch + 1L) * BATCH));
    w.awaitReplicated();
    long last = (batch + 1L) * BATCH;
    for (int j = 0; j < JOURNALS; j++) {
      Journal journal = journals.journal("rf3-" + j);
      assertThat(events(journal, 1)).as("rf3-%d after batch %d", j, batch).isEqualTo(texts(1, last));
      List<Long> stored = w.store().events(journal.key(), 1, 10_000).stream().map(Event::seqNr).toList();
      assertThat(stored).as("rf3-%d in the store after batch %d", j, batch).isEqualTo(range(1, last));
      assertThat(w.store().meta(journal.key()).seqNr()).isEqualTo(last);
    }
  }
}
