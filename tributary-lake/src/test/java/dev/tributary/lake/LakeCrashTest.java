package dev.tributary.lake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tributary.testkit.S3Extension;
import dev.tributary.spool.Spool;
import dev.tributary.spool.SpoolConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.net.URI;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Kills a process running the spool and the lake sink with SIGKILL at random moments while
 * events flow (many files are being completed at any moment: they roll every 4 KB or 150 ms),
 * restarts it, and at the end checks that every acknowledged event is in the lake exactly once,
 * client retries included, counted by DuckDB. The same test for a directory and for S3 (S3Proxy),
 * in NDJSON and in Parquet; the directory with NDJSON runs the most rounds, the others fewer.
 */
class LakeCrashTest {

  private static final int ROUNDS = Integer.getInteger("crash.rounds", 12);
  private static final int VARIANT_ROUNDS = Integer.getInteger("crash.rounds.variants", 2);

  @RegisterExtension static final S3Extension s3 = new S3Extension();
  private static final AtomicInteger names = new AtomicInteger();

  @TempDir Path tmp;

  static Stream<Arguments> lakes() {
    return Stream.of(Arguments.of(SinkTarget.FILESYSTEM, LakeFormat.NDJSON_GZIP, ROUNDS),
        Arguments.of(SinkTarget.FILESYSTEM, LakeFormat.PARQUET, VARIANT_ROUNDS),
        Arguments.of(SinkTarget.S3, LakeFormat.NDJSON_GZIP, VARIANT_ROUNDS),
        Arguments.of(SinkTarget.S3, LakeFormat.PARQUET, VARIANT_ROUNDS));
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("lakes")
  void everyAcknowledgedEventLandsExactlyOnceAcrossKills(SinkTarget where, LakeFormat format, int rounds)
      throws Exception {
    long seed = Long.getLong("seed", System.nanoTime());
    System.out.println("LakeCrashTest[" + where + " " + format + "] seed=" + seed + " (replay with -Dseed=" + seed + ")");
    Random random = new Random(seed);
    Path spoolDir = tmp.resolve("spool");
    SinkTarget.Lake lake = where.lake(tmp, s3, "crash-" + names.incrementAndGet());
    URI endpoint = where == SinkTarget.S3 ? s3.endpoint() : null;
    LakeTarget target = new LakeTarget(lake.uri(), format, endpoint, true);
    Path ackedFile = tmp.resolve("acked.txt");
    Set<String> acked = ConcurrentHashMap.newKeySet();
    for (int round = 0; round < rounds; round++) {
      Files.write(ackedFile, acked);
      ProcessBuilder pb = new ProcessBuilder(javaBinary(), "-cp", classPath(), LakeCrashChild.class.getName(),
          spoolDir.toString(), lake.uri(), format.option(), endpoint == null ? "-" : endpoint.toString(),
          tmp.resolve("uploads").toString(), ackedFile.toString(), String.valueOf(round), String.valueOf(random.nextLong()))
          .redirectError(tmp.resolve("child-" + round + ".log").toFile());
      pb.environment().putAll(S3Extension.childEnvironment());
      Process child = pb.start();
      int before = acked.size();
      int filesBefore = LakeFiles.completed(lake.table()).size();
      Thread reader = Thread.ofPlatform().start(() -> readAcks(child, acked));
      // killed only once it is landing: on S3 the sink starts slower than the events flow
      await().atMost(Duration.ofSeconds(60)).until(() -> (acked.size() >= before + 50
          && LakeFiles.completed(lake.table()).size() > filesBefore) || !child.isAlive());
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
         SpoolLakeSink sink = SpoolLakeSink.start(spool, LakeConfig.defaults(target), registry)) {
      assertThat(sink.drain(Duration.ofSeconds(60))).isTrue();
    }
    System.out.printf("final run: %.0f records skipped as already landed, %.0f retries dropped, %.0f written%n",
        registry.get("tributary.lake.replay.skipped").counter().count(),
        registry.get("tributary.lake.duplicates.dropped").counter().count(),
        registry.get("tributary.lake.events.written").counter().count());

    Map<String, Long> landed = landedCounts(lake.table(), format);
    List<String> twice = landed.entrySet().stream().filter(e -> e.getValue() > 1).map(Map.Entry::getKey).toList();
    assertThat(twice).as("events in the lake more than once").isEmpty();
    List<String> lost = acked.stream().filter(id -> !landed.containsKey(id)).toList();
    assertThat(lost).as("acknowledged events missing from the lake").isEmpty();
    assertThat(LakeFiles.temporary(lake.files())).as("temporary files left").isEmpty();
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

  /** How often DuckDB finds each event (its event_id, or its key {@code k} when it has none) in the lake. */
  private static Map<String, Long> landedCounts(Path table, LakeFormat format) throws Exception {
    String source = format == LakeFormat.PARQUET
        ? LakeQuery.of(table, format)
        : "read_json_auto('" + table + "/*/*/*/*" + format.extension() + "', hive_partitioning=true, union_by_name=true)";
    String id = format == LakeFormat.PARQUET ? "coalesce(event_id, properties['k'])" : "coalesce(event_id, k)";
    Map<String, Long> counts = new HashMap<>();
    for (List<Object> row : LakeQuery.rows("SELECT " + id + " AS id, count(*) FROM " + source + " GROUP BY id")) {
      counts.put((String) row.get(0), ((Number) row.get(1)).longValue());
    }
    return counts;
  }

  private static String javaBinary() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  private static String classPath() {
    return System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
  }
}
