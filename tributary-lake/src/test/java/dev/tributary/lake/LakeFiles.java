package dev.tributary.lake;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;

/** Reading a lake back in tests, as plain files. */
final class LakeFiles {

  private LakeFiles() {}

  static List<String> lines(Path gz) {
    try (BufferedReader r = new BufferedReader(new InputStreamReader(
        new GZIPInputStream(Files.newInputStream(gz)), StandardCharsets.UTF_8))) {
      return r.lines().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Every file under {@code dir}, completed or not, sorted by path. A running sink renames and
   * deletes temporary files while this walks: one that vanishes mid-walk is skipped (Files.walk
   * throws NoSuchFileException there).
   */
  static List<Path> all(Path dir) {
    List<Path> found = new ArrayList<>();
    if (!Files.exists(dir)) return found;
    try {
      Files.walkFileTree(dir, new SimpleFileVisitor<>() {
        @Override public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) {
          if (attributes.isRegularFile()) found.add(file);
          return FileVisitResult.CONTINUE;
        }

        @Override public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
          if (e instanceof NoSuchFileException) return FileVisitResult.CONTINUE;
          throw e;
        }
      });
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    found.sort(null);
    return found;
  }

  /** The completed files under {@code dir}, of any format. */
  static List<Path> completed(Path dir) {
    return all(dir).stream().filter(p -> isCompleted(p.getFileName().toString())).toList();
  }

  private static boolean isCompleted(String name) {
    return !name.startsWith(".") && java.util.Arrays.stream(LakeFormat.values()).anyMatch(f -> name.endsWith(f.extension()));
  }

  static List<Path> temporary(Path dir) {
    return all(dir).stream().filter(p -> p.getFileName().toString().endsWith(".tmp")).toList();
  }

  /** All lines of all completed files under {@code dir}, a gzip NDJSON lake. */
  static List<String> completedLines(Path dir) {
    return completed(dir).stream().flatMap(f -> lines(f).stream()).toList();
  }
}
