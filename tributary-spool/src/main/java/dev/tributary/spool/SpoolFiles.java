package dev.tributary.spool;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * A spool directory seen from outside, without opening it (opening creates a spool where there
 * was none, and takes its lock): whether a directory is a spool, who holds it, whether it has
 * changed, and removing it once nothing needs it. For tools that look after spools other
 * processes left behind.
 */
public final class SpoolFiles {
  private SpoolFiles() {}

  /** A spool has a lock file or segment files. */
  public static boolean isSpool(Path dir) {
    return Files.exists(dir.resolve(SpoolLock.FILE)) || !segments(dir).isEmpty();
  }

  public static boolean hasCursor(Path dir, String cursor) {
    return Files.exists(dir.resolve(Spool.CURSORS_DIR).resolve(cursor + CursorCheckpoint.SUFFIX));
  }

  /** "PID n" of the process that last held the lock (it may be dead), or "unknown PID". */
  public static String holder(Path dir) {
    try {
      String pid = Files.readString(dir.resolve(SpoolLock.FILE)).trim();
      return pid.isEmpty() ? "unknown PID" : "PID " + pid;
    } catch (IOException e) {
      return "unknown PID";
    }
  }

  /** The names and sizes of the segment files: equal fingerprints mean nothing was appended or retained. */
  public static String fingerprint(Path dir) {
    StringBuilder s = new StringBuilder();
    for (Path f : segments(dir)) {
      s.append(f.getFileName()).append(':');
      try {
        s.append(Files.size(f));
      } catch (IOException e) {
        s.append('?');
      }
      s.append(';');
    }
    return s.toString();
  }

  /**
   * Deletes the spool's own files (segments, cursor checkpoints, lock), then the directory if
   * that left it empty. Returns what it did, in words. The caller must know that no cursor still
   * needs the records and that no process holds the spool.
   */
  public static String remove(Path dir) throws IOException {
    for (Path f : segments(dir)) Files.delete(f);
    Path cursors = dir.resolve(Spool.CURSORS_DIR);
    if (Files.isDirectory(cursors)) {
      try (Stream<Path> files = Files.list(cursors)) {
        for (Path f : files.filter(f -> f.getFileName().toString().endsWith(CursorCheckpoint.SUFFIX)).toList()) Files.delete(f);
      }
      deleteIfEmpty(cursors);
    }
    Files.deleteIfExists(dir.resolve(SpoolLock.FILE));
    try (Stream<Path> left = Files.list(dir)) {
      List<Path> rest = left.toList();
      if (!rest.isEmpty()) return "removed the spool's files; " + dir + " kept, it also holds " + rest.stream().map(Path::getFileName).toList();
    }
    Files.delete(dir);
    return "removed " + dir;
  }

  private static void deleteIfEmpty(Path dir) throws IOException {
    try (Stream<Path> left = Files.list(dir)) {
      if (left.findAny().isEmpty()) Files.delete(dir);
    }
  }

  private static List<Path> segments(Path dir) {
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(Segment::isSegment).sorted().toList();
    } catch (IOException e) {
      return List.of();
    }
  }
}
