package dev.tributary.broker;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.kafka.common.Uuid;

/**
 * Several {@link KafkaBroker} nodes forming one KRaft cluster (every node is broker and voter),
 * for tests that need replication. Topics default to a replication factor of min(n, 3).
 */
public final class KafkaCluster implements AutoCloseable {
  private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(10);
  private final List<KafkaBroker> brokers;

  private KafkaCluster(List<KafkaBroker> brokers) {
    this.brokers = List.copyOf(brokers);
  }

  /** Starts {@code size} nodes with data under {@code root/node-<id>} and waits until all serve. */
  public static KafkaCluster start(Path root, int size) {
    return start(root, size, Map.of());
  }

  public static KafkaCluster start(Path root, int size, Map<String, String> overrides) {
    if (size < 1) throw new IllegalArgumentException("a cluster needs at least one broker, got " + size);
    List<KafkaBroker> nodes = new ArrayList<>();
    for (int id = 1; id <= size; id++) nodes.add(KafkaBroker.create(id, root.resolve("node-" + id)));
    String voters = KafkaBroker.voters(nodes);
    String clusterId = Uuid.randomUuid().toString();
    KafkaCluster cluster = new KafkaCluster(nodes);
    try {
      // Format one at a time, then launch all: a controller quorum only forms once a majority runs.
      nodes.forEach(n -> n.configure(voters, clusterId, overrides));
      nodes.forEach(KafkaBroker::launch);
      nodes.forEach(n -> n.awaitReady(size, KafkaBroker.START_TIMEOUT));
      return cluster;
    } catch (RuntimeException e) {
      cluster.close();
      throw e;
    }
  }

  /** Comma-separated {@code host:port} of every node. */
  public String bootstrapServers() {
    return brokers.stream().map(KafkaBroker::bootstrapServers).collect(Collectors.joining(","));
  }

  public List<KafkaBroker> brokers() {
    return brokers;
  }

  /** The node with {@code nodeId} (1-based). */
  public KafkaBroker broker(int nodeId) {
    return brokers.get(nodeId - 1);
  }

  /** Starts a stopped or killed node again and waits until the whole cluster serves. */
  public void restart(int nodeId) {
    KafkaBroker b = broker(nodeId);
    b.relaunch();
    b.awaitReady(brokers.size(), KafkaBroker.START_TIMEOUT);
  }

  /**
   * SIGTERMs every node at once and kills those still running 10 s later. The last nodes to stop
   * have lost their controller quorum and cannot finish a clean shutdown: stopped one after another,
   * the last one waited out the 30 s of {@link KafkaBroker#stopGracefully()} every time.
   */
  @Override
  public void close() {
    brokers.forEach(KafkaBroker::signalStop);
    long deadline = System.nanoTime() + CLOSE_TIMEOUT.toNanos();
    for (KafkaBroker b : brokers) b.stopGracefully(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
  }
}
