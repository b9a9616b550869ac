package dev.tributary.journal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.MeterRegistry;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import org.apache.kafka.common.TopicPartition;

/**
 * The journal's eventual store in PostgreSQL (tables in db/V1__journal.sql): the replicator's
 * writes, one transaction per poll, and the reads a {@link Journal} merges with the Kafka head.
 */
final class PostgresStore implements JournalStore {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Connections connections;

  /** A store for short-lived readers and writers, whose pool reports no meters. */
  PostgresStore(String jdbcUrl, int connections) {
    this(jdbcUrl, connections, "journal", null);
  }

  /** A store whose pool, named {@code name}, reports its meters to {@code registry}. */
  PostgresStore(String jdbcUrl, int connections, String name, MeterRegistry registry) {
    this.connections = new Connections(jdbcUrl, connections, name, registry);
  }

  // ---- reads

  @Override
  public OptionalLong pointer(String topic, int partition) {
    return connections.withConnection(c -> {
      try (PreparedStatement s = c.prepareStatement("SELECT kafka_offset FROM pointer WHERE topic = ? AND partition = ?")) {
        s.setString(1, topic);
        s.setInt(2, partition);
        try (ResultSet r = s.executeQuery()) {
          return r.next() && r.getLong(1) >= 0 ? OptionalLong.of(r.getLong(1)) : OptionalLong.empty();
        }
      }
    });
  }

  @Override
  public Map<Integer, Long> pointers(String topic, int partitions) {
    return connections.withConnection(c -> {
      Map<Integer, Long> out = new LinkedHashMap<>();
      try (PreparedStatement s = c.prepareStatement("SELECT partition, kafka_offset FROM pointer WHERE topic = ?")) {
        s.setString(1, topic);
        try (ResultSet r = s.executeQuery()) {
          while (r.next()) out.put(r.getInt(1), r.getLong(2));
        }
      }
      return out;
    });
  }

  @Override
  public Meta meta(JournalKey key) {
    return connections.withConnection(c -> {
      try (PreparedStatement s = c.prepareStatement("SELECT seq_nr, delete_to FROM metajournal WHERE topic = ? AND id = ?")) {
        s.setString(1, key.topic());
        s.setString(2, key.id());
        try (ResultSet r = s.executeQuery()) {
          return r.next() ? new Meta(r.getLong(1), r.getLong(2)) : null;
        }
      }
    });
  }

  @Override
  public List<Event> events(JournalKey key, long from, int limit) {
    return connections.withConnection(c -> {
      try (PreparedStatement s = c.prepareStatement("SELECT seq_nr, tags, payload_type, payload_txt, payload_bin FROM journal"
          + " WHERE topic = ? AND id = ? AND seq_nr >= ? ORDER BY seq_nr LIMIT ?")) {
        s.setString(1, key.topic());
        s.setString(2, key.id());
        s.setLong(3, from);
        s.setInt(4, limit);
        List<Event> out = new ArrayList<>();
        try (ResultSet r = s.executeQuery()) {
          while (r.next()) out.add(event(r));
        }
        return out;
      }
    });
  }

  private static Event event(ResultSet r) throws SQLException {
    Set<String> tags = new LinkedHashSet<>(List.of((String[]) r.getArray(2).getArray()));
    String type = r.getString(3);
    Payload payload = type == null ? null : switch (type) {
      case "binary" -> Payload.binary(r.getBytes(5));
      case "text" -> Payload.text(r.getString(4));
      case "json" -> Payload.json(readJson(r.getString(4)));
      default -> throw new SQLException("journal row " + r.getLong(1) + " has payload_type '" + type + "'");
    };
    return new Event(r.getLong(1), tags, payload);
  }

  /** Oldest first. */
  @Override
  public List<JournalKey> expired(Instant now, int limit) {
    return connections.withConnection(c -> {
      try (PreparedStatement s = c.prepareStatement(
          "SELECT topic, id FROM metajournal WHERE expire_on <= ? ORDER BY expire_on LIMIT ?")) {
        s.setTimestamp(1, Timestamp.from(now));
        s.setInt(2, limit);
        List<JournalKey> out = new ArrayList<>();
        try (ResultSet r = s.executeQuery()) {
          while (r.next()) out.add(new JournalKey(r.getString(1), r.getString(2)));
        }
        return out;
      }
    });
  }

  // ---- the replicator's writes

