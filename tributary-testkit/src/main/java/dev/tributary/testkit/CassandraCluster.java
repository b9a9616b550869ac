package dev.tributary.testkit;

import dev.tributary.broker.LoopbackPorts;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Several real Cassandra 5 nodes for tests, one data center ({@value CassandraNode#DATACENTER}):
 * node {@code i} (from 0) is a JDK 17 child JVM listening on {@code 127.0.0.(i+1)} (Linux routes all
 * of 127/8 to the loopback interface), every node on the same two free ports, node 0 the seed.
 * A test can {@link #stop(int)} a node and {@link #start(int)} it again with its data.
 */
public final class CassandraCluster implements AutoCloseable {
  private static final String HEAP = "256m";
  private static final int MAX_NODES = 9;

  private final Path dir;
  private final List<CassandraNode> nodes;
  private Duration startupTime;

  private CassandraCluster(Path dir, List<CassandraNode> nodes) {
    this.dir = dir;
    this.nodes = nodes;
  }

  /** Starts {@code size} nodes with their files under {@code dir} and waits until each sees every other up. */
  public static CassandraCluster start(Path dir, int size) {
    if (size < 1 || size > MAX_NODES) throw new IllegalArgumentException("a test cluster has 1 to " + MAX_NODES + " nodes, not " + size);
    long started = System.nanoTime();
    int nativePort = LoopbackPorts.unused();
    int storagePort = LoopbackPorts.unused();
    List<CassandraNode> nodes = new ArrayList<>();
    for (int i = 0; i < size; i++) {
      nodes.add(CassandraNode.configure(dir.resolve("node" + i), address(i), nativePort, storagePort, address(0), i, size, HEAP));
    }
    CassandraCluster cluster = new CassandraCluster(dir, nodes);
    try {
      // The seed first, so that the others find it when they join; then the others together.
      nodes.get(0).launch(size);
      nodes.get(0).awaitReady(() -> CqlProbe.ready(nodes.get(0).contactPoint()));
      nodes.subList(1, size).forEach(n -> n.launch(size));
      nodes.forEach(n -> n.awaitReady(() -> CqlProbe.ready(n.contactPoint())));
      cluster.awaitAllSeeAllUp();
    } catch (RuntimeException e) {
      cluster.close();
      throw e;
    }
    cluster.startupTime = Duration.ofNanos(System.nanoTime() - started);
    return cluster;
  }

  public int size() {
    return nodes.size();
  }

  /** The native (CQL) address of every node. */
  public List<InetSocketAddress> contactPoints() {
    return nodes.stream().map(CassandraNode::contactPoint).toList();
  }

  public InetSocketAddress contactPoint(int node) {
    return nodes.get(node).contactPoint();
  }

  /** The data center to give the driver as its local one. */
  public String localDatacenter() {
    return CassandraNode.DATACENTER;
  }

  /** Stops node {@code node} as an operator would (SIGTERM; Cassandra drains and tells its peers it leaves). */
  public void stop(int node) {
    nodes.get(node).stop();
  }

  /**
   * Starts a stopped node again with its data and waits until it serves CQL; when every node then
   * runs, also until each sees every other up.
   */
  public void start(int node) {
    CassandraNode n = nodes.get(node);
    n.launch(size());
    n.awaitReady(() -> CqlProbe.ready(n.contactPoint()));
    if (nodes.stream().allMatch(CassandraNode::running)) awaitAllSeeAllUp();
  }

  public boolean running(int node) {
    return nodes.get(node).running();
  }

  /** How long {@link #start(Path, int)} took until every node saw every other up. */
  public Duration startupTime() {
    return startupTime;
  }

  /** The resident memory of all the running nodes' JVMs together, in bytes. */
  public long residentBytes() {
    return nodes.stream().mapToLong(CassandraNode::residentBytes).sum();
  }

  /** A read at ALL of system_distributed (replicated to every node here) succeeds only through a node that sees all up. */
  private void awaitAllSeeAllUp() {
    for (CassandraNode n : nodes) {
      n.awaitReady(() -> CqlProbe.queryAtAll(n.contactPoint(), "SELECT keyspace_name FROM system_distributed.view_build_status LIMIT 1"));
    }
  }

  @Override
  public void close() {
    nodes.forEach(CassandraNode::signalStop);
    nodes.forEach(CassandraNode::awaitStopped);
  }

  /** Stops every node and deletes their directories. */
  public void closeAndDelete() {
    close();
    CassandraServer.delete(dir);
  }

  private static String address(int node) {
    return "127.0.0." + (node + 1);
  }
}
