package dev.tributary.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The events of a lake as a user's DuckDB reads them, for tests that check what landed. */
final class LakeEvents {
  private static final ObjectMapper JSON = new ObjectMapper();

  private LakeEvents() {}

  /** Every stored event under {@code <data>/lake/events}, by its event_id (a list, so that a duplicate shows). */
  static Map<String, List<JsonNode>> byId(Path data) throws Exception {
    Map<String, List<JsonNode>> byId = new HashMap<>();
    String files = data.resolve("lake/events").toString() + "/*/*/*/*.ndjson.gz";
    try (Connection db = DriverManager.getConnection("jdbc:duckdb:"); Statement st = db.createStatement();
         ResultSet rs = st.executeQuery("SELECT json->>'event_id', json FROM read_ndjson_objects('" + files + "')")) {
      while (rs.next()) byId.computeIfAbsent(rs.getString(1), k -> new ArrayList<>()).add(JSON.readTree(rs.getString(2)));
    }
    return byId;
  }
}
