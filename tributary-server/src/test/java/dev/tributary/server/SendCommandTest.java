package dev.tributary.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code tributary send} as a user runs it: bad lines cost only themselves, a re-run lands nothing twice, failures say where. */
class SendCommandTest {
  @TempDir Path dir;

  @Test
  void badLinesAreReportedByLineNumberTheRestLandAndARerunLandsNothingNew() throws Exception {
    int port = ServeProcess.freePort();
    Path data = dir.resolve("data");
    Path input = dir.resolve("events.ndjson");
    StringBuilder lines = new StringBuilder();
    for (int n = 1; n <= 1200; n++) {
      if (n == 600) {
        lines.append("{\"event\":\"broken\",\"n\":600\n");
      } else if (n == 900) {
        lines.append("{\"type\":\"no event field\"}\n");
      } else {
        lines.append("{\"event\":\"page_view\",\"n\":").append(n).append(n % 100 == 0 ? ",\"event_id\":\"own-" + n + "\"" : "").append("}\n");
      }
    }
    Files.writeString(input, lines);
    try (ServeProcess server = ServeProcess.start(dir.resolve("serve.log"), Map.of(), "serve", "--port", String.valueOf(port),
        "--data-dir", data.toString())) {
      server.awaitReady(port);
      for (int run = 1; run <= 2; run++) {
        Path log = dir.resolve("send-" + run + ".log");
        int code = ServeProcess.run(log, Map.of(), "send", "--url", "http://127.0.0.1:" + port, input.toString());
        String output = Files.readString(log);
        assertThat(code).as("exit code of send run %d, a file with bad lines; output:%n%s", run, output).isEqualTo(1);
        assertThat(output)
            .contains("events.ndjson line 600: malformed JSON at column 26: the object that starts at column 1 is not closed "
                + "before the end of the line (skipped)")
            .contains("events.ndjson line 900: missing required field \"event\"")
            .contains("sent 1200 lines: 1198 events accepted, 0 rejected, 2 bad lines skipped")
            .doesNotContain("Source:", "REDACTED");
      }
      DrainCommandTest.Result again = DrainCommandTest.run(new SendCommand(), "--url", "http://127.0.0.1:" + port,
          input.toString(), "--progress-interval-ms", "1");
      assertThat(again.out()).startsWith("sent 1200 lines: 1198 events accepted, 0 rejected, 2 bad lines skipped, in ").hasLineCount(1);
      List<String> progress = again.err().lines().filter(l -> !l.contains("(skipped)")).toList();
      assertThat(progress).as(again.err()).isNotEmpty().allMatch(l -> l.startsWith("tributary send: "));
      assertThat(progress.getLast()).matches("tributary send: (\\d+\\.\\d) / \\1 MiB \\(100%\\), .*, in \\d+\\.\\d s; 1,198 events accepted");
      assertThat(server.terminate(Duration.ofSeconds(60))).as("serve's exit code after SIGTERM").isZero();
    }
    try (Connection db = DriverManager.getConnection("jdbc:duckdb:"); Statement st = db.createStatement()) {
      ResultSet rs = st.executeQuery("SELECT count(*), count(DISTINCT event_id), count(DISTINCT n), min(n), max(n) FROM read_json_auto('"
          + data.resolve("lake/events") + "/*/*/*/*.ndjson.gz', hive_partitioning = true)");
      rs.next();
      assertThat(rs.getLong(1)).as("rows in the lake after sending the same file twice").isEqualTo(1198);
      assertThat(rs.getLong(2)).as("distinct event_ids").isEqualTo(1198);
      assertThat(rs.getLong(3)).as("distinct line numbers").isEqualTo(1198);
    }
  }

  @Test
  void aMissingFileIsNamedByItsAbsolutePath() throws Exception {
    Path log = dir.resolve("send.log");
    int code = ServeProcess.run(log, Map.of(), "send", "--url", "http://127.0.0.1:1", "no-such-events.ndjson");
    assertThat(code).isEqualTo(ExitCodes.USAGE);
    assertThat(Files.readString(log)).contains("cannot read " + Path.of("no-such-events.ndjson").toAbsolutePath() + ": no such file");
  }

  @Test
  void noServerFailsFastNamingTheUrl() throws Exception {
    int port;
    try (ServerSocket closed = new ServerSocket(0)) {
      port = closed.getLocalPort(); // nothing listens there once closed: a refused connection, as with no server started
    }
    Path input = dir.resolve("events.ndjson");
    Files.writeString(input, "{\"event\":\"a\"}\n".repeat(1200));
    Path log = dir.resolve("send.log");
    long started = System.nanoTime();
    int code = ServeProcess.run(log, Map.of(), "send", "--url", "http://127.0.0.1:" + port, input.toString());
    Duration took = Duration.ofNanos(System.nanoTime() - started);
    assertThat(code).isEqualTo(1);
    assertThat(Files.readString(log)).contains("cannot reach http://127.0.0.1:" + port + ": connection refused; is `tributary serve` running?")
        .doesNotContain("Exception");
    assertThat(took).as("time to give up, JVM start included").isLessThan(Duration.ofSeconds(10));
  }
}
