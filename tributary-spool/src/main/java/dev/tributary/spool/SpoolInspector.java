package dev.tributary.spool;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Reads a spool directory without changing it, for {@code tributary spool inspect|verify}: every
 * segment is read record by record with its CRC checked, every cursor checkpoint is read. Safe
 * to run beside a live spool (the tail may then show a batch still being written).
 */
public final class SpoolInspector {

  /** One segment file: what it holds and the first problem found in it, if any. */
  public record SegmentReport(String file, long baseOffset, long records, long bytes, String problem) {}

  /** One cursor: its position and how many offsets it is behind the end. */
  public record CursorReport(String name, long position, long lagRecords, String problem) {}

  /** The whole directory. {@link #problems()} is empty for a healthy spool. */
  public record Report(Path directory, List<SegmentReport> segments, List<CursorReport> cursors, long nextOffset,
                       List<String> problems) {}

  /** Told after each segment is checked, with how many segments and bytes there are in all. */
  public interface Progress {
    Progress NONE = (segment, segments, bytes) -> {};

    void checked(SegmentReport segment, int segments, long bytes);
  }

  private SpoolInspector() {}

  /**
   * Examines {@code dir}. A directory that holds no spool (no lock, no segments) is refused with
   * {@link IllegalArgumentException}, naming the spool beneath it when there is one: an empty
   * report would read as a healthy, empty spool.
   */
  public static Report examine(Path dir, Progress progress) throws IOException {
    if (!Files.isDirectory(dir)) throw new NoSuchFileException(dir.toString(), null, "not a spool directory");
    if (!SpoolFiles.isSpool(dir)) throw new IllegalArgumentException(notASpool(dir));
    List<SegmentReport> segments = new ArrayList<>();
    List<String> problems = new ArrayList<>();
    long next = 0;
    List<Path> segmentFiles = Spool.segmentFiles(dir);
    long bytes = 0;
    for (Path file : segmentFiles) bytes += Files.size(file);
    for (Path file : segmentFiles) {
      long base = Segment.baseOf(file);
      String problem = null;
      long records = 0;
      try {
        SegmentRecovery.Scan scan = SegmentRecovery.scan(file, base);
        records = scan.records;
        next = Math.max(base, scan.batchEndNext);
        problem = describe(scan);
      } catch (SpoolFormatException e) {
        problem = e.getMessage();
      }
      if (problem != null) problems.add(file.getFileName() + ": " + problem);
      SegmentReport segment = new SegmentReport(file.getFileName().toString(), base, records, Files.size(file), problem);
      segments.add(segment);
      progress.checked(segment, segmentFiles.size(), bytes);
    }
    List<CursorReport> cursors = cursors(dir.resolve(Spool.CURSORS_DIR), next, problems);
    try (Stream<Path> files = Files.list(dir)) {
      files.filter(f -> f.getFileName().toString().endsWith(".corrupt"))
          .forEach(f -> problems.add(f.getFileName() + ": bytes moved aside by an earlier recovery"));
    }
    return new Report(dir, segments, cursors, next, problems);
  }

  private static String notASpool(Path dir) {
    String what = dir + " is not a spool directory (it holds no " + SpoolLock.FILE + " and no segment files)";
    Path inner = dir.resolve("spool");
    if (Files.isDirectory(inner) && SpoolFiles.isSpool(inner)) return what + "; the spool is in " + inner;
    return what + "; serve's spool is <data-dir>/spool";
  }

  private static String describe(SegmentRecovery.Scan scan) {
    if (scan.preallocatedTail() && scan.batchEndPosition == scan.damagePosition) return null;
    if (scan.damage != null) {
      String kind = scan.highestOffsetAfterDamage >= 0 ? "corrupt record" : "torn tail";
      return kind + " at position " + scan.damagePosition + ": " + scan.damage + " (" + (scan.size - scan.damagePosition)
          + " bytes from there to the end)";
    }
    if (scan.batchEndPosition < scan.size) {
      return "batch without its end record at position " + scan.batchEndPosition + " ("
          + (scan.size - scan.batchEndPosition) + " bytes; dropped at the next open)";
    }
    return null;
  }

  private static List<CursorReport> cursors(Path cursorsDir, long next, List<String> problems) throws IOException {
    List<CursorReport> out = new ArrayList<>();
    if (!Files.isDirectory(cursorsDir)) return out;
    try (Stream<Path> files = Files.list(cursorsDir)) {
      for (Path f : files.sorted().toList()) {
        String fileName = f.getFileName().toString();
        if (!fileName.endsWith(CursorCheckpoint.SUFFIX)) continue;
        String name = fileName.substring(0, fileName.length() - CursorCheckpoint.SUFFIX.length());
        String problem = null;
        long position = -1;
        try {
          position = CursorCheckpoint.read(f);
          if (position < 0) problem = "damaged checkpoint";
        } catch (SpoolFormatException e) {
          problem = e.getMessage();
        }
        if (problem != null) problems.add("cursor " + name + ": " + problem);
        out.add(new CursorReport(name, position, position < 0 ? -1 : Math.max(0, next - position), problem));
      }
    }
    return out;
  }
}
