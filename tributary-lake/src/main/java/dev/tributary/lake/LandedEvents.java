package dev.tributary.lake;

import com.github.luben.zstd.ZstdInputStream;
import dev.tributary.event.Envelope;
import dev.tributary.spool.Quantity;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
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
 * hour on are opened, files in offset order (roughly the order they landed), through the store (a
 * download each on S3), in any lake format: NDJSON streamed line by line, Parquet by its two columns.
 */
final class LandedEvents {

  private static final Logger log = LoggerFactory.getLogger(LandedEvents.class);

  private LandedEvents() {}

  /** {@code table} is the table directory relative to the store's root. */
  static EventIdWindow read(LakeStore store, Path table, PathFormat format, LakeFileNamer namer, Instant since,
      long windowMillis, int maxEntries) throws IOException {
    EventIdWindow window = new EventIdWindow(windowMillis, maxEntries);
    LocalDateTime fromHour = LocalDateTime.ofInstant(since, ZoneOffset.UTC).truncatedTo(ChronoUnit.HOURS);
    List<LandedFile> files = new ArrayList<>();
    for (Path dir : partitions(store, table, format)) {
      List<String> names = new ArrayList<>();
      table.relativize(dir).forEach(n -> names.add(n.toString()));
      LocalDateTime hour = format.hourOf(names);
      if (hour != null && !hour.isBefore(fromHour)) files.addAll(completedFiles(store, dir, namer));
    }
    files.sort(Comparator.comparingLong(LandedFile::firstOffset));
    long sinceMillis = since.toEpochMilli();
    for (LandedFile f : files) readInto(window, store, f, sinceMillis);
    log.info("dedup window rebuilt from {}: {} received since {}", Quantity.of(files.size(), "lake file"),
        Quantity.of(window.size(), Envelope.EVENT_ID), since);
    return window;
  }

  private record LandedFile(Path dir, String name, long firstOffset) {}

  private static void readInto(EventIdWindow window, LakeStore store, LandedFile f, long sinceMillis) {
    ParquetEventIds.Consumer add = (id, receivedAt) -> {
      if (receivedAt >= sinceMillis) window.add(id, receivedAt);
    };
    try {
      store.read(f.dir(), f.name(), local -> {
        if (f.name().endsWith(LakeFormat.PARQUET.extension())) ParquetEventIds.read(local, add);
        else readLines(local, f.name().endsWith(LakeFormat.NDJSON_ZSTD.extension()), add);
      });
    } catch (IOException | RuntimeException e) {
      log.warn("cannot read lake file {} to rebuild the dedup window ({}); retries of its events may land twice",
          store.describe(f.dir(), f.name()), e.toString());
    }
  }

  private static void readLines(Path file, boolean zstd, ParquetEventIds.Consumer add) throws IOException {
    InputStream raw = Files.newInputStream(file);
    InputStream in = zstd ? new ZstdInputStream(raw) : new GZIPInputStream(raw, 64 * 1024);
    try (BufferedReader lines = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8), 64 * 1024)) {
      for (String line; (line = lines.readLine()) != null; ) {
        if (Placement.of(line.getBytes(StandardCharsets.UTF_8)) instanceof Placement.Event e && e.eventId() != null) {
          add.accept(e.eventId(), e.receivedAt().toEpochMilli());
        }
      }
    }
  }

  private static List<LandedFile> completedFiles(LakeStore store, Path dir, LakeFileNamer namer) throws IOException {
    List<LandedFile> files = new ArrayList<>();
    for (String name : store.list(dir)) {
      namer.coveredRange(name).ifPresent(r -> files.add(new LandedFile(dir, name, r.first())));
    }
    return files;
  }

  /** Directories whose names match the format at every level; stray ones a user left are not ours to read. */
  private static List<Path> partitions(LakeStore store, Path table, PathFormat format) throws IOException {
    List<Path> level = List.of(table);
    for (int depth = 0; depth < format.depth(); depth++) {
      List<Path> next = new ArrayList<>();
      for (Path dir : level) {
        for (String name : store.directories(dir)) {
          if (format.matches(depth, name)) next.add(dir.resolve(name));
        }
      }
      level = next;
    }
    return level;
  }
}
