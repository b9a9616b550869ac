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

/**
 * Compaction changes no outcome: random action sequences, as writers produce them (a Delete never past
 * the journal's last sequence number), applied to a real PostgreSQL after a random prefix, one action
 * at a time for one journal and compacted for another, leave the same events and metadata.
 * Seed: printed; replay with -Djournal.compaction.seed=N.
 */
class CompactionPropertyTest {
  private static final int CASES = 200;

  @Test
  void applyingACompactedBatchEqualsApplyingEachAction() throws Exception {
    long seed = Long.getLong("journal.compaction.seed", System.nanoTime());
    System.out.println("CompactionPropertyTest seed: " + seed + " (replay with -Djournal.compaction.seed=" + seed + ")");
    Random random = new Random(seed);
    String url = SharedServers.createDatabase();
    JournalSchema.migrate(url);
    try (PostgresStore store = new PostgresStore(url, 1); Connection c = DriverManager.getConnection(url)) {
      for (int i = 0; i < CASES; i++) {
        JournalKey each = new JournalKey("t", "each-" + i);
        JournalKey compacted = new JournalKey("t", "compacted-" + i);
        Writer writer = new Writer(random);
        List<Action> prefix = writer.actions(random.nextInt(6));
        List<Action> batch = writer.actions(1 + random.nextInt(10));
        long offset = 0;
        for (Action a : prefix) {
          store.apply(c, Compaction.of(List.of(record(each, a, offset))));
          store.apply(c, Compaction.of(List.of(record(compacted, a, offset))));
          offset++;
        }
        List<ActionRecord> records = new ArrayList<>();
        for (Action a : batch) {
          store.apply(c, Compaction.of(List.of(record(each, a, offset))));
          records.add(record(compacted, a, offset++));
        }
        store.apply(c, Compaction.of(records));
        assertThat(state(c, compacted)).as("case %d of seed %d: prefix %s, batch %s", i, seed, prefix, batch)
            .isEqualTo(state(c, each));
      }
    }
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
