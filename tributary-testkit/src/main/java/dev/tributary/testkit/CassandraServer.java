package dev.tributary.testkit;

import dev.tributary.broker.LoopbackPorts;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * A real one-node Apache Cassandra 5 for tests: cassandra-all from Maven Central in a JDK 17 child
 * JVM (see {@link CassandraCluster} for several nodes), listening on 127.0.0.1 on a free port, data
 * center {@value CassandraNode#DATACENTER}, no authentication. Most tests share
 * {@link #shared()}, started once per JVM, and take a keyspace of their own.
 */
public final class CassandraServer implements AutoCloseable {
  private static final String HEAP = "384m";
  private static CassandraServer shared;
  private static Exception sharedFailure;

  private final Path dir;
  private final CassandraNode node;
  private final Duration startupTime;

  private CassandraServer(Path dir, CassandraNode node, Duration startupTime) {
    this.dir = dir;
    this.node = node;
    this.startupTime = startupTime;
  }

  /** The node of every test in this JVM: started on first use, stopped and deleted when the JVM exits. */
  public static synchronized CassandraServer shared() {
    // A node that could not start fails every later test at once, instead of each waiting for its own start.
    if (sharedFailure != null) throw new IllegalStateException("the shared Cassandra node could not start", sharedFailure);
    if (shared == null) {
      try {
        shared = start(Files.createTempDirectory("tributary-cassandra-"));
      } catch (IOException | RuntimeException e) {
        sharedFailure = e;
        throw new IllegalStateException("the shared Cassandra node could not start", e);
      }
      Runtime.getRuntime().addShutdownHook(new Thread(shared::closeAndDelete));
    }
    return shared;
  }

  /** Starts a node with its files in {@code dir} and waits until it serves CQL. */
  public static CassandraServer start(Path dir) {
    long started = System.nanoTime();
    String address = "127.0.0.1";
    CassandraNode node = CassandraNode.configure(dir, address, LoopbackPorts.unused(), LoopbackPorts.unused(), address, 0, 1, HEAP);
    node.launch(1);
    node.awaitReady(() -> CqlProbe.ready(node.contactPoint()));
    return new CassandraServer(dir, node, Duration.ofNanos(System.nanoTime() - started));
  }

  /** Where clients connect (the driver's contact point). */
  public InetSocketAddress contactPoint() {
    return node.contactPoint();
  }

  /** The data center to give the driver as its local one. */
  public String localDatacenter() {
    return CassandraNode.DATACENTER;
  }

  /** How long the start took, from launching the JVM until it served CQL. */
  public Duration startupTime() {
    return startupTime;
  }

  /** The resident memory of the node's JVM, in bytes. */
  public long residentBytes() {
    return node.residentBytes();
  }

  @Override
  public void close() {
    node.stop();
  }

  /** Stops the node and deletes its directory. */
  public void closeAndDelete() {
    close();
    delete(dir);
  }

  static void delete(Path dir) {
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path f : files.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(f);
    } catch (IOException e) {
      throw new UncheckedIOException("could not delete Cassandra's files in " + dir, e);
    }
  }
}
