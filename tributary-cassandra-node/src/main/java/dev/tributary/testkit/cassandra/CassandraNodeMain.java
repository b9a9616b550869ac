package dev.tributary.testkit.cassandra;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.apache.cassandra.service.CassandraDaemon;

/**
 * Entry point of a test Cassandra node's JVM: runs Cassandra's own daemon and halts when the process
 * that started it is gone, so a killed test JVM never leaves a node running. Its configuration
 * comes in system properties ({@code cassandra.config} and the like), as for Cassandra's own scripts.
 */
public final class CassandraNodeMain {
  private CassandraNodeMain() {}

  public static void main(String[] args) {
    ProcessHandle.current().parent().ifPresent(parent ->
        parent.onExit().thenRun(() -> Runtime.getRuntime().halt(3)));
    CassandraDaemon.main(args);
  }

  /**
   * The class path of a node: this module's classes and the jars of cassandra-all, as the build
   * resolved them (absolute paths in the local Maven repository).
   */
  public static String classPath() {
    try (InputStream in = CassandraNodeMain.class.getResourceAsStream("cassandra-jars.txt")) {
      if (in == null) throw new IllegalStateException("cassandra-jars.txt is missing from the build; Cassandra's jars are unknown");
      String jars = new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
      return ownLocation() + File.pathSeparator + jars;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String ownLocation() {
    try {
      return Path.of(CassandraNodeMain.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }
}
