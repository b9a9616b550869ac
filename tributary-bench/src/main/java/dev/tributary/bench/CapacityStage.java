package dev.tributary.bench;

import dev.tributary.capture.DurableLog;
import dev.tributary.kafka.ForwarderConfig;
import dev.tributary.kafka.SpoolForwarder;
import dev.tributary.lake.KafkaLakeSink;
import dev.tributary.lake.KafkaSinkConfig;
import dev.tributary.lake.LakeFormat;
import dev.tributary.refine.RefineConfig;
import dev.tributary.refine.Refiner;
import dev.tributary.spool.FsyncPolicy;
import dev.tributary.spool.Spool;
import dev.tributary.spool.SpoolConfig;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * One pipeline stage alone in a JVM, as {@link CapacityBenchmark} starts it, so that this
 * process's CPU time is the stage's own: the load generator, the broker and the other stages are
 * other processes. Prints {@code port N} (capture only), then {@code count N} every 100 ms, the
 * events the stage has handled so far. A line {@code stop} on its input stops the stage (the sink
 * publishes its files) and prints the last count and {@code stopped}; the process then waits for
 * the end of its input, so that its CPU time can still be read, and exits.
 *
 * <p>Usage: {@code capture SPOOL_DIR | forward SPOOL_DIR BOOTSTRAP TOPIC |
 * refine BOOTSTRAP INPUT OUTPUT STATE_DIR | sink BOOTSTRAP TOPIC LAKE_DIR FORMAT}.
 */
final class CapacityStage {
  private static final long SPOOL_MAX_BYTES = 32L << 30;

  /** A started stage: what it has handled so far, and how it stops. */
  private interface Running {
    long count();

    void stop() throws Exception;
  }

  private CapacityStage() {}

  public static void main(String[] args) throws Exception {
    MeterRegistry registry = new SimpleMeterRegistry();
    Running stage = switch (args[0]) {
      case "capture" -> capture(Path.of(args[1]));
      case "forward" -> forward(Path.of(args[1]), args[2], args[3], registry);
      case "refine" -> refine(args[1], args[2], args[3], Path.of(args[4]), registry);
      case "sink" -> sink(args[1], args[2], Path.of(args[3]), args[4], registry);
      default -> throw new IllegalArgumentException("unknown stage " + args[0] + "; stages: capture forward refine sink");
    };
    ScheduledExecutorService reporter = Executors.newSingleThreadScheduledExecutor();
    reporter.scheduleAtFixedRate(() -> System.out.println("count " + stage.count()), 0, 100, TimeUnit.MILLISECONDS);
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    String line;
    while ((line = in.readLine()) != null && !line.equals("stop")) {
      // anything else on the input is ignored
    }
    reporter.shutdownNow();
    reporter.awaitTermination(5, TimeUnit.SECONDS);
    stage.stop();
    System.out.println("count " + stage.count());
    System.out.println("stopped");
    while (in.readLine() != null) {
      // waits for the end of the input: the parent reads this process's CPU time first
    }
    System.exit(0);
  }

  /** The total of a counter the stage registers (zero before it has). */
  private static long counted(MeterRegistry registry, String name) {
    return (long) registry.find(name).counters().stream().mapToDouble(c -> c.count()).sum();
  }

  private static Spool spool(Path dir) throws Exception {
    return Spool.open(SpoolConfig.defaults(Files.createDirectories(dir)).withFsync(FsyncPolicy.ALWAYS).withMaxBytes(SPOOL_MAX_BYTES));
  }

  /** The capture server over a spool, fsync {@code always}, as {@code serve} runs it; counts records appended. */
  private static Running capture(Path spoolDir) throws Exception {
    Spool spool = spool(spoolDir);
    CaptureLauncher.Running server = CaptureLauncher.captureServer().start(DurableLog.of(spool));
    System.out.println("port " + server.port());
    return new Running() {
      @Override public long count() { return spool.nextOffset(); }
      @Override public void stop() {
        server.close();
        spool.close();
      }
    };
  }

  /** The forwarder with its defaults on an existing spool; counts records Kafka confirmed. */
  private static Running forward(Path spoolDir, String bootstrap, String topic, MeterRegistry registry) throws Exception {
    Spool spool = spool(spoolDir);
    SpoolForwarder forwarder = SpoolForwarder.start(spool,
        ForwarderConfig.defaults(bootstrap, spoolDir.resolveSibling("dead-letters")).withTopic(topic).withNodeId("capacity"),
        registry);
    return new Running() {
      @Override public long count() { return counted(registry, "tributary.forwarder.sent"); }
      @Override public void stop() {
        forwarder.close();
        spool.close();
      }
    };
  }

  /** Refine with its defaults (dedup over 24 h, no reordering, one stream thread); counts records read. */
  private static Running refine(String bootstrap, String input, String output, Path state, MeterRegistry registry) {
    Refiner refiner = Refiner.start(RefineConfig.defaults(bootstrap, state).withTopics(List.of(input), output)
        .withApplicationId("capacity-" + output), registry);
    return new Running() {
      @Override public long count() { return counted(registry, "tributary.refine.events.in"); }
      @Override public void stop() { refiner.close(); }
    };
  }

  /** The Kafka sink with its defaults into a directory; counts events appended to lake files. */
  private static Running sink(String bootstrap, String topic, Path lake, String format, MeterRegistry registry) throws Exception {
    KafkaLakeSink sink = KafkaLakeSink.start(KafkaSinkConfig.of(bootstrap, topic, lake.toString())
        .withGroup("capacity-" + format).withFormat(LakeFormat.parse(format)), registry);
    return new Running() {
      @Override public long count() { return counted(registry, "tributary.lake.events.written"); }
      @Override public void stop() throws InterruptedException {
        if (!sink.stop(Duration.ofMinutes(2))) throw new IllegalStateException("the sink did not stop within 2 minutes");
      }
    };
  }
}
