package dev.tributary.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * A {@link CapacityStage} in a child JVM on this benchmark's class path, and that process's CPU
 * time as the kernel counts it (user + system, every thread), read each time the stage reports
 * its count: a busy machine slows the stage down but does not change the CPU it spends per event.
 */
final class StageProcess implements AutoCloseable {

  /** What the stage had handled, the CPU its process had used and when, at one report. */
  record Sample(long count, Duration cpu, long nanoTime) {}

  /** Between two samples: events, CPU-seconds and wall seconds. */
  record Span(long events, double cpuSeconds, double wallSeconds) {
    static Span between(Sample a, Sample b) {
      return new Span(b.count() - a.count(), (b.cpu().toNanos() - a.cpu().toNanos()) / 1e9, (b.nanoTime() - a.nanoTime()) / 1e9);
    }

    double perCpuSecond() { return events / cpuSeconds; }
    double perWallSecond() { return events / wallSeconds; }
  }

  private final String name;
  private final Process process;
  private final Writer toStage;
  private Sample first;
  private Sample latest;
  private Integer port;
  private boolean stopped;
  private boolean exited;

  private StageProcess(String name, Process process) {
    this.name = name;
    this.process = process;
    this.toStage = process.outputWriter(StandardCharsets.UTF_8);
  }

  /** Starts {@code CapacityStage args…}; its standard error goes to {@code errors}. */
  static StageProcess start(Path errors, String... args) throws IOException {
    List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
        "-Xms1g", "-Xmx1g", "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
        CapacityStage.class.getName()));
    command.addAll(List.of(args));
    StageProcess stage = new StageProcess(args[0], new ProcessBuilder(command).redirectError(errors.toFile()).start());
    Thread.ofPlatform().name("stage-" + args[0]).daemon().start(stage::readReports);
    return stage;
  }

  private void readReports() {
    try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = in.readLine()) != null) {
        if (line.startsWith("count ")) {
          // CPU is read here, beside the count it goes with.
          Sample s = new Sample(Long.parseLong(line.substring(6)), cpu(), System.nanoTime());
          synchronized (this) {
            if (first == null) first = s;
            latest = s;
            notifyAll();
          }
        } else if (line.startsWith("port ")) {
          synchronized (this) { port = Integer.parseInt(line.substring(5)); notifyAll(); }
        } else if (line.equals("stopped")) {
          synchronized (this) { stopped = true; notifyAll(); }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      synchronized (this) { exited = true; notifyAll(); }
    }
  }

  private Duration cpu() {
    return process.toHandle().info().totalCpuDuration()
        .orElseThrow(() -> new IllegalStateException("no CPU time for the " + name + " stage (pid " + process.pid() + ")"));
  }

  /** The capture stage's HTTP port. */
  synchronized int port(Duration timeout) throws InterruptedException {
    await(() -> port != null, timeout, "its port");
    return port;
  }

  /** The stage's first report, taken as soon as it was started (its count then 0 or little more). */
  synchronized Sample first(Duration timeout) throws InterruptedException {
    await(() -> first != null, timeout, "a first count");
    return first;
  }

  /** The first report after this call: everything done before it is counted, in events and in CPU. */
  synchronized Sample next(Duration timeout) throws InterruptedException {
    Sample current = latest;
    await(() -> latest != null && latest != current, timeout, "a new count");
    return latest;
  }

  /** The first report of at least {@code events}. */
  synchronized Sample awaitCount(long events, Duration timeout) throws InterruptedException {
    await(() -> latest != null && latest.count() >= events, timeout, String.format("%,d events", events));
    return latest;
  }

  /** Stops the stage and returns its last report, taken once it had stopped. */
  Sample stop(Duration timeout) throws InterruptedException, IOException {
    toStage.write("stop\n");
    toStage.flush();
    synchronized (this) {
      await(() -> stopped, timeout, "stopped");
      return latest;
    }
  }

  private void await(BooleanSupplier done, Duration timeout, String what) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!done.getAsBoolean()) {
      if (exited) throw new IllegalStateException("the " + name + " stage exited before " + what + "; see its stderr");
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new IllegalStateException("the " + name + " stage did not report " + what + " within " + timeout.toSeconds()
            + " s (last: " + latest + ")");
      }
      TimeUnit.NANOSECONDS.timedWait(this, left);
    }
  }

  @Override
  public void close() throws InterruptedException {
    try {
      toStage.close();
    } catch (IOException e) {
      // the stage is gone already
    }
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      process.waitFor();
    }
  }
}
