package dev.tributary.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The executable end to end: serve, send, SIGTERM, and the lake read back with DuckDB as a user would. */
class ServeEndToEndTest {
  @TempDir Path dir;

  @Test
  void sentEventsAreInTheLakeAfterAGracefulStop() throws Exception {
    int port = ServeProcess.freePort();
    Path data = dir.resolve("data");
    Path input = dir.resolve("events.ndjson");
    StringBuilder lines = new StringBuilder();
    for (int i = 0; i < 3000; i++) {
      lines.append("{\"event\":\"").append(i % 3 == 0 ? "signup" : "page_view").append("\",\"user\":").append(i % 17).append("}\n");
    }
    Files.writeString(input, lines);
    try (ServeProcess server = ServeProcess.start(dir.resolve("serve.log"), Map.of(), "serve", "--port", String.valueOf(port),
        "--data-dir", data.toString())) {
      server.awaitReady(port);
      int sent = ServeProcess.run(dir.resolve("send.log"), Map.of(), "send", "--url", "http://127.0.0.1:" + port,
          "--batch", "250", input.toString());
      assertThat(sent).as("send exit code; log:\n%s", Files.readString(dir.resolve("send.log"))).isZero();
      assertThat(Files.readString(dir.resolve("send.log"))).contains("3000 events accepted, 0 rejected");
      assertThat(server.terminate(Duration.ofSeconds(60))).as("exit code after SIGTERM").isZero();
      assertThat(server.output()).contains("listening on http://127.0.0.1:" + port, "fsync always", "auth off", "drained");
    }
    Map<String, Long> byType = new HashMap<>();
    try (Connection db = DriverManager.getConnection("jdbc:duckdb:");
         Statement st = db.createStatement()) {
      String files = data.resolve("lake/events").toString() + "/*/*/*/*.ndjson.gz";
      ResultSet rs = st.executeQuery("SELECT event_type, count(*), count(DISTINCT event_id), min(typeof(received_at)), "
          + "min(app), count(DISTINCT hour) FROM read_json_auto('" + files + "', hive_partitioning = true, timestampformat = 'iso') GROUP BY event_type");
      while (rs.next()) {
        byType.put(rs.getString(1), rs.getLong(2));
        assertThat(rs.getLong(3)).as("distinct event_ids").isEqualTo(rs.getLong(2));
        assertThat(rs.getString(4)).isIn("TIMESTAMP", "TIMESTAMP WITH TIME ZONE");
        assertThat(rs.getString(5)).isEqualTo("default");
      }
    }
    assertThat(byType).containsEntry("signup", 1000L).containsEntry("page_view", 2000L);
  }

  @Test
  void bindingBeyondLoopbackWithoutTokensIsRefused() throws Exception {
    int code = ServeProcess.run(dir.resolve("serve.log"), Map.of(), "serve", "--bind", "0.0.0.0",
        "--port", String.valueOf(ServeProcess.freePort()), "--data-dir", dir.resolve("data").toString());
    assertThat(code).as("a configuration error").isEqualTo(ExitCodes.USAGE);
    assertThat(Files.readString(dir.resolve("serve.log"))).containsIgnoringCase("token");
    assertThat(dir.resolve("data")).as("nothing was created").doesNotExist();
  }
}
