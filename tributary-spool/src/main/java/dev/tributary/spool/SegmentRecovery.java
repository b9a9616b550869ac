package dev.tributary.spool;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks the last segment record by record at open and repairs what a crash or the disk left
 * behind, as docs/spool-format.md says: a torn tail is truncated to the end of the last complete
 * batch; damage followed by a valid record is corruption, moved aside to a {@code .corrupt} file;
 * a record of a newer format version stops the open without touching anything.
 */
final class SegmentRecovery {
  private static final Logger log = LoggerFactory.getLogger(SegmentRecovery.class);

  /**
   * What the segment holds after recovery.
   *
   * @param validBytes the segment's length after repair
   * @param nextOffset the offset after its last record
   * @param nextFreeOffset the lowest offset never seen in this segment, repaired bytes included:
   *     new appends start here so that no offset is ever reused
   */
  record Result(long validBytes, long nextOffset, long nextFreeOffset) {}

  private SegmentRecovery() {}

  static Result recover(Path file, long baseOffset) throws IOException {
    Scan scan = scan(file, baseOffset);
    if (scan.damage == null && scan.batchEndPosition == scan.size) {
      return new Result(scan.size, scan.batchEndNext, scan.batchEndNext);
    }
    if (scan.preallocatedTail() && scan.batchEndPosition == scan.damagePosition) {
      log.info("spool segment {}: trimmed {} bytes of preallocated space after the last record", file,
          scan.size - scan.batchEndPosition);
      truncate(file, scan.batchEndPosition);
      return new Result(scan.batchEndPosition, scan.batchEndNext, scan.batchEndNext);
    }
    if (scan.damage == null || scan.highestOffsetAfterDamage < 0) {
      log.warn("spool segment {}: torn tail of {} bytes at position {} ({}); truncated to the last complete batch",
          file, scan.size - scan.batchEndPosition, scan.batchEndPosition,
          scan.damage == null ? "batch without its end" : scan.damage);
      truncate(file, scan.batchEndPosition);
      return new Result(scan.batchEndPosition, scan.batchEndNext, scan.batchEndNext);
    }
    Path aside = file.resolveSibling(file.getFileName() + "." + scan.batchEndPosition + ".corrupt");
    copyRange(file, scan.batchEndPosition, scan.size, aside);
    truncate(file, scan.batchEndPosition);
    log.error("spool segment {}: corrupt record at position {} ({}) with valid records after it; moved {} bytes "
        + "from position {} aside to {}", file, scan.damagePosition, scan.damage, scan.size - scan.batchEndPosition,
        scan.batchEndPosition, aside);
    long nextFree = Math.max(scan.batchEndNext, scan.highestOffsetAfterDamage + 1);
    return new Result(scan.batchEndPosition, scan.batchEndNext, nextFree);
  }

  /** What a read-only pass over a segment found; also used by {@code spool verify}. */
  static final class Scan {
    long size;
    long records;
    long batchEndPosition;
    long batchEndNext;
    String damage;
    long damagePosition = -1;
    long highestOffsetAfterDamage = -1;
    boolean zerosFromDamage;

    /** Only zeros after the last record: the writer's preallocation, not damage. */
    boolean preallocatedTail() {
      return damage != null && zerosFromDamage;
    }
  }

  static Scan scan(Path file, long baseOffset) throws IOException {
    Scan scan = new Scan();
    scan.batchEndNext = baseOffset;
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      scan.size = ch.size();
      if (scan.size == 0) return scan;
      MappedByteBuffer buf = ch.map(FileChannel.MapMode.READ_ONLY, 0, scan.size);
      int limit = (int) scan.size;
      int pos = 0;
      long expected = baseOffset;
      while (pos < limit) {
        RecordFormat.Parsed parsed = RecordFormat.parse(buf, pos, limit);
        if (parsed instanceof RecordFormat.NewerVersion newer) {
          throw new SpoolFormatException("spool segment " + file + " has a record of format version " + newer.version()
              + " at position " + pos + "; this Tributary reads version " + RecordFormat.VERSION
              + ". Use a newer Tributary; nothing was changed");
        }
        long want = expected;
        String problem = switch (parsed) {
          case RecordFormat.Valid v when v.offset() != want -> "offset " + v.offset() + " where " + want + " was expected";
          case RecordFormat.Valid v -> null;
          case RecordFormat.Damaged d -> d.reason();
          case RecordFormat.Incomplete i -> "record runs past the end of the file";
          case RecordFormat.NewerVersion n -> throw new AssertionError();
        };
        if (problem != null) {
          scan.damage = problem;
          scan.damagePosition = pos;
          scan.highestOffsetAfterDamage = highestValidOffsetAfter(buf, pos + 1, limit, expected);
          scan.zerosFromDamage = allZero(buf, pos, limit);
          return scan;
        }
        RecordFormat.Valid v = (RecordFormat.Valid) parsed;
        expected++;
        scan.records++;
        pos += v.size();
        if (v.endOfBatch()) {
          scan.batchEndPosition = pos;
          scan.batchEndNext = expected;
        }
      }
    }
    return scan;
  }

  /**
   * Looks for valid records after damage, byte by byte: cheap checks of version, flags and offset
   * first, the CRC only for candidates. Returns the highest offset found, or -1.
   */
  private static long highestValidOffsetAfter(ByteBuffer buf, int from, int limit, long expected) {
    long highest = -1;
    int pos = from;
    while (pos + RecordFormat.HEADER <= limit) {
      if (buf.get(pos + 8) == RecordFormat.VERSION && (buf.get(pos + 9) & ~1) == 0 && buf.getLong(pos + 10) >= expected
          && RecordFormat.parse(buf, pos, limit) instanceof RecordFormat.Valid v) {
        highest = Math.max(highest, v.offset());
        pos += v.size();
      } else {
        pos++;
      }
    }
    return highest;
  }

  private static boolean allZero(ByteBuffer buf, int from, int limit) {
    for (int i = from; i < limit; i++) {
      if (buf.get(i) != 0) return false;
    }
    return true;
  }

  private static void truncate(Path file, long size) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
      ch.truncate(size);
      ch.force(true);
    }
  }

  static void copyRange(Path file, long from, long to, Path target) throws IOException {
    try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ);
         FileChannel out = FileChannel.open(target, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
             StandardOpenOption.TRUNCATE_EXISTING)) {
      long done = 0;
      while (done < to - from) {
        done += in.transferTo(from + done, to - from - done, out);
      }
      out.force(true);
    }
    Directories.force(file.getParent());
  }

}
