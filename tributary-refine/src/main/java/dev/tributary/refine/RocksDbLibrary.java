package dev.tributary.refine;

import java.io.IOException;
import java.io.InputStream;
import java.net.JarURLConnection;
import java.net.URL;
import java.net.URLConnection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.jar.JarEntry;
import org.rocksdb.RocksDB;
import org.rocksdb.util.Environment;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads RocksDB's native library from one file under the state directory, extracted once per
 * build of the library and reused by every later start. RocksDB's own loader copies its 14 MB
 * library to a new file in {@code java.io.tmpdir} at every start and deletes it only at a normal
 * JVM exit, so each forced stop (a second Ctrl-C, kill -9, an OOM kill) left one behind. The state
 * directory is already where refine keeps its files and is reused across runs, so it holds one
 * copy, whose directory is named after the library's CRC in the jar: a new RocksDB gets its own.
 */
final class RocksDbLibrary {
  private static final Logger log = LoggerFactory.getLogger(RocksDbLibrary.class);

  private RocksDbLibrary() {}

  static void load(Path stateDirectory) {
    if (System.getenv("ROCKSDB_SHAREDLIB_DIR") != null) return; // the operator's choice, which RocksDB's loader honours
    String resource = Environment.getJniLibraryFileName("rocksdb");
    URL url = RocksDB.class.getClassLoader().getResource(resource);
    if (url == null) return; // not bundled for this platform: RocksDB's loader says so in its own words
    try {
      URLConnection connection = url.openConnection();
      if (!(connection instanceof JarURLConnection jar)) return;
      JarEntry entry = jar.getJarEntry();
      Path dir = stateDirectory.toAbsolutePath().normalize().resolve("native").resolve("rocksdbjni-" + Long.toHexString(entry.getCrc()));
      // The file name RocksDB.loadLibrary(paths) looks for in each path (it says "rocksdbjni" where its jar says "rocksdb").
      Path library = dir.resolve(Environment.getJniLibraryFileName("rocksdbjni"));
      if (!Files.isRegularFile(library) || Files.size(library) != entry.getSize()) extract(url, dir, library);
      RocksDB.loadLibrary(List.of(dir.toString()));
    } catch (IOException | UnsatisfiedLinkError e) {
      log.warn("refine: cannot load RocksDB's library from the state directory ({}); RocksDB extracts its own copy to {}",
          e.toString(), System.getProperty("java.io.tmpdir"));
    }
  }

  /** Writes the library beside its final name and renames it there, so that no process loads a partial copy. */
  private static void extract(URL url, Path dir, Path library) throws IOException {
    Files.createDirectories(dir);
    Path partial = Files.createTempFile(dir, ".extracting-", ".tmp");
    try (InputStream in = url.openStream()) {
      Files.copy(in, partial, StandardCopyOption.REPLACE_EXISTING);
      Files.move(partial, library, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } finally {
      Files.deleteIfExists(partial);
    }
    log.info("refine: RocksDB's native library extracted to {}, reused by later starts", library);
  }
}
