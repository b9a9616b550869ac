package dev.tributary.bench;

import java.io.IOException;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;

/**
 * The baseline beside {@link SpoolAppendBenchmark}: the same 1 KiB durable appends through
 * {@link SqliteDurableLog} (WAL, {@code synchronous=FULL}, one transaction per append, one
 * writer connection), with 1, 16 and 64 appending threads.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class SqliteAppendBenchmark {

  private List<byte[]> record;
  private ScratchDirectory dir;
  private SqliteDurableLog log;

  @Setup(Level.Iteration)
  public void open() throws IOException, SQLException {
    byte[] payload = new byte[SpoolAppendBenchmark.RECORD_BYTES];
    Arrays.fill(payload, (byte) 'x');
    record = List.of(payload);
    dir = ScratchDirectory.create("sqlite-bench-");
    log = SqliteDurableLog.open(dir.resolve("events.db"), 64L << 30);
  }

  @TearDown(Level.Iteration)
  public void close() {
    log.close();
    dir.close();
  }

  @Benchmark
  @Threads(1)
  public Object append_1_thread() {
    return log.append(record).join();
  }

  @Benchmark
  @Threads(16)
  public Object append_16_threads() {
    return log.append(record).join();
  }

  @Benchmark
  @Threads(64)
  public Object append_64_threads() {
    return log.append(record).join();
  }

  @Benchmark
  @Threads(1)
  @BenchmarkMode(Mode.SampleTime)
  @OutputTimeUnit(TimeUnit.MICROSECONDS)
  public Object latency_1_thread() {
    return log.append(record).join();
  }
}
