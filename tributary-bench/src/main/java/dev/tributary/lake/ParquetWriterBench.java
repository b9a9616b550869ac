package dev.tributary.lake;

import com.sun.management.OperatingSystemMXBean;
import dev.tributary.event.CaptureTime;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

/**
 * Parquet writers compared on the lake's job: enriched 1 KiB events in, one zstd Parquet file of
 * the lake schema out. Lives in {@code dev.tributary.lake} (a split package, fine on the class
 * path) to reach the package-private {@link ParquetEncoder}.
 *
 * <ul>
 *   <li>{@code parquet-java}: {@link ParquetEncoder} into a {@link FileChannel}, JSON parsed in Java;</li>
 *   <li>{@code duckdb}: the events written as a temporary NDJSON file, then DuckDB (one thread)
 *       {@code COPY}s it to Parquet with the same schema (envelope columns plus the map);</li>
 *   <li>{@code duckdb-json}: the same, but the other fields as one JSON column instead of the map;</li>
 *   <li>{@code duckdb-typed}: DuckDB's best case for reference, {@code read_json} with columns
 *       detected per file (a schema the lake cannot use: it differs from file to file).</li>
 * </ul>
 * CPU time is the whole process's (DuckDB's native threads included), so events and MB per CPU
 * second are per-core figures even on a busy machine. MB are 10^6 bytes of input JSON.
 *
 * <p>Args: {@code [events (200000)] [event bytes (1024)] [rounds (3)] [writers (parquet-java,duckdb,duckdb-json,duckdb-typed)]}.
 */
public final class ParquetWriterBench {

  private static final String ENVELOPE = "('event','event_id','received_at','app','distinct_id','timestamp')";
  private static final String DUCKDB_LAKE_SCHEMA = """
      SELECT json->>'event' AS event, json->>'event_id' AS event_id,
             (json->>'received_at')::TIMESTAMPTZ AS received_at, json->>'app' AS app,
             json->>'distinct_id' AS distinct_id, json->>'timestamp' AS "timestamp",
             map_from_entries(list_transform(list_filter(json_keys(json), k -> k NOT IN %s),
               k -> {'key': k, 'value': CASE json_type(json->k) WHEN 'VARCHAR' THEN json->>k
                                          ELSE (json->k)::VARCHAR END})) AS properties
      FROM read_ndjson_objects('%s')""";
  private static final String DUCKDB_JSON_COLUMN = """
      SELECT json->>'event' AS event, json->>'event_id' AS event_id,
             (json->>'received_at')::TIMESTAMPTZ AS received_at, json->>'app' AS app,
             json->>'distinct_id' AS distinct_id, json->>'timestamp' AS "timestamp",
             json_merge_patch(json, '{"event":null,"event_id":null,"received_at":null,"app":null,"distinct_id":null,"timestamp":null}')
               AS properties
      FROM read_ndjson_objects('%s')""";

  private ParquetWriterBench() {}

