package dev.tributary.lake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Parquet lake files read back by DuckDB, as a user would, against the same events as NDJSON. */
class ParquetEncoderTest {

  private static final long SEED = Long.getLong("seed", System.nanoTime());

  @TempDir Path tmp;

  static {
    System.out.println("ParquetEncoderTest seed: -Dseed=" + SEED);
  }

  @Test
  void duckDbGetsTheSameAnswersFromParquetAsFromNdjson() throws Exception {
    List<byte[]> events = ParquetEvents.events(SEED, 2_000, 300);
    Path parquet = tmp.resolve("events.parquet");
    Path ndjson = tmp.resolve("events.ndjson");
    ParquetEvents.writeParquet(parquet, events, ParquetEncoder.ROW_GROUP_BYTES);
    ParquetEvents.writeNdjson(ndjson, events);

    String pq = "read_parquet('" + parquet + "')";
    String nd = "read_json('" + ndjson + "', timestampformat='iso')";
    try (Connection db = DriverManager.getConnection("jdbc:duckdb:"); Statement q = db.createStatement()) {
      assertThat(rows(q, "SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM " + pq + ")")).containsExactly(
          "event|VARCHAR", "event_id|VARCHAR", "received_at|TIMESTAMP WITH TIME ZONE", "app|VARCHAR",
          "distinct_id|VARCHAR", "timestamp|VARCHAR", "properties|MAP(VARCHAR, VARCHAR)", "late|BOOLEAN");

      // the envelope, typed on both sides
      String envelope = "SELECT event, event_id, epoch_ms(received_at), app, distinct_id, \"timestamp\" FROM %s ORDER BY event_id";
      List<String> fromNdjson = rows(q, envelope.formatted(nd));
      assertThat(fromNdjson).hasSize(2_000);
      assertThat(rows(q, envelope.formatted(pq))).isEqualTo(fromNdjson);
      assertThat(rows(q, "SELECT typeof(received_at) FROM " + nd + " LIMIT 1")).containsExactly("TIMESTAMP");

      // the questions a user asks of the other fields, in each format's own way
      List<String> fromNdjsonFields = rows(q, "SELECT event_id, word, price::DECIMAL(5,2), n, ok, gone, ctx.page.path, ctx.list[2]->>'$',"
          + " tags[2], hour(received_at) FROM " + nd + " ORDER BY event_id");
      assertThat(rows(q, "SELECT event_id, properties['word'], properties['price']::DECIMAL(5,2), properties['n']::BIGINT,"
          + " properties['ok']::BOOLEAN, properties['gone'], properties['ctx']->>'$.page.path', properties['ctx']->>'$.list[1]',"
          + " properties['tags']->>'$[1]', hour(received_at AT TIME ZONE 'UTC') FROM " + pq + " ORDER BY event_id"))
          .isEqualTo(fromNdjsonFields);

      // every other field of every event, generically: strings as text, the rest as equal JSON
      String fromObjects = "SELECT json->>'event_id' AS id, k, json_type(json->k) AS t, CASE json_type(json->k)"
          + " WHEN 'VARCHAR' THEN json->>k WHEN 'NULL' THEN NULL ELSE (json->k)::VARCHAR END AS v"
          + " FROM (SELECT json, unnest(json_keys(json)) AS k FROM read_ndjson_objects('" + ndjson + "'))"
          + " WHERE k NOT IN ('event', 'event_id', 'received_at', 'app', 'distinct_id', 'timestamp')";
      String fromMap = "SELECT event_id AS id, e.key AS k, e.value AS v"
          + " FROM (SELECT event_id, unnest(map_entries(properties)) AS e FROM " + pq + ")";
      assertThat(rows(q, "SELECT count(*) FROM (" + fromObjects + ")")).containsExactly(
          rows(q, "SELECT count(*) FROM (" + fromMap + ")").get(0));
      assertThat(rows(q, "SELECT count(*) FROM (" + fromObjects + ") o FULL JOIN (" + fromMap + ") m USING (id, k)"
          + " WHERE o.v IS DISTINCT FROM (CASE WHEN o.t IN ('VARCHAR', 'NULL') THEN m.v ELSE json(m.v)::VARCHAR END)"))
          .containsExactly("0");
    }
  }

