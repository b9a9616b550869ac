package dev.tributary.testkit;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The class path of the broker JVM. The build writes the resolved jars of {@code kafka_2.13} and
 * its dependencies to {@code broker-classpath.txt} and {@code broker-runtime-classpath.txt} (they are never packaged with this module); when
 * that file is missing or names jars that are gone, the broker runs on this JVM's own class path,
 * which then has to contain Kafka.
 */
final class BrokerClasspath {
  private static final List<String> RESOURCES = List.of("broker-classpath.txt", "broker-runtime-classpath.txt");

  private BrokerClasspath() {}

  static String resolve() {
    String kafka = fromBuild();
    if (kafka == null) kafka = System.getProperty("java.class.path");
    String own = ownLocation();
    return own == null ? kafka : own + File.pathSeparator + kafka;
  }

  private static String fromBuild() {
    Set<String> jars = new LinkedHashSet<>();
    for (String resource : RESOURCES) {
      try (InputStream in = BrokerClasspath.class.getResourceAsStream(resource)) {
        if (in == null) return null;
        String path = new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
        if (path.isEmpty()) return null;
        jars.addAll(Arrays.asList(path.split(File.pathSeparator)));
      } catch (IOException e) {
        return null;
      }
    }
    boolean complete = jars.stream().allMatch(p -> Files.exists(Path.of(p)));
    return complete ? String.join(File.pathSeparator, jars) : null;
  }

  /** Where this module's classes are, so the broker JVM can run {@link WatchedBrokerMain}. */
  private static String ownLocation() {
    try {
      var source = BrokerClasspath.class.getProtectionDomain().getCodeSource();
      return source == null ? null : Path.of(source.getLocation().toURI()).toString();
    } catch (URISyntaxException | RuntimeException e) {
      return null;
    }
  }
}
