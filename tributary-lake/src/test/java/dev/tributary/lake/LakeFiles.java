package dev.tributary.lake;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
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

  /** Every file under {@code dir}, completed or not, sorted by path. */
  static List<Path> all(Path dir) {
    if (!Files.exists(dir)) return List.of();
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(Files::isRegularFile).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static List<Path> completed(Path dir) {
    return all(dir).stream().filter(p -> p.getFileName().toString().endsWith(".ndjson.gz")).toList();
  }

  static List<Path> temporary(Path dir) {
    return all(dir).stream().filter(p -> p.getFileName().toString().endsWith(".tmp")).toList();
  }

  /** All lines of all completed files under {@code dir}. */
  static List<String> completedLines(Path dir) {
    return completed(dir).stream().flatMap(f -> lines(f).stream()).toList();
  }
}
