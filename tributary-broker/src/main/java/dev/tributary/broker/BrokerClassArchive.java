package dev.tributary.broker;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A class-data archive of the broker JVM (the JDK's CDS, a dynamic archive on top of the JDK's own).
 * A broker loads some 8,000 classes at every start, 1,400 of them the JDK's own archive holds;
 * mapped from an archive instead of loaded and verified, a start to serving took 1.3-1.5 s instead
 * of 2.3-2.7 s here.
 *
 * <p>The archive lies beside the cached jars as {@code broker-classes-<key>.jsa}, the key a hash of
 * the JDK and of every class path entry's path, size and modification time: a new JDK or jar gets a
 * new archive, never a stale one. A broker started while there is none writes one as it exits
 * ({@code -XX:ArchiveClassesAtExit}) to a file of its own, moved into place in one step after a
 * clean exit, so brokers started side by side never map a partial archive; a killed broker writes
 * none, and an archive that replaces one of another key deletes it. The JVM checks an archive
 * before it maps it and runs without one that does not match (saying so in the broker's log).
 */
final class BrokerClassArchive {
  private static final Logger log = LoggerFactory.getLogger(BrokerClassArchive.class);
  private final Path archive;
  /** Where the running broker writes its archive at exit; null when it maps one or writes none. */
  private Path writing;

  private BrokerClassArchive(Path archive) {
    this.archive = archive;
  }

  /** The archive for a broker JVM of this JDK on {@code classPath}, kept in {@code dir}. */
  static BrokerClassArchive of(Path dir, List<Path> classPath) {
    try {
      MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
      sha256.update((System.getProperty("java.home") + "\n" + Runtime.version() + "\n").getBytes(StandardCharsets.UTF_8));
      for (Path entry : classPath) {
        File file = entry.toFile();
        sha256.update((entry + " " + file.length() + " " + file.lastModified() + "\n").getBytes(StandardCharsets.UTF_8));
      }
      return new BrokerClassArchive(dir.resolve("broker-classes-" + HexFormat.of().formatHex(sha256.digest(), 0, 8) + ".jsa"));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** JVM options for the next start: map the archive, or write one at exit when there is none. */
  synchronized List<String> jvmOptions() {
    if (Files.isRegularFile(archive)) return List.of("-XX:SharedArchiveFile=" + archive);
    writing = archive.resolveSibling(archive.getFileName() + "." + UUID.randomUUID() + ".part");
    // it lists every class it leaves out (linked before, proxies): noise in the broker's log
    return List.of("-XX:ArchiveClassesAtExit=" + writing, "-Xlog:cds=off");
  }

  /** After the broker JVM ended: moves an archive it wrote into place if it exited cleanly, else drops it. */
  synchronized void exited(boolean clean) {
    Path written = writing;
    writing = null;
    if (written == null) return;
    try {
      if (clean && Files.isRegularFile(written)) {
        Files.move(written, archive, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        log.info("the Kafka broker's classes are archived in {}: the next starts map them", archive);
        deleteOtherArchives();
      }
      Files.deleteIfExists(written);
    } catch (IOException e) {
      log.warn("could not keep the Kafka broker's class archive {} ({}); brokers start without one", archive, e.toString());
    }
  }

  /** Archives of an earlier JDK or jar are never mapped again (a broker mapping one now keeps its mapping). */
  private void deleteOtherArchives() throws IOException {
    try (var files = Files.newDirectoryStream(archive.getParent(), "broker-classes-*.jsa")) {
      for (Path f : files) {
        if (!f.equals(archive)) Files.deleteIfExists(f);
      }
    }
  }
}
