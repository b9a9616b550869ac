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
 * The class path of the S3Proxy child JVM. The build writes the resolved jars of S3Proxy to
 * {@code s3proxy-classpath.txt} (they are never packaged with this module); when the file is
 * missing or names jars that are gone, the child runs on this JVM's own class path, which then has
 * to contain S3Proxy. (The Kafka broker's jars are found by tributary-broker.)
 */
final class ChildClasspath {
  private static final List<String> S3PROXY = List.of("s3proxy-classpath.txt");

  private ChildClasspath() {}

  static String s3proxy() {
    return resolve(S3PROXY);
  }

  private static String resolve(List<String> resources) {
    String jars = fromBuild(resources);
    if (jars == null) jars = System.getProperty("java.class.path");
    String own = ownLocation();
    return own == null ? jars : own + File.pathSeparator + jars;
  }

  private static String fromBuild(List<String> resources) {
    Set<String> jars = new LinkedHashSet<>();
    for (String resource : resources) {
      try (InputStream in = ChildClasspath.class.getResourceAsStream(resource)) {
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

  /** Where this module's classes are, so a child JVM can run {@link WatchedS3ProxyMain}. */
  private static String ownLocation() {
    try {
      var source = ChildClasspath.class.getProtectionDomain().getCodeSource();
      return source == null ? null : Path.of(source.getLocation().toURI()).toString();
    } catch (URISyntaxException | RuntimeException e) {
      return null;
    }
  }
}
