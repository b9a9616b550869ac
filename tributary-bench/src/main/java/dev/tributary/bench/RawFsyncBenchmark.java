package dev.tributary.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
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
 * The floor under any durable append on this disk: write 1 KiB to a file and {@code
 * force(false)} (fdatasync), one thread, nothing else. {@code append_*} writes at the end of a
 * growing file (as a log does: the file size changes too); {@code overwrite_*} rewrites the
 * same 1 KiB in place (no size change: the cheapest fsync there is).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Threads(1)
public class RawFsyncBenchmark {

  private final ByteBuffer record = ByteBuffer.allocateDirect(SpoolAppendBenchmark.RECORD_BYTES);
  private ScratchDirectory dir;
  private FileChannel channel;
  private long position;

  @Setup(Level.Iteration)
  public void open() throws IOException {
    while (record.hasRemaining()) record.put((byte) 'x');
    dir = ScratchDirectory.create("fsync-bench-");
    channel = FileChannel.open(dir.resolve("raw.log"),
        StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, StandardOpenOption.READ);
    position = 0;
  }

  @TearDown(Level.Iteration)
  public void close() throws IOException {
    channel.close();
    dir.close();
  }

  @Benchmark
  public int append_and_force() throws IOException {
    return appendAndForce();
  }

  @Benchmark
  @BenchmarkMode(Mode.SampleTime)
  @OutputTimeUnit(TimeUnit.MICROSECONDS)
  public int append_and_force_latency() throws IOException {
    return appendAndForce();
  }

  @Benchmark
  public int overwrite_and_force() throws IOException {
    return overwriteAndForce();
  }

  @Benchmark
  @BenchmarkMode(Mode.SampleTime)
  @OutputTimeUnit(TimeUnit.MICROSECONDS)
  public int overwrite_and_force_latency() throws IOException {
    return overwriteAndForce();
  }

  private int appendAndForce() throws IOException {
    int written = channel.write(record.clear(), position);
    position += written;
    channel.force(false);
    return written;
  }

  private int overwriteAndForce() throws IOException {
    int written = channel.write(record.clear(), 0);
    channel.force(false);
    return written;
  }
}
