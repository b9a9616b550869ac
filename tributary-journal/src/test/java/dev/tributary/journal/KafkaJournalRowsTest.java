package dev.tributary.journal;

import static org.assertj.core.api.Assertions.assertThat;

import com.datastax.oss.driver.api.core.cql.Row;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import com.datastax.oss.driver.api.core.data.CqlDuration;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/**
 * The Cassandra store and kafka-journal share a keyspace: rows as kafka-journal writes them
 * (kafka-journal-rows.cql, from its statements and its test data) are read as it reads them, and the
 * rows this store writes hold, column by column, what kafka-journal's statements would write.
 */
class KafkaJournalRowsTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final UUID RECORD_ID = UUID.fromString("13131313-1313-4313-9313-131313131313");
  private static final Instant T0 = Instant.parse("2019-12-12T10:10:10Z");

  @Test
  void rowsKafkaJournalWroteAreReadAsItReadsThem() throws Exception {
    JournalStoreConfig.Cassandra config = SharedServers.createKeyspace().withSegmentSize(JournalStoreConfig.Cassandra.DEFAULT_SEGMENT_SIZE);
    try (CassandraStore store = (CassandraStore) JournalStore.open(config, 1, "kafka-journal-rows", null)) {
      insertFixture(store, config.keyspace());
      JournalKey id = new JournalKey("topic0", "id");
      assertThat(store.meta(id)).isEqualTo(new JournalStore.Meta(5, 1));
      assertThat(store.events(id, 1, 100)).as("events after delete_to, each payload type and none").containsExactly(
          new Event(2, Set.of("a", "b"), Payload.text("two")),
          new Event(3, Set.of(), Payload.json(JSON.readTree("{\"sku\":\"x\",\"n\":2}"))),
          new Event(4, Set.of(), Payload.binary(new byte[] {0, 1, (byte) 255})),
          new Event(5, Set.of(), null));

      JournalKey old = new JournalKey("topic0", "old-id");
      assertThat(store.meta(old)).as("a metajournal row in kafka-journal's old segment (of 100)").isEqualTo(new JournalStore.Meta(3, 0));
      assertThat(store.events(old, 1, 100)).as("across journal segments of 2").extracting(Event::payload)
          .containsExactly(Payload.text("o1"), Payload.text("o2"), Payload.text("o3"));
      assertThat(store.events(old, 1, 2)).extracting(Event::seqNr).containsExactly(1L, 2L);
      assertThat(store.events(old, 3, 2)).extracting(Event::seqNr).containsExactly(3L);

      assertThat(store.events(new JournalKey("topic0", "reused"), 1, 100)).as("a purged incarnation's row is not read")
          .extracting(Event::payload).containsExactly(Payload.text("new-1"), Payload.text("new-2"));

      assertThat(store.pointer("topic0", 0)).hasValue(31);
      assertThat(store.pointers("topic0", 3)).isEqualTo(Map.of(0, 31L, 1, 21L));
      assertThat(store.expired(Instant.parse("2019-12-13T09:00:00Z"), 10)).as("expire_on has come, expire_after not").isEmpty();
      assertThat(store.expired(Instant.parse("2019-12-13T10:12:00Z"), 10)).containsExactly(id);

      // Our replicator goes on where kafka-journal's stopped, here one that crashed before moving the pointer past what
      // it wrote: records at or below the journal's metajournal offset are skipped.
      store.session().execute("DELETE FROM " + config.keyspace() + ".pointer2 WHERE topic = 'topic0' AND partition = 0");
      store.apply(Map.of(new TopicPartition("topic0", 0), List.of(
          append(id, 14, 6, 6, T0.plusSeconds(120), "skipped", Map.of()),
          append(id, 15, 6, 6, T0.plusSeconds(120), "six", Map.of()))));
      assertThat(store.events(id, 5, 100)).containsExactly(new Event(5, Set.of(), null), new Event(6, Set.of(), Payload.text("six")));
      Row six = store.session().execute(SimpleStatement.newInstance("SELECT meta_record_id, offset FROM " + config.keyspace()
          + ".journal WHERE id = 'id' AND topic = 'topic0' AND segment = 0 AND seq_nr = 6")).one();
      assertThat(six.getUuid(0)).as("the journal's record id").isEqualTo(RECORD_ID);
      assertThat(six.getLong(1)).isEqualTo(15);
      assertThat(store.pointer("topic0", 0)).hasValue(15);
    }
  }

  @Test
  void rowsThisStoreWritesAreWhatKafkaJournalsStatementsWrite() throws Exception {
    JournalStoreConfig.Cassandra config = SharedServers.createKeyspace().withSegmentSize(JournalStoreConfig.Cassandra.DEFAULT_SEGMENT_SIZE);
    try (CassandraStore store = (CassandraStore) JournalStore.open(config, 1, "kafka-journal-rows", null)) {
      JournalKey key = new JournalKey("topic0", "id");
      ActionRecord append = append(key, 10, 1, 2, T0, "one", Map.of("key", "value"));
      store.apply(Map.of(new TopicPartition("topic0", 0), List.of(append)));

      String ks = config.keyspace();
      Row meta = store.session().execute(SimpleStatement.newInstance("SELECT * FROM " + ks + ".metajournal WHERE topic = 'topic0'"
          + " AND segment = 3355 AND id = 'id'")).one();
      Map<String, Object> expectedMeta = new LinkedHashMap<>();
      expectedMeta.put("topic", "topic0");
      expectedMeta.put("segment", 3355L);
      expectedMeta.put("id", "id");
      expectedMeta.put("created", T0);
      expectedMeta.put("created_date", LocalDate.of(2019, 12, 12));
      expectedMeta.put("delete_to", null);
      expectedMeta.put("expire_after", CqlDuration.newInstance(0, 1, 0));
      expectedMeta.put("expire_on", LocalDate.of(2019, 12, 13));
      expectedMeta.put("metadata", null);
      expectedMeta.put("offset", 10L);
      expectedMeta.put("origin", "origin");
      expectedMeta.put("partition", 0);
      expectedMeta.put("properties", Map.of());
      expectedMeta.put("record_id", meta.getUuid("record_id"));
      expectedMeta.put("segment_size", 10_000);
      expectedMeta.put("seq_nr", 2L);
      expectedMeta.put("updated", T0);
      assertThat(columns(meta)).isEqualTo(expectedMeta);
      assertThat(meta.getUuid("record_id")).isNotNull();

      List<Map<String, Object>> rows = new ArrayList<>();
      for (Row r : store.session().execute(SimpleStatement.newInstance("SELECT * FROM " + ks + ".journal WHERE id = 'id'"
          + " AND topic = 'topic0' AND segment = 0"))) {
        rows.add(columns(r));
      }
      assertThat(rows).hasSize(2);
      for (int n = 1; n <= 2; n++) {
        Map<String, Object> expected = new LinkedHashMap<>();
        expected.put("id", "id");
        expected.put("topic", "topic0");
        expected.put("segment", 0L);
        expected.put("seq_nr", (long) n);
        expected.put("timestamp", T0);
        expected.put("headers", Map.of("key", "value"));
        expected.put("meta_record_id", meta.getUuid("record_id"));
        expected.put("metadata", "{\"header\":{\"data\":{\"key\":\"value\"}},\"payload\":{\"expireAfter\":\"1 day\"}}");
        expected.put("offset", 10L);
        expected.put("origin", "origin");
        expected.put("partition", 0);
        expected.put("payload_bin", null);
        expected.put("payload_txt", "one-" + n);
        expected.put("payload_type", "text");
        expected.put("tags", Set.of("t"));
        expected.put("version", "5.0.0");
        assertThat(rows.get(n - 1)).as("row %d", n).isEqualTo(expected);
      }
    }
  }

  /** An Append of {@code from..to} (text payloads {@code text-n}) as kafka-journal's test data has it. */
  private static ActionRecord append(JournalKey key, long offset, long from, long to, Instant timestamp, String text,
      Map<String, String> headers) throws IOException {
    List<Event> events = new ArrayList<>();
    for (long n = from; n <= to; n++) events.add(new Event(n, headers.isEmpty() ? Set.of() : Set.of("t"), Payload.text(from == to ? text : text + "-" + n)));
    AppendMetadata metadata = headers.isEmpty() ? AppendMetadata.EMPTY : AppendMetadata.expireAfter(Duration.ofDays(1));
    Action.Append action = new Action.Append(from, to, "origin", "5.0.0", Action.PayloadType.JSON,
        headers.isEmpty() ? JSON.createObjectNode() : JSON.readTree("{\"data\":{\"key\":\"value\"}}"));
    return new ActionRecord(key, 0, offset, timestamp, action, EventsRecord.current(events, metadata), headers);
  }

  /** Every column of {@code row} by name, values as the driver gives them (blobs in hex). */
  private static Map<String, Object> columns(Row row) {
    Map<String, Object> out = new LinkedHashMap<>();
    for (int i = 0; i < row.getColumnDefinitions().size(); i++) {
      Object v = row.getObject(i);
      if (v instanceof ByteBuffer b) v = java.util.HexFormat.of().formatHex(b.array());
      out.put(row.getColumnDefinitions().get(i).getName().asInternal(), v);
    }
    return out;
  }

  private static void insertFixture(CassandraStore store, String keyspace) throws IOException {
    String cql;
    try (InputStream in = KafkaJournalRowsTest.class.getResourceAsStream("kafka-journal-rows.cql")) {
      cql = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    StringBuilder statement = new StringBuilder();
    for (String line : cql.lines().toList()) {
      if (line.startsWith("--") || line.isBlank()) continue;
      statement.append(line).append('\n');
      if (line.endsWith(";")) {
        store.session().execute(statement.toString().replace("{keyspace}", keyspace));
        statement.setLength(0);
      }
    }
  }
}
