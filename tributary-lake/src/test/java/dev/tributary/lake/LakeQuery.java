package dev.tributary.lake;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/** DuckDB over a lake table as a user would read it: the partition glob with Hive partitioning. */
final class LakeQuery {

  private LakeQuery() {}

  /** The NDJSON (gzip or zstd) files of the event partitions of {@code table}. */
  static String ndjson(Path table, String extension) {
    // DuckDB 1.4 detects received_at's format (with milliseconds) only when told it is ISO
    return "read_json_auto('" + table + "/event_type=*/*/*/*" + extension + "', hive_partitioning=true,"
        + " timestampformat='iso', hive_types={'hour': INTEGER})";
  }

  /** The event files of {@code table} in {@code format}, with Hive partitioning, as DuckDB's ordinary readers see them. */
  static String of(Path table, LakeFormat format) {
    if (format != LakeFormat.PARQUET) return ndjson(table, format.extension());
    return "read_parquet('" + table + "/event_type=*/*/*/*.parquet', hive_partitioning=true, hive_types={'hour': INTEGER})";
  }

  static List<List<Object>> rows(String sql) throws SQLException {
    try (Connection db = DriverManager.getConnection("jdbc:duckdb:"); Statement q = db.createStatement();
         ResultSet rs = q.executeQuery(sql)) {
      List<List<Object>> out = new ArrayList<>();
      int n = rs.getMetaData().getColumnCount();
      while (rs.next()) {
        List<Object> row = new ArrayList<>();
        for (int i = 1; i <= n; i++) row.add(rs.getObject(i));
        out.add(row);
      }
      return out;
    }
  }

  static long count(String sql) throws SQLException {
    return ((Number) rows(sql).getFirst().getFirst()).longValue();
  }
}