  @Test
  void otherFieldsKeepTheirOrderAndTheirJsonAsReceived() throws Exception {
    String event = "{\"event\":\"e\",\"z\":1.50,\"a\":\"caf\\u00e9 \\\"q\\\"\",\"big\":123456789012345678901234567890,"
        + "\"exp\":1e5,\"nested\":{\"x\":[1, 2],\"s\":\"\\ud83d\\ude80\"},\"t\":true,\"f\":false,\"nul\":null,\"empty\":{},"
        + "\"z\":2.50,\"received_at\":\"2026-11-23T17:00:00.123+01:00\",\"app\":42}";
    Path parquet = tmp.resolve("one.parquet");
    ParquetEvents.writeParquet(parquet, List.of(event.getBytes(StandardCharsets.UTF_8)), ParquetEncoder.ROW_GROUP_BYTES);
    try (Connection db = DriverManager.getConnection("jdbc:duckdb:"); Statement q = db.createStatement()) {
      assertThat(rows(q, "SELECT unnest(map_keys(properties)) FROM read_parquet('" + parquet + "')"))
          .containsExactly("z", "a", "big", "exp", "nested", "t", "f", "nul", "empty");
      assertThat(rows(q, "SELECT unnest(map_values(properties)) FROM read_parquet('" + parquet + "')")).containsExactly(
          "2.50", "caf\u00e9 \"q\"", "123456789012345678901234567890", "1e5", "{\"x\":[1, 2],\"s\":\"\\ud83d\\ude80\"}",
          "true", "false", "null", "{}");
      assertThat(rows(q, "SELECT epoch_ms(received_at), app, event_id IS NULL, distinct_id IS NULL, \"timestamp\" IS NULL"
          + " FROM read_parquet('" + parquet + "')"))
          .containsExactly(Instant.parse("2026-11-23T16:00:00.123Z").toEpochMilli() + "|42|true|true|true");
    }
  }

  @Test
  void lateIsABooleanColumnOnlyWhenTheEventHoldsAJsonBoolean() throws Exception {
    String at = ",\"received_at\":\"2026-11-23T17:00:00.123Z\"";
    List<byte[]> events = List.of("{\"event\":\"a\"" + at + ",\"late\":true}", "{\"event\":\"b\"" + at + "}",
        "{\"event\":\"c\",\"late\":false" + at + "}", "{\"event\":\"d\",\"late\":\"yes\"" + at + "}",
        "{\"event\":\"e\",\"late\":\"yes\",\"late\":true" + at + "}")
        .stream().map(e -> e.getBytes(StandardCharsets.UTF_8)).toList();
    Path parquet = tmp.resolve("late.parquet");
    ParquetEvents.writeParquet(parquet, events, ParquetEncoder.ROW_GROUP_BYTES);
    try (Connection db = DriverManager.getConnection("jdbc:duckdb:"); Statement q = db.createStatement()) {
      assertThat(rows(q, "SELECT event, late, properties['late'] FROM read_parquet('" + parquet + "') ORDER BY event"))
          .containsExactly("a|true|null", "b|null|null", "c|false|null", "d|null|yes", "e|true|null");
    }
  }

  @Test
  void theSameEventsGiveByteIdenticalFiles() throws Exception {
    List<byte[]> events = ParquetEvents.events(SEED, 5_000, 1_000);
    Path first = tmp.resolve("first.parquet");
    Path second = tmp.resolve("second.parquet");
    ParquetEvents.writeParquet(first, events, 256 * 1024);
    Thread.sleep(5);  // a clock in the footer would differ
    ParquetEvents.writeParquet(second, events, 256 * 1024);
    assertThat(Files.mismatch(first, second)).isEqualTo(-1L);
    try (Connection db = DriverManager.getConnection("jdbc:duckdb:"); Statement q = db.createStatement()) {
      assertThat(rows(q, "SELECT created_by, num_row_groups > 1, num_rows FROM parquet_file_metadata('" + first + "')"))
          .singleElement().asString().matches("parquet-mr version 1\\.18\\.1 \\(build [0-9a-f]+\\)\\|true\\|5000");
      assertThat(rows(q, "SELECT DISTINCT compression FROM parquet_metadata('" + first + "')")).containsExactly("ZSTD");
    }
  }

