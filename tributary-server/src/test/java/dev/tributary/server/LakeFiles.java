package dev.tributary.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

/** Reads completed lake files back, as plain gzip NDJSON, to count what landed. */
final class LakeFiles {
  private static final ObjectMapper JSON = new ObjectMapper();

  private LakeFiles() {}

  /**
   * The completed files under {@code lake}, _errors left out. A running sink renames and deletes its
   * temporary files while this walks, so an entry that vanishes between listing and reading its
   * attributes is skipped (Files.walk throws NoSuchFileException there).
   */
  static List<Path> completed(Path lake) throws IOException {
    List<Path> found = new ArrayList<>();
    if (!Files.exists(lake)) return found;
    Files.walkFileTree(lake, new SimpleFileVisitor<>() {
      @Override public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attributes) {
        return dir.getFileName().toString().equals("_errors") ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
      }

      @Override public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) {
        String name = file.getFileName().toString();
        if (name.endsWith(".ndjson.gz") && !name.startsWith(".")) found.add(file);
        return FileVisitResult.CONTINUE;
      }

      @Override public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
        if (e instanceof NoSuchFileException) return FileVisitResult.CONTINUE;
        throw e;
      }
    });
    found.sort(null);
    return found;
  }

  /** How many times each event_id appears in the completed files. */
  static Map<String, Integer> eventIdCounts(Path lake) throws IOException {
    Map<String, Integer> counts = new HashMap<>();
    for (Path f : completed(lake)) {
      forEachEvent(f, e -> counts.merge(e.path("event_id").asText(), 1, Integer::sum));
    }
    return counts;
  }

  static void forEachEvent(Path file, java.util.function.Consumer<JsonNode> action) throws IOException {
    try (BufferedReader r = new BufferedReader(new InputStreamReader(new GZIPInputStream(Files.newInputStream(file)), StandardCharsets.UTF_8))) {
      r.lines().filter(l -> !l.isBlank()).forEach(l -> {
        try {
          action.accept(JSON.readTree(l));
        } catch (IOException e) {
          throw new UncheckedIOException("bad line in " + file + ": " + l, e);
        }
      });
    }
  }
}
