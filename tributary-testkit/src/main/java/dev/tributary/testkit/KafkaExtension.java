package dev.tributary.testkit;

import dev.tributary.broker.KafkaBroker;
import dev.tributary.broker.KafkaCluster;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Gives a test class a running Kafka cluster, started before its first test and stopped (its data
 * deleted) after its last. Use as {@code @RegisterExtension static final KafkaExtension kafka =
 * KafkaExtension.broker();} and {@code kafka.bootstrapServers()} in tests.
 */
public final class KafkaExtension implements BeforeAllCallback, AfterAllCallback {
  private final int size;
  private final Map<String, String> overrides = new LinkedHashMap<>();
  private Path root;
  private KafkaCluster cluster;

  private KafkaExtension(int size) {
    this.size = size;
  }

  /** One node. */
  public static KafkaExtension broker() {
    return new KafkaExtension(1);
  }

  /** {@code size} nodes in one cluster. */
  public static KafkaExtension cluster(int size) {
    return new KafkaExtension(size);
  }

  /** Sets a broker property on every node (before the class starts). */
  public KafkaExtension withProperty(String name, String value) {
    overrides.put(name, value);
    return this;
  }

  @Override
  public void beforeAll(ExtensionContext context) throws IOException {
    root = Files.createTempDirectory("tributary-kafka-");
    cluster = KafkaCluster.start(root, size, overrides);
  }

  @Override
  public void afterAll(ExtensionContext context) {
    if (cluster != null) cluster.close();
    deleteRecursively(root);
  }

  public String bootstrapServers() {
    return cluster().bootstrapServers();
  }

  /** The first node: the only one of a single-broker extension. */
  public KafkaBroker firstBroker() {
    return cluster().broker(1);
  }

  public KafkaCluster cluster() {
    if (cluster == null) throw new IllegalStateException("the Kafka cluster starts before the first test of the class");
    return cluster;
  }

  private static void deleteRecursively(Path dir) {
    if (dir == null || !Files.exists(dir)) return;
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
    } catch (IOException e) {
      throw new UncheckedIOException("could not delete Kafka test data in " + dir, e);
    }
  }
}
