package dev.tributary.lake;

import dev.tributary.event.Envelope;
import dev.tributary.spool.Quantity;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rebuilds the dedup window at start from completed files: the event_ids of events received
 * since a given instant. Only hour partitions from that instant's hour on are opened, files in
 * offset order (roughly the order they landed), each streamed line by line.
 */
final class LandedEvents {

  private static final Logger log = LoggerFactory.getLogger(LandedEvents.class);

  private LandedEvents() {}

  static EventIdWindow read(Path tableDir, LakeFileNamer namer, Instant since, long windowMillis, int maxEntries)
      throws IOException {
    EventIdWindow window = new EventIdWindow(windowMillis, maxEntries);
    String fromHour = hourKey(LocalDateTime.ofInstant(since, ZoneOffset.UTC));
    List<Path> files = new ArrayList<>();
    for (Path type : directories(tableDir, "event_type=")) {
      for (Path day : directories(type, "dt=")) {
        for (Path hour : directories(day, "hour=")) {
          String key = day.getFileName().toString().substring(3) + "T" + hour.getFileName().toString().substring(5);
          if (key.compareTo(fromHour) >= 0) files.addAll(completedFiles(hour, namer));
        }
      }
    }
    files.sort(Comparator.comparingLong(f -> namer.coveredRange(f.getFileName().toString()).orElseThrow().first()));
    long sinceMillis = since.toEpochMilli();
    for (Path file : files) readInto(window, file, sinceMillis);
    log.info("dedup window rebuilt from {}: {} received since {}", Quantity.of(files.size(), "lake file"),
        Quantity.of(window.size(), Envelope.EVENT_ID), since);
    return window;
  }

  private static String hourKey(LocalDateTime t) {
    return t.toLocalDate() + "T" + String.format("%02d", t.getHour());
  }

  private static void readInto(EventIdWindow window, Path file, long sinceMillis) {
    try (BufferedReader lines = new BufferedReader(new InputStreamReader(
        new GZIPInputStream(Files.newInputStream(file), 64 * 1024), StandardCharsets.UTF_8))) {
      for (String line; (line = lines.readLine()) != null; ) {
        if (Placement.of(line.getBytes(StandardCharsets.UTF_8)) instanceof Placement.Event e
            && e.eventId() != null && e.receivedAt().toEpochMilli() >= sinceMillis) {
          window.add(e.eventId(), e.receivedAt().toEpochMilli());
        }
      }
    } catch (IOException e) {
      log.warn("cannot read lake file {} to rebuild the dedup window ({}); retries of its events may land twice", file,
          e.toString());
    }
  }

  private static List<Path> completedFiles(Path dir, LakeFileNamer namer) throws IOException {
    List<Path> files = new ArrayList<>();
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
      for (Path f : entries) {
        if (namer.coveredRange(f.getFileName().toString()).isPresent() && Files.isRegularFile(f)) files.add(f);
      }
    }
    return files;
  }

  /** Subdirectories named {@code prefix...}; stray files a user left in the lake are not ours to read. */
  private static List<Path> directories(Path dir, String prefix) throws IOException {
    List<Path> out = new ArrayList<>();
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir, prefix + "*")) {
      for (Path e : entries) {
        if (Files.isDirectory(e)) out.add(e);
      }
    } catch (NoSuchFileException e) {
      return List.of();
    }
    return out;
  }
}
