package dev.tributary.lake;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tributary.spool.Spool;
import dev.tributary.spool.SpoolConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The lake read back as a user would: DuckDB over the partition glob with Hive partitioning. */
class LakeDuckDbTest {

  private static final Instant T0 = Instant.parse("2026-11-23T13:30:00.000Z");
  private static final List<String> TYPES = List.of("page_view", "signup", "../../etc", "a/b", "caf\u00e9", "x".repeat(400));

  @TempDir Path tmp;

  @Test
  void duckDbCountsEveryEventOncePerTypeAndHourWithTypedFields() throws Exception {
    Path lake = tmp.resolve("lake");
    Map<String, Long> expected = new TreeMap<>();
    try (Spool spool = Spool.open(SpoolConfig.defaults(tmp.resolve("spool")))) {
      List<byte[]> batch = new ArrayList<>();
      for (int i = 0; i < 3000; i++) {
        String type = TYPES.get(i % TYPES.size());
        Instant at = T0.plusSeconds(i * 3L);  // 2.5 hours: 13, 14, 15
        batch.add(Events.bytes(type, "id-" + i, at, i));
        expected.merge(type + "@" + at.atZone(ZoneOffset.UTC).getHour(), 1L, Long::sum);
        if (i == 8) batch.add(Events.bytes("page_view", "id-7", at, 7));  // a client retry of id-7
        if (batch.size() == 100) {
          spool.append(batch).get();
          batch = new ArrayList<>();
        }
      }
      spool.append(batch).get();
      try (SpoolLakeSink sink = SpoolLakeSink.start(spool, LakeConfig.defaults(LakeTarget.directory(lake)).withRollBytes(64 * 1024),
          new SimpleMeterRegistry())) {
        assertThat(sink.drain(Duration.ofSeconds(30))).isTrue();
      }
    }

    // DuckDB 1.4 detects received_at's format (with milliseconds) only when told it is ISO, and
    // keeps the zero-padded hour as text unless typed
    String source = "read_json_auto('" + lake.resolve("events") + "/*/*/*/*.ndjson.gz', hive_partitioning=true,"
        + " timestampformat='iso', hive_types={'hour': INTEGER})";
    try (Connection db = DriverManager.getConnection("jdbc:duckdb:"); Statement q = db.createStatement()) {
      Map<String, Long> actual = new TreeMap<>();
      try (ResultSet rs = q.executeQuery("SELECT event, hour, count(*) FROM " + source + " GROUP BY ALL")) {
        while (rs.next()) actual.put(rs.getString(1) + "@" + rs.getInt(2), rs.getLong(3));
      }
      assertThat(actual).isEqualTo(expected);

      try (ResultSet rs = q.executeQuery("SELECT count(*), count(DISTINCT event_id) FROM " + source)) {
        rs.next();
        assertThat(rs.getLong(1)).isEqualTo(3000);
        assertThat(rs.getLong(2)).isEqualTo(3000);
      }

      try (ResultSet rs = q.executeQuery("SELECT typeof(received_at), typeof(dt), typeof(app), typeof(n),"
          + " min(received_at)::VARCHAR, count(*) FILTER (WHERE hour <> extract(hour FROM received_at)),"
          + " count(*) FILTER (WHERE event_type <> event), typeof(hour) FROM " + source + " GROUP BY ALL")) {
        rs.next();
        assertThat(rs.getString(1)).isEqualTo("TIMESTAMP");
        assertThat(rs.getString(2)).isEqualTo("DATE");
        assertThat(rs.getString(3)).isEqualTo("VARCHAR");
        assertThat(rs.getString(4)).isEqualTo("BIGINT");
        assertThat(rs.getString(5)).startsWith("2026-11-23 13:30:00");
        assertThat(rs.getLong(6)).as("rows outside their hour partition").isZero();
        assertThat(rs.getLong(7)).as("DuckDB decodes the encoded types; only the cut long one differs").isEqualTo(500);
        assertThat(rs.getString(8)).isEqualTo("INTEGER");
        assertThat(rs.next()).isFalse();
      }
    }
  }
}
