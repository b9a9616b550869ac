package dev.tributary.testkit;

import dev.tributary.testkit.cassandra.CassandraNodeMain;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * One Cassandra node of the kit: a JDK 17 child JVM running cassandra-all with a generated
 * {@code cassandra.yaml}, its data, commit log and {@code node.log} (the JVM's output) in a directory
 * of its own. Stopping keeps the directory, so a node started again comes back with its data and
 * its place in the ring.
 */
final class CassandraNode {
  static final String DATACENTER = "datacenter1";
  private static final Duration START_TIMEOUT = Duration.ofSeconds(180);
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(60);
  private static final int LOG_TAIL_LINES = 40;
  private static final int LOG_LINE_CHARS = 1_000;

  private final Path dir;
  private final String address;
  private final int nativePort;
  private final String heap;
  private Process process;

  private CassandraNode(Path dir, String address, int nativePort, String heap) {
    this.dir = dir;
    this.address = address;
    this.nativePort = nativePort;
    this.heap = heap;
  }

  /**
   * Writes the configuration of node {@code index} of {@code nodes}: its token is the
   * {@code index}-th of {@code nodes} evenly spread, so no node has to bootstrap.
   */
  static CassandraNode configure(Path dir, String address, int nativePort, int storagePort, String seed, int index, int nodes,
      String heap) {
    try {
      Files.createDirectories(dir);
      Files.writeString(dir.resolve("cassandra.yaml"), yaml(dir, address, nativePort, storagePort, seed, token(index, nodes)));
      Files.writeString(dir.resolve("logback.xml"), LOGBACK);
      return new CassandraNode(dir, address, nativePort, heap);
    } catch (IOException e) {
      throw new UncheckedIOException("could not write the configuration of the Cassandra node in " + dir, e);
    }
  }

  InetSocketAddress contactPoint() {
    return new InetSocketAddress(address, nativePort);
  }

  boolean running() {
    return process != null && process.isAlive();
  }

  /** Starts the JVM without waiting for it; see {@link #awaitReady(Supplier)}. */
  void launch(int replicationFactor) {
    if (running()) throw new IllegalStateException("the Cassandra node at " + address + " is running already");
    try {
      process = new ProcessBuilder(command(replicationFactor)).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("node.log").toFile())).start();
    } catch (IOException e) {
      throw new UncheckedIOException("could not start the Cassandra node at " + address, e);
    }
  }

  /** Waits until {@code check} answers ok; fails with the node's log tail when it exits or takes too long. */
  void awaitReady(Supplier<CqlProbe.Answer> check) {
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    CqlProbe.Answer last = new CqlProbe.Answer(false, "not asked yet");
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException("the Cassandra node at " + address + " exited with " + process.exitValue()
            + " during start; the end of " + dir.resolve("node.log") + ":\n" + logTail());
      }
      last = check.get();
      if (last.ok()) return;
      pause();
    }
    stop();
    throw new IllegalStateException("the Cassandra node at " + address + ":" + nativePort + " was not ready within "
        + START_TIMEOUT.toSeconds() + " s (last answer: " + last.detail() + "); the end of " + dir.resolve("node.log") + ":\n" + logTail());
  }

  /** Stops the node as an operator would (SIGTERM: Cassandra drains and tells its peers), killing it if that hangs. */
  void stop() {
    signalStop();
    awaitStopped();
  }

  /** Asks the node to stop (SIGTERM) without waiting, so that several nodes drain together. */
  void signalStop() {
    if (process != null) process.destroy();
  }

  /** Waits for a node asked to stop, killing it if draining hangs. */
  void awaitStopped() {
    if (process == null) return;
    try {
      if (!process.waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
  }

  /** The resident memory of the node's JVM in bytes, from /proc; 0 when it is not running or unknown. */
  long residentBytes() {
    if (!running()) return 0;
    try (Stream<String> lines = Files.lines(Path.of("/proc", Long.toString(process.pid()), "status"))) {
      return lines.filter(l -> l.startsWith("VmRSS:")).findFirst()
          .map(l -> Long.parseLong(l.replaceAll("\\D", "")) * 1024).orElse(0L);
    } catch (IOException | UncheckedIOException e) {
      return 0;
    }
  }

  String logTail() {
    try {
      List<String> lines = Files.readAllLines(dir.resolve("node.log"), StandardCharsets.UTF_8);
      return lines.subList(Math.max(0, lines.size() - LOG_TAIL_LINES), lines.size()).stream()
          .map(l -> l.length() > LOG_LINE_CHARS ? l.substring(0, LOG_LINE_CHARS) + " ..." : l)
          .collect(Collectors.joining("\n"));
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  private List<String> command(int replicationFactor) {
    String classPath = CassandraNodeMain.classPath();
    List<String> cmd = new ArrayList<>(List.of(CassandraJdk.java().toString(),
        "-Xms64m", "-Xmx" + heap, "-Xss256k", "-XX:MaxDirectMemorySize=256m", "-XX:+UseSerialGC",
        // C1 only: a third less CPU to start (7 s instead of 10 to 14 s here), which two busy cores
        // feel more than the slower code; not for measuring Cassandra's speed.
        "-XX:TieredStopAtLevel=1",
        "-XX:+ExitOnOutOfMemoryError", "-XX:+PerfDisableSharedMem", "-Djava.net.preferIPv4Stack=true"));
    Arrays.stream(classPath.split(File.pathSeparator)).filter(j -> Path.of(j).getFileName().toString().startsWith("jamm-"))
        .findFirst().ifPresent(jamm -> cmd.add("-javaagent:" + jamm));
    cmd.addAll(JDK17_OPTIONS);
    cmd.addAll(List.of(
        "-Dcassandra.config=" + dir.resolve("cassandra.yaml").toUri(),
        "-Dcassandra-foreground=yes",
        "-Dcassandra.storagedir=" + dir,
        "-Dcassandra.logdir=" + dir.resolve("logs"),
        "-Dlogback.configurationFile=" + dir.resolve("logback.xml"),
        // A test cluster is born complete: nothing to wait for before serving.
        "-Dcassandra.skip_wait_for_gossip_to_settle=0",
        // Also how long a joining node waits for the seed's answer to its first gossip (the shadow
        // round) before it gives up with "Unable to gossip with any peers": 1 s was too short for a
        // seed on two loaded cores. The answer ends the wait, and without bootstrap nothing else
        // waits the ring delay, so Cassandra's default costs no time.
        "-Dcassandra.ring_delay_ms=30000",
        "-Dcassandra.superuser_setup_delay_ms=0",
        // system_distributed on every node lets one read at ALL show that a node sees all the others up.
        "-Dcassandra.system_distributed.default_rf=" + replicationFactor,
        "-Dcassandra.system_traces.default_rf=" + replicationFactor,
        "-cp", classPath, CassandraNodeMain.class.getName()));
    return cmd;
  }

  /** From Cassandra 5.0's conf/jvm17-server.options: what its code reaches into on Java 17. */
  private static final List<String> JDK17_OPTIONS = List.of(
      "-Djdk.attach.allowAttachSelf=true",
      "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED",
      "--add-exports", "java.management.rmi/com.sun.jmx.remote.internal.rmi=ALL-UNNAMED",
      "--add-exports", "java.rmi/sun.rmi.registry=ALL-UNNAMED",
      "--add-exports", "java.rmi/sun.rmi.server=ALL-UNNAMED",
      "--add-exports", "java.sql/java.sql=ALL-UNNAMED",
      "--add-exports", "java.base/java.lang.ref=ALL-UNNAMED",
      "--add-exports", "jdk.unsupported/sun.misc=ALL-UNNAMED",
      "--add-exports", "jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED",
      "--add-exports", "jdk.attach/sun.tools.attach=ALL-UNNAMED",
      "--add-opens", "java.base/java.lang.module=ALL-UNNAMED",
      "--add-opens", "java.base/jdk.internal.loader=ALL-UNNAMED",
      "--add-opens", "java.base/jdk.internal.ref=ALL-UNNAMED",
      "--add-opens", "java.base/jdk.internal.reflect=ALL-UNNAMED",
      "--add-opens", "java.base/jdk.internal.math=ALL-UNNAMED",
      "--add-opens", "java.base/jdk.internal.module=ALL-UNNAMED",
      "--add-opens", "java.base/jdk.internal.util.jar=ALL-UNNAMED",
      "--add-opens", "jdk.management/com.sun.management.internal=ALL-UNNAMED",
      "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED",
      "--add-opens", "java.base/java.io=ALL-UNNAMED",
      "--add-opens", "java.base/java.lang.reflect=ALL-UNNAMED",
      "--add-opens", "jdk.compiler/com.sun.tools.javac=ALL-UNNAMED",
      "--add-opens", "java.base/java.lang=ALL-UNNAMED",
      "--add-opens", "java.base/java.util=ALL-UNNAMED",
      "-Dio.netty.tryReflectionSetAccessible=true",
      "-Dio.netty.allocator.useCacheForAllThreads=true",
      "-Dio.netty.allocator.maxOrder=11");

  /** The Murmur3 token of node {@code index} of {@code nodes}, the ring split evenly. */
  static String token(int index, int nodes) {
    BigInteger min = BigInteger.ONE.shiftLeft(63).negate();
    return min.add(BigInteger.ONE.shiftLeft(64).divide(BigInteger.valueOf(nodes)).multiply(BigInteger.valueOf(index))).toString();
  }

  private static String yaml(Path dir, String address, int nativePort, int storagePort, String seed, String token) {
    return String.join("\n",
        "cluster_name: tributary-test",
        "num_tokens: 1",
        "initial_token: " + token,
        "partitioner: org.apache.cassandra.dht.Murmur3Partitioner",
        "endpoint_snitch: SimpleSnitch",
        "authenticator: AllowAllAuthenticator",
        "authorizer: AllowAllAuthorizer",
        "seed_provider:",
        "  - class_name: org.apache.cassandra.locator.SimpleSeedProvider",
        "    parameters:",
        "      - seeds: \"" + seed + ":" + storagePort + "\"",
        "listen_address: " + address,
        "rpc_address: " + address,
        "storage_port: " + storagePort,
        "native_transport_port: " + nativePort,
        "start_native_transport: true",
        "auto_bootstrap: false",
        "data_file_directories:",
        "  - " + dir.resolve("data"),
        "commitlog_directory: " + dir.resolve("commitlog"),
        "saved_caches_directory: " + dir.resolve("saved_caches"),
        "hints_directory: " + dir.resolve("hints"),
        "cdc_raw_directory: " + dir.resolve("cdc_raw"),
        // The tests kill processes, never the machine: the OS keeps what a periodic sync has not flushed.
        "commitlog_sync: periodic",
        "commitlog_sync_period: 10000ms",
        // Small caches and few threads: a node shares two cores and a few GB with a whole test run.
        "concurrent_reads: 4",
        "concurrent_writes: 4",
        "concurrent_counter_writes: 2",
        "concurrent_compactors: 1",
        "file_cache_size: 32MiB",
        "key_cache_size: 8MiB",
        "networking_cache_size: 16MiB",
        "native_transport_max_threads: 32",
        // Tests drop keyspaces often; a snapshot per drop would only fill the disk.
        "auto_snapshot: false",
        "disk_failure_policy: stop",
        "commit_failure_policy: stop",
        "");
  }

  private static final String LOGBACK = """
      <configuration>
        <appender name="OUT" class="ch.qos.logback.core.ConsoleAppender">
          <encoder><pattern>%d{HH:mm:ss.SSS} %-5level [%thread] %logger{0}: %msg%n</pattern></encoder>
        </appender>
        <!-- Every setting on one line of 12 kB: cassandra.yaml beside the log says the same. -->
        <logger name="org.apache.cassandra.config.Config" level="WARN"/>
        <root level="INFO"><appender-ref ref="OUT"/></root>
      </configuration>
      """;

  private static void pause() {
    try {
      Thread.sleep(250);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while a Cassandra node starts", e);
    }
  }
}
