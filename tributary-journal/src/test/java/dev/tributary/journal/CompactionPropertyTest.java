package dev.tributary.journal;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Compaction changes no outcome: random action sequences, as writers produce them (a Delete never past
 * the journal's last sequence number), applied to each real store after a random prefix, one action
 * at a time for one journal and compacted for another, leave the same events and metadata.
 * Seed: printed; replay with -Djournal.compaction.seed=N.
 */
class CompactionPropertyTest {
  private static final int CASES = 200;

  @ParameterizedTest
  @EnumSource(StoreKind.class)
  void applyingACompactedBatchEqualsApplyingEachAction(StoreKind kind) throws Exception {
    long seed = Long.getLong("journal.compaction.seed", System.nanoTime());
    System.out.println("CompactionPropertyTest on " + kind + " seed: " + seed + " (replay with -Djournal.compaction.seed=" + seed + ")");
    Random random = new Random(seed);
    JournalStoreConfig config = kind.fresh();
    String topic = "compaction-" + seed; // the Cassandra keyspace is shared with other tests
    try (JournalStore store = JournalStore.open(config, 1, "compaction-test", null); Table table = Table.of(config, store)) {
      for (int i = 0; i < CASES; i++) {
        JournalKey each = new JournalKey(topic, "each-" + i);
        JournalKey compacted = new JournalKey(topic, "compacted-" + i);
        Writer writer = new Writer(random);
        List<Action> prefix = writer.actions(random.nextInt(6));
        List<Action> batch = writer.actions(1 + random.nextInt(10));
        long offset = 0;
        for (Action a : prefix) {
          table.apply(List.of(record(each, a, offset)));
          table.apply(List.of(record(compacted, a, offset)));
          offset++;
        }
        List<ActionRecord> records = new ArrayList<>();
        for (Action a : batch) {
          table.apply(List.of(record(each, a, offset)));
          records.add(record(compacted, a, offset++));
        }
        table.apply(records);
        assertThat(table.state(compacted)).as("case %d of seed %d: prefix %s, batch %s", i, seed, prefix, batch)
            .isEqualTo(table.state(each));
      }
    }
  }

  /**
   * A replicator killed after writing a new journal's rows but before its metajournal row leaves rows
   * no metajournal row accounts for; the next attempt's poll may reach further, to a Delete that hides
   * them. ReplicatorCrashTest found them left in the table (read past, never removed).
   */
  @Test
  void aDeleteRemovesRowsThatAKilledAttemptWroteBeforeTheJournalsFirstMetajournalRow() throws Exception {
    JournalStoreConfig.Cassandra config = (JournalStoreConfig.Cassandra) StoreKind.CASSANDRA.fresh();
    JournalKey key = new JournalKey("killed-attempt-" + System.nanoTime(), "cart");
    ActionRecord first = record(key, new Action.Append(1, 3, null, null, Action.PayloadType.JSON, null), 0);
    try (JournalStore store = JournalStore.open(config, 1, "compaction-test", null)) {
      CassandraStore cs = (CassandraStore) store;
      cs.apply(List.of(first));
      CassandraStore.Head written = cs.head(key);
      cs.session().execute(com.datastax.oss.driver.api.core.cql.SimpleStatement.newInstance(
          "DELETE FROM " + config.keyspace() + ".metajournal WHERE topic = ? AND segment = ? AND id = ?", key.topic(), written.segment(), key.id()));

      cs.apply(List.of(first, record(key, new Action.Append(4, 5, null, null, Action.PayloadType.JSON, null), 1),
          record(key, new Action.Delete(4, null, null), 2)));

      assertThat(cassandraState(cs, config.keyspace(), key)).containsExactly("meta 5 4 null null", "5 e5@1 1");
    }
  }

  /** One journal's actions applied as the replicator applies them, and what a reader of the tables sees. */
  private interface Table extends AutoCloseable {
    void apply(List<ActionRecord> actions) throws Exception;

    List<String> state(JournalKey key) throws Exception;

    static Table of(JournalStoreConfig config, JournalStore store) throws Exception {
      return switch (store) {
        case PostgresStore pg -> {
          Connection c = DriverManager.getConnection(((JournalStoreConfig.Postgres) config).jdbcUrl());
          yield new Table() {
            public void apply(List<ActionRecord> actions) throws Exception {
              pg.apply(c, Compaction.of(actions));
            }

            public List<String> state(JournalKey key) throws Exception {
              return CompactionPropertyTest.state(c, key);
            }

            public void close() throws Exception {
              c.close();
            }
          };
        }
        case CassandraStore cs -> new Table() {
          public void apply(List<ActionRecord> actions) {
            cs.apply(actions);
          }

          public List<String> state(JournalKey key) {
            return cassandraState(cs, ((JournalStoreConfig.Cassandra) config).keyspace(), key);
          }

          public void close() {}
        };
        default -> throw new IllegalArgumentException(store.toString());
      };
    }
  }

  /** As {@link #state(Connection, JournalKey)}, in Cassandra's tables. */
  private static List<String> cassandraState(CassandraStore store, String keyspace, JournalKey key) {
    List<String> out = new ArrayList<>();
    CassandraStore.Head h = store.head(key);
    if (h == null) return out;
    var meta = store.session().execute(com.datastax.oss.driver.api.core.cql.SimpleStatement.newInstance(
        "SELECT seq_nr, delete_to, expire_after, expire_on FROM " + keyspace + ".metajournal WHERE topic = ? AND segment = ? AND id = ?",
        key.topic(), h.segment(), key.id())).one();
    out.add("meta " + meta.getLong(0) + " " + meta.getLong(1) + " " + meta.getCqlDuration(2) + " " + meta.getLocalDate(3));
    for (long segment = 0; segment <= CassandraStore.segment(Math.max(1, h.seqNr()), h.segmentSize()) + 1; segment++) {
      for (var r : store.session().execute(com.datastax.oss.driver.api.core.cql.SimpleStatement.newInstance(
          "SELECT seq_nr, payload_txt, offset FROM " + keyspace + ".journal WHERE id = ? AND topic = ? AND segment = ?",
          key.id(), key.topic(), segment))) {
        out.add(r.getLong(0) + " " + r.getString(1) + " " + r.getLong(2));
      }
    }
    return out;
  }

  private static ActionRecord record(JournalKey key, Action action, long offset) {
    EventsRecord events = null;
    if (action instanceof Action.Append a) {
      List<Event> list = new ArrayList<>();
      for (long n = a.from(); n <= a.to(); n++) list.add(new Event(n, Payload.text("e" + n + "@" + offset)));
      events = EventsRecord.current(list, a.origin() == null ? AppendMetadata.EMPTY : AppendMetadata.expireAfter(Duration.ofMinutes(a.to())));
    }
    return new ActionRecord(key, 0, offset, Instant.ofEpochSecond(1_000_000 + offset), action, events, Map.of());
  }

  /** Everything a reader of the store can see of one journal. */
  private static List<String> state(Connection c, JournalKey key) throws Exception {
    List<String> out = new ArrayList<>();
    try (PreparedStatement s = c.prepareStatement("SELECT seq_nr, delete_to, expire_after_ms, expire_on FROM metajournal WHERE topic = ? AND id = ?")) {
      s.setString(1, key.topic());
      s.setString(2, key.id());
      try (ResultSet r = s.executeQuery()) {
        while (r.next()) out.add("meta " + r.getLong(1) + " " + r.getLong(2) + " " + r.getString(3) + " " + r.getString(4));
      }
    }
    try (PreparedStatement s = c.prepareStatement("SELECT seq_nr, payload_txt, kafka_offset FROM journal WHERE topic = ? AND id = ? ORDER BY seq_nr")) {
      s.setString(1, key.topic());
      s.setString(2, key.id());
      try (ResultSet r = s.executeQuery()) {
        while (r.next()) out.add(r.getLong(1) + " " + r.getString(2) + " " + r.getLong(3));
      }
    }
    return out;
  }

  /** A single writer: appends continue its sequence, deletes stay within it, a purge starts over. */
  private static final class Writer {
    private final Random random;
    private long seqNr;

    Writer(Random random) {
      this.random = random;
    }

    List<Action> actions(int n) {
      List<Action> out = new ArrayList<>();
      for (int i = 0; i < n; i++) out.add(next());
      return out;
    }

    private Action next() {
      int pick = random.nextInt(10);
      if (pick < 5) {
        long from = seqNr + 1;
        seqNr += 1 + random.nextInt(4);
        // origin set: the append carries an expireAfter, so expiry updates are compared too
        return new Action.Append(from, seqNr, random.nextBoolean() ? "host" : null, null, Action.PayloadType.JSON, null);
      }
      if (pick < 8 && seqNr > 0) return new Action.Delete(1 + (long) random.nextInt((int) seqNr), null, null);
      if (pick < 9) {
        seqNr = 0;
        return new Action.Purge(null, null);
      }
      return new Action.Mark("m", null, null);
    }
  }
}
