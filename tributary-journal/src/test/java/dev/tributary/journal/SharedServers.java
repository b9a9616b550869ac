package dev.tributary.journal;

import dev.tributary.broker.KafkaBroker;
import dev.tributary.testkit.PostgresServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * One real Kafka broker and one private PostgreSQL cluster for every journal test class in this JVM:
 * started on first use, stopped when the JVM exits. Each test takes its own topic and database.
 */
final class SharedServers {
  private static Path dir;
  private static KafkaBroker broker;
  private static PostgresServer postgres;

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

  private static void stopBroker() {
    broker.close();
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
    } catch (IOException ignored) {
      // a temp directory left behind
    }
  }
}
