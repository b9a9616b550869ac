package dev.tributary.journal;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.DriverException;
import com.datastax.oss.driver.api.core.config.DefaultDriverOption;
import com.datastax.oss.driver.api.core.config.DriverConfigLoader;
import com.datastax.oss.driver.api.core.cql.AsyncResultSet;
import com.datastax.oss.driver.api.core.cql.BoundStatement;
import com.datastax.oss.driver.api.core.cql.BoundStatementBuilder;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import com.datastax.oss.driver.api.core.data.CqlDuration;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import java.util.stream.IntStream;
import org.apache.kafka.common.TopicPartition;

/**
 * The journal's eventual store in Cassandra, in kafka-journal's tables and keys (see
 * {@link CassandraSchema}), so that both can share a keyspace. Events live in {@code journal},
 * partitioned by (id, topic, segment) with {@code segment = (seqNr - 1) / segment_size}; one row per
 * journal in {@code metajournal}, partitioned by (topic, segment of the id's hash); per topic
 * partition, the replicated offset in {@code pointer2}.
 *
 * <p>Cassandra has no transactions, so every write is idempotent and ordered so that a crash at any
 * point is repaired by applying the same records again: a journal's actions at or below its
 * {@code metajournal} offset are skipped; an append writes its rows, then the metajournal row; a
 * delete removes the rows, then sets {@code delete_to}; a purge removes the rows, then the
 * metajournal row; a partition's pointer moves only after all its journals were written.
 */
final class CassandraStore implements JournalStore {
  /** kafka-journal's number of metajournal segments; journals written before it had 100. */
  static final int META_SEGMENTS = 10_000;
  private static final int OLD_META_SEGMENTS = 100;
  /** Dates before today whose expiring journals are still looked for (a replicator down that long misses none). */
  private static final int EXPIRY_DAYS_BACK = 30;
  private static final int IN_FLIGHT = 128;
  private static final ObjectMapper JSON = new ObjectMapper();

  /** A metajournal row: where it is ({@code segment}) and what it says; {@code deleteTo} 0 for none. */
  record Head(long segment, long offset, int segmentSize, long seqNr, long deleteTo, LocalDate expireOn, UUID recordId) {}

  private final CqlSession session;
  private final String where;
  private final int segmentSize;
  private final PreparedStatement insertEvent, selectEvents, deleteSegment, deleteSegmentTo;
  private final PreparedStatement selectHead, insertHead, updateHead, deleteHead, selectExpiring;
  private final PreparedStatement selectPointer, selectPointers, insertPointer, updatePointer;