  /**
   * All in one transaction: the pointer row is locked first, so two replicators never apply the same
   * record twice.
   */
  @Override
  public int apply(Map<TopicPartition, List<ActionRecord>> polled) {
    List<TopicPartition> order = new ArrayList<>(polled.keySet());
    order.sort(Comparator.comparing(TopicPartition::topic).thenComparingInt(TopicPartition::partition));
    return connections.inTransaction(c -> {
      int applied = 0;
      for (TopicPartition tp : order) {
        List<ActionRecord> records = polled.get(tp);
        if (records.isEmpty()) continue;
        long pointer = lockPointer(c, tp);
        Map<JournalKey, List<ActionRecord>> byKey = new LinkedHashMap<>();
        for (ActionRecord r : records) {
          if (r.offset() > pointer) byKey.computeIfAbsent(r.key(), k -> new ArrayList<>()).add(r);
        }
        for (List<ActionRecord> actions : byKey.values()) {
          apply(c, Compaction.of(actions));
          applied += actions.size();
        }
        long last = records.getLast().offset();
        if (last > pointer) setPointer(c, tp, last);
      }
      return applied;
    });
  }

  /** Applies one journal's compacted actions inside the caller's transaction. */
  void apply(Connection c, Compaction k) throws SQLException {
    if (k.purge()) purge(c, k.key());
    if (k.lastSeqNr() > 0) append(c, k);
    if (k.deleteTo() > 0) delete(c, k);
  }

  private static long lockPointer(Connection c, TopicPartition tp) throws SQLException {
    try (PreparedStatement s = c.prepareStatement(
        "INSERT INTO pointer (topic, partition, kafka_offset) VALUES (?, ?, -1) ON CONFLICT DO NOTHING")) {
      s.setString(1, tp.topic());
      s.setInt(2, tp.partition());
      s.executeUpdate();
    }
    try (PreparedStatement s = c.prepareStatement("SELECT kafka_offset FROM pointer WHERE topic = ? AND partition = ? FOR UPDATE")) {
      s.setString(1, tp.topic());
      s.setInt(2, tp.partition());
      try (ResultSet r = s.executeQuery()) {
        r.next();
        return r.getLong(1);
      }
    }
  }

  private static void setPointer(Connection c, TopicPartition tp, long offset) throws SQLException {
    try (PreparedStatement s = c.prepareStatement(
        "UPDATE pointer SET kafka_offset = ?, updated = now() WHERE topic = ? AND partition = ?")) {
      s.setLong(1, offset);
      s.setString(2, tp.topic());
      s.setInt(3, tp.partition());
      s.executeUpdate();
    }
  }

  private static void purge(Connection c, JournalKey key) throws SQLException {
    for (String table : List.of("journal", "metajournal")) {
      try (PreparedStatement s = c.prepareStatement("DELETE FROM " + table + " WHERE topic = ? AND id = ?")) {
        s.setString(1, key.topic());
        s.setString(2, key.id());
        s.executeUpdate();
      }
    }
  }

  private static void append(Connection c, Compaction k) throws SQLException {
    if (!k.events().isEmpty()) {
      try (PreparedStatement s = c.prepareStatement("INSERT INTO journal (topic, id, seq_nr, partition, kafka_offset, created, tags,"
          + " payload_type, payload_txt, payload_bin, metadata, headers) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?::jsonb)"
          + " ON CONFLICT (topic, id, seq_nr) DO UPDATE SET partition = EXCLUDED.partition, kafka_offset = EXCLUDED.kafka_offset,"
          + " created = EXCLUDED.created, tags = EXCLUDED.tags, payload_type = EXCLUDED.payload_type,"
          + " payload_txt = EXCLUDED.payload_txt, payload_bin = EXCLUDED.payload_bin, metadata = EXCLUDED.metadata,"
          + " headers = EXCLUDED.headers")) {
        for (Compaction.StoredEvent e : k.events()) {
          bindEvent(c, s, k, e);
          s.addBatch();
        }
        s.executeBatch();
      }
    }
    ActionRecord last = k.lastAppend();
    var expireAfter = last.events().metadata().expireAfter();
    try (PreparedStatement s = c.prepareStatement("INSERT INTO metajournal (topic, id, partition, kafka_offset, seq_nr,"
        + " expire_after_ms, expire_on) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (topic, id) DO UPDATE SET"
        + " partition = EXCLUDED.partition, kafka_offset = EXCLUDED.kafka_offset,"
        + " seq_nr = GREATEST(metajournal.seq_nr, EXCLUDED.seq_nr), expire_after_ms = EXCLUDED.expire_after_ms,"
        + " expire_on = EXCLUDED.expire_on, updated = now()")) {
      s.setString(1, k.key().topic());
      s.setString(2, k.key().id());
      s.setInt(3, k.partition());
      s.setLong(4, k.lastOffset());
      s.setLong(5, k.lastSeqNr());
      if (expireAfter == null) {
        s.setNull(6, Types.BIGINT);
        s.setNull(7, Types.TIMESTAMP_WITH_TIMEZONE);
      } else {
        s.setLong(6, expireAfter.toMillis());
        s.setTimestamp(7, Timestamp.from(last.timestamp().plus(expireAfter)));
      }
      s.executeUpdate();
    }
  }

