package dev.tributary.broker;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One real Apache Kafka node (KRaft, broker and controller in one process) running in its own
 * JVM on loopback ports, with its data in a directory of its own. It can be stopped gently,
 * killed with SIGKILL, and restarted on the same data and ports.
 *
 * <p>The data directory holds {@code server.properties}, {@code cluster.id}, {@code logback.xml}, {@code broker.log}
 * (the JVM's output, appended across restarts) and {@code data/} (Kafka's log and metadata dirs).
 */
public final class KafkaBroker implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(KafkaBroker.class);
  static final Duration START_TIMEOUT = Duration.ofSeconds(90);
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);
  private static final Path SETSID = Path.of("/usr/bin/setsid");

  private final int nodeId;
  private final Path dir;
  private final int brokerPort;
  private final int controllerPort;
  private final BrokerJars jars;
  /** A second client listener, SASL_PLAINTEXT with SCRAM-SHA-512; 0 when there is none. */
  private int saslPort;
  private volatile Process process;
  private volatile BrokerClassArchive classArchive;

  private KafkaBroker(int nodeId, Path dir, int brokerPort, int controllerPort, BrokerJars jars) {
    this.nodeId = nodeId;
    this.dir = dir;
    this.brokerPort = brokerPort;
    this.controllerPort = controllerPort;
    this.jars = jars;
  }

  /** Starts a single-node cluster with its data in {@code dir} and waits until it serves clients. */
  public static KafkaBroker start(Path dir) {
    return start(dir, Map.of());
  }

  /**
   * Starts a single-node cluster; {@code overrides} are broker properties (e.g. {@code num.partitions},
   * {@code message.max.bytes}) that replace the test-friendly defaults.
   */
  public static KafkaBroker start(Path dir, Map<String, String> overrides) {
    KafkaBroker broker = create(1, dir);
    broker.configure(voters(List.of(broker)), Uuid.randomUuid().toString(), overrides);
    broker.launch();
    broker.awaitReady(1, START_TIMEOUT);
    return broker;
  }

  /**
   * Starts a single-node cluster that serves, besides its PLAINTEXT listener, SASL_PLAINTEXT with
   * SCRAM-SHA-512 on {@link #saslBootstrapServers()}, where {@code user} with {@code password} may
   * connect: a secured cluster, as MSK or Confluent Cloud ask, for clients to be tried against.
   */
  public static KafkaBroker startWithScram(Path dir, String user, String password) {
    KafkaBroker broker = create(1, dir);
    broker.saslPort = LoopbackPorts.unused();
    broker.configure(voters(List.of(broker)), Uuid.randomUuid().toString(), Map.of());
    broker.launch();
    broker.awaitReady(1, START_TIMEOUT);
    Properties props = new Properties();
    props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
    try (Admin admin = Admin.create(props)) {
      admin.alterUserScramCredentials(List.of(new UserScramCredentialUpsertion(user,
          new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 4096), password))).all().get(30, TimeUnit.SECONDS);
    } catch (ExecutionException | TimeoutException | InterruptedException e) {
      if (e instanceof InterruptedException) Thread.currentThread().interrupt();
      broker.close();
      throw new IllegalStateException("could not create the SCRAM user " + user, e);
    }
    return broker;
  }

  /** The SASL_PLAINTEXT (SCRAM-SHA-512) listener of a broker from {@link #startWithScram}. */
  public String saslBootstrapServers() {
    if (saslPort == 0) throw new IllegalStateException("this broker has no SASL listener; start it with startWithScram");
    return "127.0.0.1:" + saslPort;
  }

  /**
   * Starts a single-node cluster in {@code dir}, keeping the topics of a broker that ran there
   * before (its storage is formatted for its cluster id, which is reused), or a new one.
   */
  public static KafkaBroker startOrResume(Path dir) {
    return startOrResume(dir, 0, BrokerJars.central());
  }

  /**
   * As {@link #startOrResume(Path)}, with clients served on {@code brokerPort} (0: any free port)
   * and the broker's jars from {@code jars}.
   */
  public static KafkaBroker startOrResume(Path dir, int brokerPort, BrokerJars jars) {
    KafkaBroker broker = create(1, dir, brokerPort, jars);
    broker.configure(voters(List.of(broker)), previousClusterId(dir).orElseGet(() -> Uuid.randomUuid().toString()), Map.of());
    broker.launch();
    broker.awaitReady(1, START_TIMEOUT);
    return broker;
  }

  private static Optional<String> previousClusterId(Path dir) {
    try {
      if (!Files.exists(dir.resolve("data").resolve("meta.properties"))) return Optional.empty();
      return Optional.of(Files.readString(dir.resolve("cluster.id")).trim()).filter(id -> !id.isEmpty());
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  static KafkaBroker create(int nodeId, Path dir) {
    return create(nodeId, dir, 0, BrokerJars.central());
  }

  private static KafkaBroker create(int nodeId, Path dir, int brokerPort, BrokerJars jars) {
    try {
      Files.createDirectories(dir);
      return new KafkaBroker(nodeId, dir.toAbsolutePath(), brokerPort == 0 ? LoopbackPorts.unused() : brokerPort,
          LoopbackPorts.unused(), jars);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static String voters(List<KafkaBroker> nodes) {
    return nodes.stream().map(n -> n.nodeId + "@127.0.0.1:" + n.controllerPort).collect(Collectors.joining(","));
  }

  /** Writes the configuration; the broker JVM formats its storage on first start. */
  void configure(String voters, String clusterId, Map<String, String> overrides) {
    int clusterSize = voters.split(",").length;
    try {
      Files.writeString(dir.resolve("server.properties"), properties(voters, clusterSize, overrides));
      Files.writeString(dir.resolve("logback.xml"), LOGBACK);
      Files.writeString(dir.resolve("cluster.id"), clusterId);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private String properties(String voters, int clusterSize, Map<String, String> overrides) {
    String replication = String.valueOf(Math.min(clusterSize, 3));
    Map<String, String> p = new LinkedHashMap<>();
    p.put("process.roles", "broker,controller");
    p.put("node.id", String.valueOf(nodeId));
    p.put("controller.quorum.voters", voters);
    p.put("listeners", "PLAINTEXT://127.0.0.1:" + brokerPort + ",CONTROLLER://127.0.0.1:" + controllerPort);
    p.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + brokerPort);
    p.put("controller.listener.names", "CONTROLLER");
    p.put("inter.broker.listener.name", "PLAINTEXT");
    p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
    if (saslPort != 0) {
      p.put("listeners", p.get("listeners") + ",SASL_PLAINTEXT://127.0.0.1:" + saslPort);
      p.put("advertised.listeners", p.get("advertised.listeners") + ",SASL_PLAINTEXT://127.0.0.1:" + saslPort);
      p.put("listener.security.protocol.map", p.get("listener.security.protocol.map") + ",SASL_PLAINTEXT:SASL_PLAINTEXT");
      p.put("sasl.enabled.mechanisms", "SCRAM-SHA-512");
      p.put("listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config",
          "org.apache.kafka.common.security.scram.ScramLoginModule required;");
    }
    p.put("log.dirs", dir.resolve("data").toString());
    p.put("num.partitions", "1");
    p.put("default.replication.factor", replication);
    p.put("min.insync.replicas", "1");
    p.put("offsets.topic.replication.factor", replication);
    p.put("offsets.topic.num.partitions", "5");
    p.put("transaction.state.log.replication.factor", replication);
    p.put("transaction.state.log.min.isr", "1");
    p.put("transaction.state.log.num.partitions", "5");
    p.put("share.coordinator.state.topic.replication.factor", replication);
    p.put("share.coordinator.state.topic.min.isr", "1");
    p.put("group.initial.rebalance.delay.ms", "0");
    // A restarted node waits for the session of its previous incarnation to expire: keep it short.
    p.put("broker.heartbeat.interval.ms", "500");
    p.put("broker.session.timeout.ms", "2500");
    p.put("auto.create.topics.enable", "true");
    p.putAll(overrides);
    return p.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining("\n", "", "\n"));
  }

  /** Starts the broker JVM without waiting for it to serve. */
  synchronized void launch() {
    if (isRunning()) throw new IllegalStateException("broker " + nodeId + " is already running");
    List<String> cmd = java(WatchedBrokerMain.class.getName());
    // Its own session, so a terminal's Ctrl-C reaches only our process, which drains into the
    // broker before stopping it. setsid execs in place (we are not a group leader), so the
    // broker is still our child and still halts when we are gone.
    if (Files.isExecutable(SETSID)) cmd.addFirst(SETSID.toString());
    try {
      cmd.add(Files.readString(dir.resolve("cluster.id")).trim());
      cmd.add(dir.resolve("server.properties").toString());
      process = new ProcessBuilder(cmd).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("broker.log").toFile())).start();
    } catch (IOException e) {
      throw new UncheckedIOException("could not start the Kafka broker JVM", e);
    }
  }

  private List<String> java(String mainClass) {
    List<Path> classPath = jars.classPath(System.err);
    classArchive = BrokerClassArchive.of(jars.cache(), classPath);
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(List.of("-Xms64m", "-Xmx512m", "-XX:+UseSerialGC", "-Djava.awt.headless=true"));
    cmd.addAll(classArchive.jvmOptions());
    cmd.addAll(List.of("-Dlogback.configurationFile=" + dir.resolve("logback.xml"),
        "-cp", classPath.stream().map(Path::toString).collect(Collectors.joining(File.pathSeparator)), mainClass));
    return cmd;
  }

  /** Keeps the class archive the broker wrote at a clean exit, or drops what it left. */
  private void ended(boolean clean) {
    BrokerClassArchive a = classArchive;
    if (a != null) a.exited(clean);
  }

  /** Waits until the cluster this node belongs to reports {@code brokers} live brokers to a client of this node. */
  void awaitReady(int brokers, Duration timeout) {
    long started = System.nanoTime();
    long deadline = started + timeout.toNanos();
    Properties props = new Properties();
    props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
    props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "2000");
    props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "3000");
    props.put(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, "200");
    try (Admin admin = Admin.create(props)) {
      while (true) {
        Process p = process;
        if (p == null || !p.isAlive()) {
          throw new IllegalStateException("Kafka broker " + nodeId + " exited during start; its output:\n" + logTail());
        }
        try {
          if (admin.describeCluster().nodes().get(3, TimeUnit.SECONDS).size() >= brokers) break;
        } catch (ExecutionException | TimeoutException e) {
          // not serving yet
        }
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("Kafka broker " + nodeId + " did not serve within " + timeout.toSeconds()
              + " s; its output:\n" + logTail());
        }
        Thread.sleep(100);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for Kafka", e);
    }
    log.info("Kafka broker {} serving on {} after {} ms", nodeId, bootstrapServers(),
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
  }

  /** Creates {@code topic} with {@code partitions} partitions unless it exists. */
  public void createTopicIfMissing(String topic, int partitions) {
    Properties props = new Properties();
    props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
    try (Admin admin = Admin.create(props)) {
      admin.createTopics(List.of(new NewTopic(topic, Optional.of(partitions), Optional.empty()))).all().get(30, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      if (!(e.getCause() instanceof TopicExistsException)) throw new IllegalStateException("cannot create topic " + topic, e.getCause());
    } catch (InterruptedException | TimeoutException e) {
      throw new IllegalStateException("cannot create topic " + topic, e);
    }
  }

  /** {@code host:port} for clients. */
  public String bootstrapServers() {
    return "127.0.0.1:" + brokerPort;
  }

  public int nodeId() {
    return nodeId;
  }

  public Path directory() {
    return dir;
  }

  /** The running broker JVM's command line, as the operating system reports it; empty when it does not run. */
  String commandLine() {
    Process p = process;
    return p == null || !p.isAlive() ? "" : p.info().commandLine().orElse("");
  }

  public boolean isRunning() {
    Process p = process;
    return p != null && p.isAlive();
  }

  /** SIGTERM, letting Kafka shut down cleanly; SIGKILL if it has not exited after 30 s. */
  public void stopGracefully() {
    stopGracefully(STOP_TIMEOUT);
  }

  /** As {@link #stopGracefully()}, killing it after {@code timeout}. */
  synchronized void stopGracefully(Duration timeout) {
    Process p = process;
    if (p == null || !p.isAlive()) {
      ended(false);
      return;
    }
    long started = System.nanoTime();
    p.destroy();
    if (!waitFor(p, timeout)) {
      log.warn("Kafka broker {} did not stop within {} s of SIGTERM; killing it", nodeId, timeout.toSeconds());
      kill();
      return;
    }
    log.info("Kafka broker {} stopped {} ms after SIGTERM", nodeId, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
    ended(p.exitValue() == 0 || p.exitValue() == 143);
  }

  /** SIGTERM without waiting; {@link #stopGracefully} then waits. */
  void signalStop() {
    Process p = process;
    if (p != null) p.destroy();
  }

  /** SIGKILL: the broker dies at once, as in a crash; what it wrote to its files stays. */
  public synchronized void kill() {
    Process p = process;
    if (p == null) return;
    p.destroyForcibly();
    waitFor(p, STOP_TIMEOUT);
    ended(false);
  }

  /** Stops the broker if it runs, then starts it again on the same data and ports and waits until it serves. */
  public void restart() {
    stopGracefully();
    launch();
    awaitReady(1, START_TIMEOUT);
  }

  /** Starts the broker again after a stop or kill, without waiting (for nodes of a cluster). */
  void relaunch() {
    stopGracefully();
    launch();
  }

  @Override
  public void close() {
    stopGracefully();
  }

  private static boolean waitFor(Process p, Duration timeout) {
    try {
      return p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private String logTail() {
    try {
      List<String> lines = Files.readAllLines(dir.resolve("broker.log"), StandardCharsets.UTF_8);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
    } catch (IOException e) {
      return "(no output: " + e.getMessage() + ")";
    }
  }

  private static final String LOGBACK = """
      <configuration>
        <appender name="OUT" class="ch.qos.logback.core.ConsoleAppender">
          <encoder><pattern>%d{HH:mm:ss.SSS} %-5level [%thread] %logger{36} - %msg%n</pattern></encoder>
        </appender>
        <logger name="org.apache.kafka" level="WARN"/>
        <logger name="kafka" level="WARN"/>
        <logger name="kafka.server.KafkaRaftServer" level="INFO"/>
        <logger name="kafka.server.BrokerServer" level="INFO"/>
        <root level="INFO"><appender-ref ref="OUT"/></root>
      </configuration>
      """;
}