  private CassandraStore(CqlSession session, JournalStoreConfig.Cassandra config) {
    this.session = session;
    this.where = config.toString();
    this.segmentSize = config.segmentSize();
    String ks = config.keyspace();
    insertEvent = session.prepare("INSERT INTO " + ks + ".journal (id, topic, segment, seq_nr, partition, offset, timestamp, origin,"
        + " version, meta_record_id, tags, payload_type, payload_txt, payload_bin, metadata, headers)"
        + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    selectEvents = session.prepare("SELECT seq_nr, tags, payload_type, payload_txt, payload_bin, meta_record_id FROM " + ks
        + ".journal WHERE id = ? AND topic = ? AND segment = ? AND seq_nr >= ?");
    deleteSegment = session.prepare("DELETE FROM " + ks + ".journal WHERE id = ? AND topic = ? AND segment = ?");
    deleteSegmentTo = session.prepare("DELETE FROM " + ks + ".journal WHERE id = ? AND topic = ? AND segment = ? AND seq_nr <= ?");
    selectHead = session.prepare("SELECT offset, segment_size, seq_nr, delete_to, expire_on, record_id FROM " + ks
        + ".metajournal WHERE topic = ? AND segment = ? AND id = ?");
    insertHead = session.prepare("INSERT INTO " + ks + ".metajournal (topic, segment, id, partition, offset, segment_size, seq_nr,"
        + " delete_to, created, created_date, updated, expire_after, expire_on, record_id, origin)"
        + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    updateHead = session.prepare("UPDATE " + ks + ".metajournal SET partition = ?, offset = ?, seq_nr = ?, delete_to = ?, updated = ?,"
        + " expire_after = ?, expire_on = ? WHERE topic = ? AND segment = ? AND id = ?");
    deleteHead = session.prepare("DELETE FROM " + ks + ".metajournal WHERE topic = ? AND segment = ? AND id = ?");
    selectExpiring = session.prepare("SELECT topic, id, updated, expire_after FROM " + ks + ".metajournal WHERE expire_on = ?");
    selectPointer = session.prepare("SELECT offset FROM " + ks + ".pointer2 WHERE topic = ? AND partition = ?");
    selectPointers = session.prepare("SELECT partition, offset FROM " + ks + ".pointer2 WHERE topic = ? AND partition IN ?");
    insertPointer = session.prepare("INSERT INTO " + ks + ".pointer2 (topic, partition, offset, created, updated) VALUES (?, ?, ?, ?, ?)");
    updatePointer = session.prepare("UPDATE " + ks + ".pointer2 SET offset = ?, updated = ? WHERE topic = ? AND partition = ?");
  }

  /** Connects (every statement at LOCAL_QUORUM), then creates or checks the schema; {@code name} names the driver session. */
  static CassandraStore open(JournalStoreConfig.Cassandra config, String name) {
    CqlSession session;
    try {
      var builder = CqlSession.builder().withLocalDatacenter(config.localDc())
          .withConfigLoader(DriverConfigLoader.programmaticBuilder()
              .withString(DefaultDriverOption.SESSION_NAME, name)
              .withString(DefaultDriverOption.REQUEST_CONSISTENCY, "LOCAL_QUORUM")
              .withString(DefaultDriverOption.REQUEST_SERIAL_CONSISTENCY, "LOCAL_SERIAL")
              .withDuration(DefaultDriverOption.REQUEST_TIMEOUT, Duration.ofSeconds(10))
              // Creating the tables waits for every node to agree on the schema: on a busy cluster that takes more than 2 s.
              .withDuration(DefaultDriverOption.CONTROL_CONNECTION_AGREEMENT_TIMEOUT, Duration.ofSeconds(30))
              // close() has already closed the connections when it stops the event loops: Netty's default
              // 2 s of waiting for late tasks made every close (and a SIGTERM of `journal`) 2 s longer.
              .withInt(DefaultDriverOption.NETTY_IO_SHUTDOWN_QUIET_PERIOD, 0)
              .withInt(DefaultDriverOption.NETTY_ADMIN_SHUTDOWN_QUIET_PERIOD, 0)
              .build());
      for (String c : config.contactPoints()) {
        int colon = c.lastIndexOf(':');
        builder.addContactPoint(new InetSocketAddress(c.substring(0, colon), Integer.parseInt(c.substring(colon + 1))));
      }
      if (config.username() != null) builder.withAuthCredentials(config.username(), config.password());
      session = builder.build();
    } catch (DriverException e) {
      throw new JournalStoreException("cannot connect to " + config + ": " + e.getMessage(), e);
    }
    try {
      CassandraSchema.setUp(session, config, hostName());
      return new CassandraStore(session, config);
    } catch (DriverException | JournalStoreException e) {
      session.close();
      if (e instanceof JournalStoreException j) throw j;
      throw new JournalStoreException("error from " + config + " setting up the journal tables: " + e.getMessage(), e);
    }
  }

  /** kafka-journal's metajournal segment of a journal id. */
  static long metaSegment(String id, int segments) {
    return Math.abs((long) id.toLowerCase(Locale.ROOT).hashCode() % segments);
  }

  /** kafka-journal's journal segment of a sequence number. */
  static long segment(long seqNr, int segmentSize) {
    return (seqNr - 1) / segmentSize;
  }

  // ---- reads

  @Override
  public OptionalLong pointer(String topic, int partition) {
    return run(() -> {
      Row r = session.execute(selectPointer.bind(topic, partition)).one();
      return r == null || r.isNull(0) ? OptionalLong.empty() : OptionalLong.of(r.getLong(0));
    });
  }

  @Override
  public Map<Integer, Long> pointers(String topic, int partitions) {
    return run(() -> {
      Map<Integer, Long> out = new LinkedHashMap<>();
      List<Integer> all = IntStream.range(0, partitions).boxed().toList();
      for (Row r : session.execute(selectPointers.bind(topic, all))) {
        if (!r.isNull(1)) out.put(r.getInt(0), r.getLong(1));
      }
      return out;
    });
  }

  @Override
  public Meta meta(JournalKey key) {
    return run(() -> {
      Head h = head(key);
      return h == null ? null : new Meta(h.seqNr(), h.deleteTo());
    });
  }

  /** The journal's metajournal row, in kafka-journal's segment or, for journals it wrote long ago, its old one. */
  Head head(JournalKey key) {
    long segment = metaSegment(key.id(), META_SEGMENTS);
    Head h = head(key, segment);
    long old = metaSegment(key.id(), OLD_META_SEGMENTS);
    return h != null || old == segment ? h : head(key, old);
  }

  private Head head(JournalKey key, long segment) {
    Row r = session.execute(selectHead.bind(key.topic(), segment, key.id())).one();
    if (r == null) return null;
    int size = r.isNull("segment_size") ? segmentSize : r.getInt("segment_size");
    return new Head(segment, r.getLong("offset"), size < 2 ? segmentSize : size, r.getLong("seq_nr"), r.getLong("delete_to"),
        r.getLocalDate("expire_on"), r.getUuid("record_id"));
  }

  /**
   * Walks the segments from {@code from}'s on. A row of another incarnation of the journal (its
   * {@code meta_record_id} not the metajournal's {@code record_id}, left by a purge cut short) is not
   * the journal's, nor is a row past its last sequence number.
   */
  @Override
  public List<Event> events(JournalKey key, long from, int limit) {
    return run(() -> {
      List<Event> out = new ArrayList<>();
      Head h = head(key);
      if (h == null) return out;
      long next = Math.max(from, h.deleteTo() + 1);
      segments:
      while (next <= h.seqNr()) {
        long segment = segment(next, h.segmentSize());
        // Pages of about what is wanted; a page more is fetched only when rows were passed over.
        var rows = session.execute(selectEvents.bind(key.id(), key.topic(), segment, next).setPageSize(Math.max(limit - out.size(), 10)));
        for (Row r : rows) {
          long seqNr = r.getLong(0);
          if (seqNr > h.seqNr()) break segments;
          UUID recordId = r.getUuid(5);
          if (seqNr < next || h.recordId() != null && recordId != null && !recordId.equals(h.recordId())) continue;
          out.add(event(r, seqNr));
          next = seqNr + 1;
          if (out.size() == limit) break segments;
        }
        next = Math.max(next, (segment + 1) * h.segmentSize() + 1);
      }
      return out;
    });
  }

  private Event event(Row r, long seqNr) {
    String type = r.getString(2);
    Payload payload = type == null ? null : switch (type) {
      case "binary" -> Payload.binary(r.isNull(4) ? new byte[0] : bytes(r.getByteBuffer(4)));
      case "text" -> Payload.text(r.getString(3));
      case "json" -> Payload.json(readJson(r.getString(3)));
      default -> throw new JournalStoreException("journal row " + seqNr + " in " + where + " has payload_type '" + type + "'", null);
    };
    return new Event(seqNr, new LinkedHashSet<>(r.getSet(1, String.class)), payload);
  }

  /** Journals whose expire_on date has come (looked up by date, {@value #EXPIRY_DAYS_BACK} days back) and whose expireAfter has passed since their last update. */
  @Override
  public List<JournalKey> expired(Instant now, int limit) {
    return run(() -> {
      List<JournalKey> out = new ArrayList<>();
      LocalDate today = LocalDate.ofInstant(now, ZoneOffset.UTC);
      for (int back = EXPIRY_DAYS_BACK; back >= 0 && out.size() < limit; back--) {
        for (Row r : session.execute(selectExpiring.bind(today.minusDays(back)))) {
          Instant updated = r.getInstant("updated");
          CqlDuration after = r.getCqlDuration("expire_after");
          if (updated != null && after != null && updated.plus(duration(after)).isAfter(now)) continue;
          out.add(new JournalKey(r.getString("topic"), r.getString("id")));
          if (out.size() == limit) break;
        }
      }
      return out;
    });
  }

  // ---- the replicator's writes

  @Override
  public int apply(Map<TopicPartition, List<ActionRecord>> polled) {
    List<TopicPartition> order = new ArrayList<>(polled.keySet());
    order.sort(Comparator.comparing(TopicPartition::topic).thenComparingInt(TopicPartition::partition));
    return run(() -> {
      int applied = 0;
      for (TopicPartition tp : order) {
        List<ActionRecord> records = polled.get(tp);
        if (records.isEmpty()) continue;
        OptionalLong stored = pointer(tp.topic(), tp.partition());
        long pointer = stored.orElse(-1);
        Map<JournalKey, List<ActionRecord>> byKey = new LinkedHashMap<>();
        for (ActionRecord r : records) {
          if (r.offset() > pointer) byKey.computeIfAbsent(r.key(), k -> new ArrayList<>()).add(r);
        }
        for (List<ActionRecord> actions : byKey.values()) {
          apply(actions);
          applied += actions.size();
        }
        long last = records.getLast().offset();
        if (last <= pointer) continue;
        Instant now = Instant.now();
        session.execute(stored.isPresent() ? updatePointer.bind(last, now, tp.topic(), tp.partition())
            : insertPointer.bind(tp.topic(), tp.partition(), last, now, now));
      }
      return applied;
    });
  }

  /** Applies one journal's actions (in offset order) but those its metajournal row says were applied. */
  void apply(List<ActionRecord> actions) {
    JournalKey key = actions.getFirst().key();
    Head head = head(key);
    List<ActionRecord> fresh = head == null ? actions : actions.stream().filter(r -> r.offset() > head.offset()).toList();
    if (fresh.isEmpty()) return;
    Compaction k = Compaction.of(fresh);
    Head h = head;
    if (k.purge() && h != null) {
      purge(key, h);
      h = null;
    }
    if (k.lastSeqNr() == 0 && k.deleteTo() == 0) return;
    int size = h == null ? segmentSize : h.segmentSize();
    UUID recordId = h == null ? UUID.randomUUID() : h.recordId();
    long seqNr = h == null ? 0 : h.seqNr();
    long removedTo = h == null ? 0 : h.deleteTo();
    long deleteTo = removedTo;
    if (k.lastSeqNr() > 0) {
      insertEvents(key, k, size, recordId);
      // As kafka-journal: a journal first stored from n > 1 on has its events before n deleted.
      if (h == null && !k.events().isEmpty()) deleteTo = k.events().getFirst().event().seqNr() - 1;
      seqNr = Math.max(seqNr, k.lastSeqNr());
    }
    if (k.deleteTo() > 0) {
      if (h == null && k.lastSeqNr() == 0) {
        // Its appends were hidden by this very delete (or came before the store): keep the sequence number.
        seqNr = k.deleteTo();
        deleteTo = k.deleteTo();
      } else {
        deleteTo = Math.max(deleteTo, Math.min(k.deleteTo(), seqNr));
      }
      // Rows at or below deleteTo may be there though no metajournal row says so: an attempt at these
      // actions that was killed before its metajournal write, whose poll ended before this delete,
      // wrote them (ReplicatorCrashTest found such rows of a journal first stored here).
      if (deleteTo > removedTo) deleteEvents(key, size, removedTo + 1, deleteTo);
    }
    writeHead(key, h, k, fresh, size, recordId, seqNr, deleteTo);
  }

  private void insertEvents(JournalKey key, Compaction k, int size, UUID recordId) {
    List<BoundStatement> inserts = new ArrayList<>();
    for (Compaction.StoredEvent e : k.events()) {
      Event ev = e.event();
      BoundStatementBuilder b = insertEvent.boundStatementBuilder()
          .setString(0, key.id()).setString(1, key.topic()).setLong(2, segment(ev.seqNr(), size)).setLong(3, ev.seqNr())
          .setInt(4, k.partition()).setLong(5, e.offset()).setInstant(6, e.timestamp())
          .setUuid(9, recordId).setSet(10, ev.tags(), String.class).setString(14, metadata(e));
      if (e.append().origin() != null) b.setString(7, e.append().origin());
      if (e.append().version() != null) b.setString(8, e.append().version());
      switch (ev.payload()) {
        case null -> {}
        case Payload.Binary bin -> b.setString(11, "binary").setByteBuffer(13, ByteBuffer.wrap(bin.bytes()));
        case Payload.Text t -> b.setString(11, "text").setString(12, t.text());
        case Payload.Json j -> b.setString(11, "json").setString(12, new String(EventsCodec.bytes(j.json()), StandardCharsets.UTF_8));
      }
      if (!e.headers().isEmpty()) b.setMap(15, e.headers(), String.class, String.class);
      inserts.add(b.build());
    }
    executeAll(inserts);
  }

  /** kafka-journal's RecordMetadata JSON: the Append header's metadata and the payload's. */
  private static String metadata(Compaction.StoredEvent e) {
    ObjectNode payload = JsonNodeFactory.instance.objectNode();
    if (e.metadata().expireAfter() != null) payload.put("expireAfter", ExpireAfterFormat.format(e.metadata().expireAfter()));
    if (e.metadata().data() != null) payload.set("data", e.metadata().data());
    ObjectNode m = JsonNodeFactory.instance.objectNode();
    m.set("header", e.append().headerMetadata() == null ? JsonNodeFactory.instance.objectNode() : e.append().headerMetadata());
    m.set("payload", payload);
    return m.toString();
  }

  /** Removes events {@code from..to}: whole segments below {@code to}'s, then a range of its. */
  private void deleteEvents(JournalKey key, int size, long from, long to) {
    List<BoundStatement> deletes = new ArrayList<>();
    long last = segment(to, size);
    for (long s = segment(from, size); s < last; s++) deletes.add(deleteSegment.bind(key.id(), key.topic(), s));
    deletes.add(deleteSegmentTo.bind(key.id(), key.topic(), last, to));
    executeAll(deletes);
  }

  /** Removes every segment that can hold the journal's events (one either side, as kafka-journal does), then its metajournal row. */
  private void purge(JournalKey key, Head h) {
    long first = Math.max(0, segment(Math.max(1, h.deleteTo()), h.segmentSize()) - 1);
    long last = segment(Math.max(1, Math.max(h.seqNr(), h.deleteTo())), h.segmentSize()) + 1;
    List<BoundStatement> deletes = new ArrayList<>();
    for (long s = first; s <= last; s++) deletes.add(deleteSegment.bind(key.id(), key.topic(), s));
    executeAll(deletes);
    session.execute(deleteHead.bind(key.topic(), h.segment(), key.id()));
  }

  /** As kafka-journal writes it: created and updated are the times of the records, not of their replication. */
  private void writeHead(JournalKey key, Head h, Compaction k, List<ActionRecord> actions, int size, UUID recordId, long seqNr,
      long deleteTo) {
    ActionRecord last = k.lastAppend();
    ActionRecord first = actions.getFirst();
    Duration expireAfter = last == null ? null : last.events().metadata().expireAfter();
    Instant updated = actions.getLast().timestamp();
    if (h == null) {
      BoundStatementBuilder b = insertHead.boundStatementBuilder().setString(0, key.topic()).setLong(1, metaSegment(key.id(), META_SEGMENTS))
          .setString(2, key.id()).setInt(3, k.partition()).setLong(4, k.lastOffset()).setInt(5, size).setLong(6, seqNr)
          .setInstant(8, first.timestamp()).setLocalDate(9, LocalDate.ofInstant(first.timestamp(), ZoneOffset.UTC)).setInstant(10, updated)
          .setUuid(13, recordId);
      if (deleteTo > 0) b.setLong(7, deleteTo);
      if (expireAfter != null) b.setCqlDuration(11, cqlDuration(expireAfter)).setLocalDate(12, expireOn(last, expireAfter));
      if (first.action().origin() != null) b.setString(14, first.action().origin());
      session.execute(b.build());
      return;
    }
    BoundStatementBuilder b = updateHead.boundStatementBuilder().setInt(0, k.partition()).setLong(1, k.lastOffset()).setLong(2, seqNr)
        .setInstant(4, updated).setString(7, key.topic()).setLong(8, h.segment()).setString(9, key.id());
    if (deleteTo > 0) b.setLong(3, deleteTo);
    if (expireAfter != null) {
      b.setCqlDuration(5, cqlDuration(expireAfter)).setLocalDate(6, expireOn(last, expireAfter));
    } else if (last != null && h.expireOn() != null) {
      b.setToNull(5).setToNull(6); // the last append has no expiry: the journal no longer expires
    }
    session.execute(b.build());
  }

  /** The day the journal expires, as kafka-journal writes it (a DATE; here in UTC). */
  private static LocalDate expireOn(ActionRecord append, Duration expireAfter) {
    return LocalDate.ofInstant(append.timestamp().plus(expireAfter), ZoneOffset.UTC);
  }

  /** As kafka-journal writes a duration: whole days, and the rest in nanoseconds. */
  static CqlDuration cqlDuration(Duration d) {
    long days = d.toDays();
    return CqlDuration.newInstance(0, (int) days, d.minusDays(days).toNanos());
  }

  /** As kafka-journal reads one: days and nanoseconds (months are not written). */
  private static Duration duration(CqlDuration d) {
    return Duration.ofDays(d.getDays()).plusNanos(d.getNanoseconds());
  }

  /** Runs the statements concurrently, at most {@value #IN_FLIGHT} at a time, and waits for them all. */
  private void executeAll(List<BoundStatement> statements) {
    for (int i = 0; i < statements.size(); i += IN_FLIGHT) {
      List<CompletionStage<AsyncResultSet>> running = new ArrayList<>();
      for (BoundStatement s : statements.subList(i, Math.min(statements.size(), i + IN_FLIGHT))) running.add(session.executeAsync(s));
      for (CompletionStage<AsyncResultSet> r : running) {
        try {
          r.toCompletableFuture().join();
        } catch (java.util.concurrent.CompletionException e) {
          if (e.getCause() instanceof DriverException d) throw d;
          throw e;
        }
      }
    }
  }

  private <T> T run(Supplier<T> work) {
    try {
      return work.get();
    } catch (DriverException e) {
      throw new JournalStoreException("error from " + where + ": " + e.getMessage(), e);
    }
  }

  private static byte[] bytes(ByteBuffer b) {
    byte[] out = new byte[b.remaining()];
    b.duplicate().get(out);
    return out;
  }

  private com.fasterxml.jackson.databind.JsonNode readJson(String text) {
    try {
      return JSON.readTree(text);
    } catch (JsonProcessingException e) {
      throw new JournalStoreException("a json payload in " + where + " is not JSON: " + e.getOriginalMessage(), e);
    }
  }

  private static String hostName() {
    try {
      return java.net.InetAddress.getLocalHost().getHostName();
    } catch (java.net.UnknownHostException e) {
      return null;
    }
  }

  /** For tests that look into the tables with CQL. */
  CqlSession session() {
    return session;
  }

  @Override
  public void close() {
    session.close();
  }
}
