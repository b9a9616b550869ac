package dev.tributary.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** A temporary directory a benchmark writes its files into, deleted with everything in it afterwards. */
record ScratchDirectory(Path path) implements AutoCloseable {

  /** Creates one under {@code java.io.tmpdir}, or under {@code -Dtributary.bench.dir} when set (to pick the disk). */
  static ScratchDirectory create(String prefix) throws IOException {
    String parent = System.getProperty("tributary.bench.dir");
    Path dir = parent == null
        ? Files.createTempDirectory(prefix)
        : Files.createTempDirectory(Files.createDirectories(Path.of(parent)), prefix);
    return new ScratchDirectory(dir);
  }

  Path resolve(String name) {
    return path.resolve(name);
  }

  @Override
  public void close() {
    try (Stream<Path> all = Files.walk(path)) {
      for (Path p : all.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
    } catch (IOException e) {
      throw new UncheckedIOException("could not delete benchmark directory " + path, e);
    }
  }
}
