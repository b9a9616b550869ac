package dev.tributary.bench;

import dev.tributary.spool.FsyncPolicy;
import dev.tributary.spool.Spool;
import dev.tributary.spool.SpoolConfig;
import java.io.IOException;
import java.util.Arrays;
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
 * Durable appends of 1 KiB records to the spool with fsync {@code always}: each call returns
 * only once its record is forced to the device, so ops/s are durable appends per second and
 * the sample-time mode gives the latency of one durable append. Concurrent appenders share
 * fsyncs through group commit; that sharing is what the thread counts show.
 *
 * <p>Each iteration gets a fresh spool in a scratch directory, deleted afterwards, so a long
 * run never fills the disk.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class SpoolAppendBenchmark {

  public static final int RECORD_BYTES = 1024;

  private final byte[] record = new byte[RECORD_BYTES];
  private ScratchDirectory dir;
  private Spool spool;

  @Setup(Level.Iteration)
  public void open() throws IOException {
    Arrays.fill(record, (byte) 'x');
    dir = ScratchDirectory.create("spool-bench-");
    spool = Spool.open(SpoolConfig.defaults(dir.path()).withMaxBytes(64L << 30).withFsync(FsyncPolicy.ALWAYS));
  }

  @TearDown(Level.Iteration)
  public void close() {
    spool.close();
    dir.close();
  }

  @Benchmark
  @Threads(1)
  public long append_1_thread() {
    return spool.append(record).join();
  }

  @Benchmark
  @Threads(16)
  public long append_16_threads() {
    return spool.append(record).join();
  }

  @Benchmark
  @Threads(64)
  public long append_64_threads() {
    return spool.append(record).join();
  }

  /** One appender alone: every append waits for its own fsync, the latency a lone client sees. */
  @Benchmark
  @Threads(1)
  @BenchmarkMode(Mode.SampleTime)
  @OutputTimeUnit(TimeUnit.MICROSECONDS)
  public long latency_1_thread() {
    return spool.append(record).join();
  }
}
