package dev.tributary.lake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tributary.spool.Spool;
import dev.tributary.spool.SpoolConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kills a process running the spool and the lake sink with SIGKILL at random moments while
 * events flow (many files are being completed at any moment: they roll every 4 KB or 150 ms),
 * restarts it, and at the end checks that every acknowledged event is in the lake exactly once,
 * client retries included (and DuckDB agrees for the event_ids).
 */
class LakeCrashTest {

  private static final int ROUNDS = Integer.getInteger("crash.rounds", 12);

  @TempDir Path tmp;

  @Test
  void everyAcknowledgedEventLandsExactlyOnceAcrossKills() throws Exception {
    long seed = Long.getLong("seed", System.nanoTime());
    System.out.println("LakeCrashTest seed=" + seed + " (replay with -Dseed=" + seed + ")");
    Random random = new Random(seed);
    Path spoolDir = tmp.resolve("spool");
    Path lake = tmp.resolve("lake");
    Path ackedFile = tmp.resolve("acked.txt");
    Set<String> acked = ConcurrentHashMap.newKeySet();
    for (int round = 0; round < ROUNDS; round++) {
      Files.write(ackedFile, acked);
      Process child = new ProcessBuilder(javaBinary(), "-cp", classPath(), LakeCrashChild.class.getName(),
          spoolDir.toString(), lake.toString(), ackedFile.toString(), String.valueOf(round),
          String.valueOf(random.nextLong()))
          .redirectError(tmp.resolve("child-" + round + ".log").toFile()).start();
      int before = acked.size();
      Thread reader = Thread.ofPlatform().start(() -> readAcks(child, acked));
      await().atMost(Duration.ofSeconds(60)).until(() -> acked.size() >= before + 50 || !child.isAlive());
      Path log = tmp.resolve("child-" + round + ".log");
      assertThat(child.isAlive()).as("child of round %d is running; its log:%n%s", round, readQuietly(log)).isTrue();
      Thread.sleep(random.nextInt(1500));
      child.destroyForcibly();  // SIGKILL
      child.waitFor();
      reader.join();
      System.out.println("round " + round + ": killed after " + (acked.size() - before) + " acknowledged events");
      assertThat(Files.readString(log)).as("child log of round %d", round)
          .doesNotContain("ERROR", "Exception");
    }

    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    try (Spool spool = Spool.open(SpoolConfig.defaults(spoolDir));
         SpoolLakeSink sink = SpoolLakeSink.start(spool, LakeConfig.defaults(lake), registry)) {
      assertThat(sink.drain(Duration.ofSeconds(60))).isTrue();
    }
    System.out.printf("final run: %.0f records skipped as already landed, %.0f retries dropped, %.0f written%n",
        registry.get("tributary.lake.replay.skipped").counter().count(),
        registry.get("tributary.lake.duplicates.dropped").counter().count(),
        registry.get("tributary.lake.events.written").counter().count());

    Map<String, Long> landed = landedCounts(lake);
    List<String> twice = landed.entrySet().stream().filter(e -> e.getValue() > 1).map(Map.Entry::getKey).toList();
    assertThat(twice).as("events in the lake more than once").isEmpty();
    List<String> lost = acked.stream().filter(id -> !landed.containsKey(id)).toList();
    assertThat(lost).as("acknowledged events missing from the lake").isEmpty();
    assertThat(duckDbCountsEachEventIdOnce(lake)).isTrue();
    assertThat(LakeFiles.temporary(lake)).as("temporary files left").isEmpty();
    System.out.println(acked.size() + " acknowledged events, " + landed.size() + " events in the lake");
  }

  private static String readQuietly(Path file) {
    try {
      return Files.readString(file);
    } catch (java.io.IOException e) {
      return e.toString();
    }
  }

  private static void readAcks(Process child, Set<String> acked) {
    try (BufferedReader r = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line; (line = r.readLine()) != null; ) {
        if (line.startsWith("ack ")) acked.add(line.substring(4));
      }
    } catch (java.io.IOException e) {
      // the child was killed mid-line; what was read is what it acknowledged
    }
  }

  /** How often each event (its event_id, or its key {@code k} when it has none) is in the lake. */
  private static Map<String, Long> landedCounts(Path lake) throws Exception {
    ObjectMapper json = new ObjectMapper();
    Map<String, Long> counts = new HashMap<>();
    for (String line : LakeFiles.completedLines(lake.resolve("events"))) {
      JsonNode event = json.readTree(line);
      String id = event.has("event_id") ? event.get("event_id").asText() : event.get("k").asText();
      counts.merge(id, 1L, Long::sum);
    }
    return counts;
  }

  private static boolean duckDbCountsEachEventIdOnce(Path lake) throws Exception {
    try (Connection db = DriverManager.getConnection("jdbc:duckdb:");
         ResultSet rs = db.createStatement().executeQuery("SELECT count(event_id) = count(DISTINCT event_id)"
             + " FROM read_json_auto('" + lake.resolve("events") + "/*/*/*/*.ndjson.gz', hive_partitioning=true,"
             + " union_by_name=true)")) {
      rs.next();
      return rs.getBoolean(1);
    }
  }

  private static String javaBinary() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  private static String classPath() {
    return System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
  }
}