  @Test
  void bytesWrittenGrowsWhileWritingAndIsTheFileSizeAfterFinish() throws Exception {
    Path file = tmp.resolve("sized.parquet");
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      ParquetEncoder encoder = ParquetEncoder.open(channel, 128 * 1024);
      long before = encoder.bytesWritten();
      for (byte[] event : ParquetEvents.events(SEED, 3_000, 1_000)) encoder.append(event);
      long during = encoder.bytesWritten();
      encoder.finish();
      assertThat(channel.isOpen()).isTrue();
      assertThat(during).isGreaterThan(before).isBetween(channel.size() * 3 / 4, channel.size() * 5 / 4);
      assertThat(encoder.bytesWritten()).isEqualTo(channel.size());
    }
  }

  @Test
  void eventsTheLayoutCannotPlaceAreRefusedAndTheFileStaysGood() throws Exception {
    Path file = tmp.resolve("refused.parquet");
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      ParquetEncoder encoder = ParquetEncoder.open(channel);
      encoder.append(Events.bytes("ok", "id-1", Instant.parse("2026-11-23T17:00:00.123Z"), 1));
      assertRefused(encoder, "[1,2]", "not a JSON object");
      assertRefused(encoder, "{\"event\":\"x\",", "not valid JSON");
      assertRefused(encoder, "{\"received_at\":\"2026-11-23T17:00:00.123Z\"}", "cannot be stored: missing or non-string 'event'");
      assertRefused(encoder, "{\"event\":\"x\",\"received_at\":5}", "cannot be stored: missing or non-string 'received_at'");
      assertRefused(encoder, "{\"event\":\"x\",\"received_at\":\"2026-02-30T17:00:00.123Z\"}", "not an ISO-8601 instant");
      encoder.append(Events.bytes("ok", "id-2", Instant.parse("2026-11-23T17:00:00.456Z"), 2));
      encoder.finish();
    }
    try (Connection db = DriverManager.getConnection("jdbc:duckdb:"); Statement q = db.createStatement()) {
      assertThat(rows(q, "SELECT event_id, properties['n'] FROM read_parquet('" + file + "') ORDER BY 1"))
          .containsExactly("id-1|1", "id-2|2");
    }
  }

  @Test
  void anEventIdThatBreaksTheRuleIsNoIdAndStaysInProperties() throws Exception {
    Path file = tmp.resolve("ids.parquet");
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      ParquetEncoder encoder = ParquetEncoder.open(channel);
      String at = ",\"received_at\":\"2026-11-23T17:00:00.123Z\"}";
      encoder.append(("{\"event\":\"a\",\"event_id\":\"ok\"" + at).getBytes(StandardCharsets.UTF_8));
      encoder.append(("{\"event\":\"b\",\"event_id\":42" + at).getBytes(StandardCharsets.UTF_8));
      encoder.append(("{\"event\":\"c\",\"event_id\":\"" + "x".repeat(129) + "\"" + at).getBytes(StandardCharsets.UTF_8));
      encoder.append(("{\"event\":\"d\",\"event_id\":\"\"" + at).getBytes(StandardCharsets.UTF_8));
      encoder.finish();
    }
    try (Connection db = DriverManager.getConnection("jdbc:duckdb:"); Statement q = db.createStatement()) {
      assertThat(rows(q, "SELECT event, event_id, length(properties['event_id']) FROM read_parquet('" + file + "') ORDER BY 1"))
          .containsExactly("a|ok|null", "b|null|2", "c|null|129", "d|null|0");
    }
  }

  private static void assertRefused(ParquetEncoder encoder, String json, String reason) {
    assertThatThrownBy(() -> encoder.append(json.getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(reason);
  }

  static List<String> rows(Statement q, String sql) throws SQLException {
    List<String> rows = new ArrayList<>();
    try (ResultSet rs = q.executeQuery(sql)) {
      int columns = rs.getMetaData().getColumnCount();
      while (rs.next()) {
        StringBuilder row = new StringBuilder();
        for (int c = 1; c <= columns; c++) row.append(c > 1 ? "|" : "").append(rs.getString(c));
        rows.add(row.toString());
      }
    }
    return rows;
  }
}