  public static void main(String[] args) throws Exception {
    int count = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
    int eventBytes = args.length > 1 ? Integer.parseInt(args[1]) : 1024;
    int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 3;
    List<String> writers = List.of((args.length > 3 ? args[3] : "parquet-java,duckdb,duckdb-json,duckdb-typed").split(","));
    List<byte[]> events = events(count, eventBytes, 42);
    long inputBytes = events.stream().mapToLong(e -> e.length).sum();
    System.out.printf("%,d events, %,d bytes of JSON (%d per event)%n", count, inputBytes, inputBytes / count);
    String parent = System.getProperty("tributary.bench.dir");
    Path dir = parent == null ? Files.createTempDirectory("parquet-bench")
        : Files.createTempDirectory(Files.createDirectories(Path.of(parent)), "parquet-bench");
    try {
      System.out.printf("%-14s %5s %12s %12s %10s %12s %10s %8s%n", "writer", "round", "events/cpu-s", "MB/cpu-s",
          "cpu s", "events/s", "wall s", "ratio");
      for (String writer : writers) {
        for (int round = 0; round <= rounds; round++) {  // round 0 warms up
          Path out = dir.resolve(writer + "-" + round + ".parquet");
          long cpu0 = cpuNanos();
          long wall0 = System.nanoTime();
          write(writer, events, out, dir);
          double cpu = (cpuNanos() - cpu0) / 1e9;
          double wall = (System.nanoTime() - wall0) / 1e9;
          System.out.printf("%-14s %5s %,12.0f %12.1f %10.2f %,12.0f %10.2f %8.2f%n", writer, round == 0 ? "warm" : round,
              count / cpu, inputBytes / cpu / 1e6, cpu, count / wall, wall, (double) inputBytes / Files.size(out));
          Files.delete(out);
        }
      }
    } finally {
      try (Stream<Path> all = Files.walk(dir)) {
        for (Path p : all.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
      }
    }
  }

  private static void write(String writer, List<byte[]> events, Path out, Path dir) throws IOException, SQLException {
    switch (writer) {
      case "parquet-java" -> {
        try (FileChannel channel = FileChannel.open(out, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
          ParquetEncoder encoder = ParquetEncoder.open(channel);
          for (byte[] event : events) encoder.append(event);
          encoder.finish();
          channel.force(true);
        }
      }
      case "duckdb" -> duckDbCopy(events, out, dir, DUCKDB_LAKE_SCHEMA.formatted(ENVELOPE, "%s"));
      case "duckdb-json" -> duckDbCopy(events, out, dir, DUCKDB_JSON_COLUMN);
      case "duckdb-typed" -> duckDbCopy(events, out, dir, "SELECT * FROM read_json('%s', timestampformat='iso')");
      default -> throw new IllegalArgumentException("unknown writer " + writer + " (parquet-java, duckdb, duckdb-json, duckdb-typed)");
    }
  }

  /** What a DuckDB-based sink would do per file: spill the events as NDJSON, COPY them to Parquet, drop the spill. */
  private static void duckDbCopy(List<byte[]> events, Path out, Path dir, String select) throws IOException, SQLException {
    Path ndjson = dir.resolve("spill.ndjson");
    try (OutputStream spill = new BufferedOutputStream(Files.newOutputStream(ndjson), 1 << 16)) {
      for (byte[] event : events) {
        spill.write(event);
        spill.write('\n');
      }
    }
    try (Connection db = DriverManager.getConnection("jdbc:duckdb:"); Statement q = db.createStatement()) {
      q.execute("SET threads = 1");
      q.execute("SET preserve_insertion_order = true");
      q.execute("COPY (" + select.formatted(ndjson) + ") TO '" + out + "' (FORMAT parquet, COMPRESSION zstd)");
    }
    try (FileChannel channel = FileChannel.open(out, StandardOpenOption.WRITE)) {
      channel.force(true);
    }
    Files.delete(ndjson);
  }

  private static long cpuNanos() {
    return ((OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
  }

  /**
   * Enriched events of about {@code eventBytes}: five types, a user, a client timestamp, a
   * nested context, then string and number fields drawn from a 2,000-word vocabulary until the
   * size is reached, and capture's received_at, app and event_id last. Same seed, same events.
   */
  static List<byte[]> events(int count, int eventBytes, long seed) {
    Random random = new Random(seed);
    String[] words = new String[2000];
    for (int i = 0; i < words.length; i++) {
      StringBuilder w = new StringBuilder();
      for (int c = 3 + random.nextInt(8); c > 0; c--) w.append((char) ('a' + random.nextInt(26)));
      words[i] = w.toString();
    }
    Instant t0 = Instant.parse("2026-11-23T17:00:00.000Z");
    List<byte[]> events = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      Instant at = t0.plusMillis(i / 4);
      StringBuilder b = new StringBuilder(eventBytes + 64);
      b.append("{\"event\":\"").append(words[i % 5]).append("\",\"distinct_id\":\"user-").append(random.nextInt(50_000))
          .append("\",\"timestamp\":\"").append(CaptureTime.format(at.minusMillis(random.nextInt(5000))))
          .append("\",\"context\":{\"page\":{\"path\":\"/").append(words[random.nextInt(words.length)]).append('/')
          .append(words[random.nextInt(words.length)]).append("\",\"width\":").append(320 + random.nextInt(1600))
          .append("},\"campaign\":\"").append(words[random.nextInt(50)]).append("\"}");
      String tail = ",\"received_at\":\"" + CaptureTime.format(at) + "\",\"app\":\"web\",\"event_id\":\""
          + new java.util.UUID(random.nextLong(), random.nextLong()) + "\"}";
      for (int f = 0; b.length() + tail.length() < eventBytes - 12; f++) {
        b.append(",\"p").append(f).append("\":");
        if (f % 3 == 2) b.append(random.nextInt(1_000_000));
        else b.append('"').append(words[random.nextInt(words.length)]).append(' ').append(words[random.nextInt(words.length)]).append('"');
      }
      b.append(tail);
      events.add(b.toString().getBytes(StandardCharsets.UTF_8));
    }
    return events;
  }
}
