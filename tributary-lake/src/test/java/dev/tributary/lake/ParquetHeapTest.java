package dev.tributary.lake;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Parquet file larger than the writer's whole heap: row groups must leave memory as they fill.
 * The writer runs without any Hadoop jar on its class path, as the server does.
 */
class ParquetHeapTest {

  private static final int EVENTS = 100_000;
  private static final int HEAP_MIB = 48;

  @TempDir Path tmp;

  @Test
  void aFileLargerThanTheHeapIsWrittenInBoundedRowGroups() throws Exception {
    long seed = Long.getLong("seed", System.nanoTime());
    System.out.println("ParquetHeapTest seed: -Dseed=" + seed);
    Path file = tmp.resolve("large.parquet");
    Path log = tmp.resolve("child.log");
    Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx" + HEAP_MIB + "m", "--enable-native-access=ALL-UNNAMED",
        "-cp", classPathWithoutHadoop(),
        ParquetHeapChild.class.getName(), file.toString(), Integer.toString(EVENTS), Long.toString(seed))
        .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    if (!child.waitFor(120, TimeUnit.SECONDS)) {
      child.destroyForcibly().waitFor();
      throw new AssertionError("the child did not finish in 120 s; its output:\n" + read(log));
    }
    assertThat(child.exitValue()).as(() -> "child exit code; its output:\n" + read(log)).isZero();

    assertThat(Files.size(file)).isGreaterThan((long) HEAP_MIB << 20);  // more than the child's whole heap
    try (Connection db = DriverManager.getConnection("jdbc:duckdb:"); Statement q = db.createStatement()) {
      assertThat(ParquetEncoderTest.rows(q, "SELECT num_rows, num_row_groups > 1 FROM parquet_file_metadata('" + file + "')"))
          .containsExactly(EVENTS + "|true");
      assertThat(ParquetEncoderTest.rows(q, "SELECT max(row_group_compressed_bytes) <= " + (ParquetEncoder.ROW_GROUP_BYTES * 5 / 4)
          + " FROM (SELECT DISTINCT row_group_id, row_group_compressed_bytes FROM parquet_metadata('" + file + "'))"))
          .containsExactly("true");
      assertThat(ParquetEncoderTest.rows(q, "SELECT count(DISTINCT event_id), max(length(properties['noise']))"
          + " FROM read_parquet('" + file + "')")).containsExactly(EVENTS + "|700");
    }
  }

  /** The test class path, which has no Hadoop (only needed to compile the encoder's overrides; see the pom). */
  private static String classPathWithoutHadoop() {
    String all = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    assertThat(all).doesNotContain("hadoop-client");
    return all;
  }

  private static String read(Path log) {
    try {
      return Files.readString(log);
    } catch (java.io.IOException e) {
      return "(unreadable: " + e + ")";
    }
  }
}
