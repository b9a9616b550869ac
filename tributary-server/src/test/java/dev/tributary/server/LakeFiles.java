package dev.tributary.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

/** Reads completed lake files back, as plain gzip NDJSON, to count what landed. */
final class LakeFiles {
  private static final ObjectMapper JSON = new ObjectMapper();

  private LakeFiles() {}

  static List<Path> completed(Path lake) throws IOException {
    if (!Files.exists(lake)) return List.of();
    try (Stream<Path> files = Files.walk(lake)) {
      return files.filter(f -> f.getFileName().toString().endsWith(".ndjson.gz") && !f.getFileName().toString().startsWith("."))
          .filter(f -> !f.toString().contains("_errors")).sorted().toList();
    }
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