  private static void bindEvent(Connection c, PreparedStatement s, Compaction k, Compaction.StoredEvent e) throws SQLException {
    Event ev = e.event();
    s.setString(1, k.key().topic());
    s.setString(2, k.key().id());
    s.setLong(3, ev.seqNr());
    s.setInt(4, k.partition());
    s.setLong(5, e.offset());
    s.setTimestamp(6, Timestamp.from(e.timestamp()));
    Array tags = c.createArrayOf("text", ev.tags().toArray());
    s.setArray(7, tags);
    s.setNull(9, Types.VARCHAR);
    s.setNull(10, Types.BINARY);
    switch (ev.payload()) {
      case null -> s.setNull(8, Types.VARCHAR);
      case Payload.Binary b -> {
        s.setString(8, "binary");
        s.setBytes(10, b.bytes());
      }
      case Payload.Text t -> {
        s.setString(8, "text");
        s.setString(9, t.text());
      }
      case Payload.Json j -> {
        s.setString(8, "json");
        s.setString(9, new String(EventsCodec.bytes(j.json()), java.nio.charset.StandardCharsets.UTF_8));
      }
    }
    s.setString(11, e.metadata().data() == null ? null : e.metadata().data().toString());
    s.setString(12, e.headers().isEmpty() ? null : writeJson(e.headers()));
  }

  private static void delete(Connection c, Compaction k) throws SQLException {
    Meta meta;
    try (PreparedStatement s = c.prepareStatement("SELECT seq_nr, delete_to FROM metajournal WHERE topic = ? AND id = ? FOR UPDATE")) {
      s.setString(1, k.key().topic());
      s.setString(2, k.key().id());
      try (ResultSet r = s.executeQuery()) {
        meta = r.next() ? new Meta(r.getLong(1), r.getLong(2)) : null;
      }
    }
    if (meta == null) {
      // Its appends were hidden by this very delete (or came before the store): keep the sequence number.
      try (PreparedStatement s = c.prepareStatement("INSERT INTO metajournal (topic, id, partition, kafka_offset, seq_nr, delete_to)"
          + " VALUES (?, ?, ?, ?, ?, ?)")) {
        s.setString(1, k.key().topic());
        s.setString(2, k.key().id());
        s.setInt(3, k.partition());
        s.setLong(4, k.lastOffset());
        s.setLong(5, k.deleteTo());
        s.setLong(6, k.deleteTo());
        s.executeUpdate();
      }
      return;
    }
    long to = Math.min(k.deleteTo(), meta.seqNr());
    if (to <= meta.deleteTo()) return;
    try (PreparedStatement s = c.prepareStatement(
        "UPDATE metajournal SET delete_to = ?, kafka_offset = ?, updated = now() WHERE topic = ? AND id = ?")) {
      s.setLong(1, to);
      s.setLong(2, k.lastOffset());
      s.setString(3, k.key().topic());
      s.setString(4, k.key().id());
      s.executeUpdate();
    }
    try (PreparedStatement s = c.prepareStatement("DELETE FROM journal WHERE topic = ? AND id = ? AND seq_nr <= ?")) {
      s.setString(1, k.key().topic());
      s.setString(2, k.key().id());
      s.setLong(3, to);
      s.executeUpdate();
    }
  }

  private static com.fasterxml.jackson.databind.JsonNode readJson(String text) throws SQLException {
    try {
      return JSON.readTree(text);
    } catch (JsonProcessingException e) {
      throw new SQLException("a json payload in the store is not JSON: " + e.getMessage(), e);
    }
  }

  private static String writeJson(Object value) {
    try {
      return JSON.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    connections.close();
  }
}
