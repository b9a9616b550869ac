package dev.tributary.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The JDK a test Cassandra node runs on. Cassandra 5 runs on Java 11 or 17 only (it refuses newer
 * ones), while this build needs 21 or newer: the kit looks for a JDK 17 beside the one it runs on.
 * Looked at, in order: {@code $CASSANDRA_JAVA_HOME}, the JDKs under {@code /usr/lib/jvm}, and
 * {@code java} on the PATH.
 */
final class CassandraJdk {
  static final String ENV = "CASSANDRA_JAVA_HOME";
  private static final String FEATURE = "17";

  private CassandraJdk() {}

  /** The {@code java} binary of a JDK 17; fails saying where it looked and what to install. */
  static Path java() {
    return find().orElseThrow(() -> new IllegalStateException("Cassandra 5 needs a JDK " + FEATURE
        + " (it does not run on newer ones) and none was found; looked at $" + ENV + " (" + System.getenv().getOrDefault(ENV, "unset")
        + "), /usr/lib/jvm/* and 'java' on the PATH. Install one (apt-get install openjdk-17-jre-headless)"
        + " or point $" + ENV + " at one."));
  }

  static Optional<Path> find() {
    List<Path> homes = new ArrayList<>();
    String configured = System.getenv(ENV);
    if (configured != null && !configured.isBlank()) homes.add(Path.of(configured));
    Path jvms = Path.of("/usr/lib/jvm");
    if (Files.isDirectory(jvms)) {
      try (Stream<Path> dirs = Files.list(jvms)) {
        dirs.sorted(Comparator.naturalOrder()).forEach(homes::add);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    for (String p : System.getenv().getOrDefault("PATH", "").split(":")) {
      if (!p.isEmpty() && Files.isExecutable(Path.of(p, "java"))) homeOf(Path.of(p, "java")).ifPresent(homes::add);
    }
    return homes.stream().filter(CassandraJdk::isFeature).map(h -> h.resolve("bin").resolve("java")).findFirst();
  }

  /** /usr/bin/java is a chain of links to the JDK's bin/java. */
  private static Optional<Path> homeOf(Path java) {
    try {
      return Optional.ofNullable(java.toRealPath().getParent()).map(Path::getParent);
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  /** A JDK's {@code release} file names its version: {@code JAVA_VERSION="17.0.15"}. */
  private static boolean isFeature(Path home) {
    Path release = home.resolve("release");
    if (!Files.isExecutable(home.resolve("bin").resolve("java")) || !Files.isRegularFile(release)) return false;
    try (Stream<String> lines = Files.lines(release)) {
      return lines.anyMatch(l -> l.startsWith("JAVA_VERSION=\"" + FEATURE + ".") || l.equals("JAVA_VERSION=\"" + FEATURE + "\""));
    } catch (IOException | UncheckedIOException e) {
      return false;
    }
  }
}
