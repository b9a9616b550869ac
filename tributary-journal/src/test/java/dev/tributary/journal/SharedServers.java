package dev.tributary.journal;

import dev.tributary.broker.KafkaBroker;
import dev.tributary.testkit.CassandraServer;
import dev.tributary.testkit.PostgresServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * One real Kafka broker, one private PostgreSQL cluster and the testkit's one Cassandra node for
 * every journal test class in this JVM: started on first use, stopped when the JVM exits. Each test
 * takes its own topic, and its own database or keyspace.
 */
final class SharedServers {
  private static Path dir;
  private static KafkaBroker broker;
  private static PostgresServer postgres;
  private static final AtomicInteger keyspaces = new AtomicInteger();
  private static JournalStoreConfig.Cassandra sharedKeyspace;
  /**
   * Events per journal partition in the tests' keyspaces: small, so that their journals span many
   * segments and every read, delete and purge crosses segment bounds.
   */
  static final int SEGMENT_SIZE = 7;

  private SharedServers() {}

  static synchronized String bootstrapServers() {
    if (broker == null) {
      try {
        dir = Files.createTempDirectory("tributary-journal-kafka-");
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      broker = KafkaBroker.start(dir);
      Runtime.getRuntime().addShutdownHook(new Thread(SharedServers::stopBroker));
    }
    return broker.bootstrapServers();
  }

  /** A new empty database on the shared PostgreSQL. */
  static synchronized String createDatabase() {
    if (postgres == null) {
      postgres = PostgresServer.start();
      Runtime.getRuntime().addShutdownHook(new Thread(postgres::close));
    }
    return postgres.createDatabase();
  }

  /**
   * The keyspace most tests share: their topics keep them apart, as in the tables of a deployment, and
   * the tables are created once rather than for every test (some seconds each).
   */
  static synchronized JournalStoreConfig.Cassandra sharedKeyspace() {
    if (sharedKeyspace == null) sharedKeyspace = createKeyspace();
    return sharedKeyspace;
  }

  /** A keyspace of its own on the shared Cassandra node (created when a store first opens it). */
  static JournalStoreConfig.Cassandra createKeyspace() {
    CassandraServer cassandra = CassandraServer.shared();
    String contactPoint = cassandra.contactPoint().getHostString() + ":" + cassandra.contactPoint().getPort();
    return JournalStoreConfig.Cassandra.of(List.of(contactPoint), "journal_t" + keyspaces.incrementAndGet() + "_" + ProcessHandle.current().pid())
        .withLocalDc(cassandra.localDatacenter()).withSegmentSize(SEGMENT_SIZE);
  }

  private static void stopBroker() {
    broker.close();
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
    } catch (IOException ignored) {
      // a temp directory left behind
    }
  }
}
