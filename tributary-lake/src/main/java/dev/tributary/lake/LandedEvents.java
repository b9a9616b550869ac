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
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rebuilds the dedup window at start from completed files: the event_ids of events received
 * since a given instant. Only hour partitions (of the {@link PathFormat}) from that instant's
 * hour on are opened, files in offset order (roughly the order they landed), each streamed line
 * by line.
 */
final class LandedEvents {

  private static final Logger log = LoggerFactory.getLogger(LandedEvents.class);

  private LandedEvents() {}

  static EventIdWindow read(Path tableDir, PathFormat format, LakeFileNamer namer, Instant since, long windowMillis,
      int maxEntries) throws IOException {
    EventIdWindow window = new EventIdWindow(windowMillis, maxEntries);
    LocalDateTime fromHour = LocalDateTime.ofInstant(since, ZoneOffset.UTC).truncatedTo(ChronoUnit.HOURS);
    List<Path> files = new ArrayList<>();
    for (Path dir : partitions(tableDir, format)) {
      List<String> names = new ArrayList<>();
      tableDir.relativize(dir).forEach(n -> names.add(n.toString()));
      LocalDateTime hour = format.hourOf(names);
      if (hour != null && !hour.isBefore(fromHour)) files.addAll(completedFiles(dir, namer));
    }
    files.sort(Comparator.comparingLong(f -> namer.coveredRange(f.getFileName().toString()).orElseThrow().first()));
    long sinceMillis = since.toEpochMilli();
    for (Path file : files) readInto(window, file, sinceMillis);
    log.info("dedup window rebuilt from {}: {} received since {}", Quantity.of(files.size(), "lake file"),
        Quantity.of(window.size(), Envelope.EVENT_ID), since);
    return window;
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

  /** Directories whose names match the format at every level; stray ones a user left are not ours to read. */
  private static List<Path> partitions(Path tableDir, PathFormat format) throws IOException {
    List<Path> level = List.of(tableDir);
    for (int depth = 0; depth < format.depth(); depth++) {
      List<Path> next = new ArrayList<>();
      for (Path dir : level) {
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
          for (Path e : entries) {
            if (format.matches(depth, e.getFileName().toString()) && Files.isDirectory(e)) next.add(e);
          }
        } catch (NoSuchFileException e) {
          // the table directory before the first file
        }
      }
      level = next;
    }
    return level;
  }
}
