package dev.tributary.lake;

import java.nio.file.Path;
import java.time.Duration;

/**
 * Where and how the spool's lake sink writes.
 *
 * @param target the lake (a directory or S3) and the format of its files
 * @param uploadDir S3 only: where files are written before they are uploaded, this sink's alone
 *     (emptied at start, so a killed run leaves nothing behind for long); null for a temporary directory
 * @param table the table directory under the lake root ({@code events})
 * @param rollBytes a file is completed once it holds this many uncompressed bytes
 * @param rollAge a file is completed once it is this old, so data is never staler than this plus a few seconds
 * @param dedupWindow an event whose {@code event_id} landed within this window is dropped
 * @param dedupMaxEntries at most this many event_ids are remembered (48–80 bytes each), oldest dropped first
 * @param pathFormat the layout of the event partitions under the table directory
 */
public record LakeConfig(LakeTarget target, Path uploadDir, String table, long rollBytes, Duration rollAge,
                         Duration dedupWindow, int dedupMaxEntries, PathFormat pathFormat) {

  public static final String DEFAULT_TABLE = "events";
  public static final long DEFAULT_ROLL_BYTES = 128L << 20;
  public static final Duration DEFAULT_ROLL_AGE = Duration.ofSeconds(60);
  public static final Duration DEFAULT_DEDUP_WINDOW = Duration.ofMinutes(10);
  public static final int DEFAULT_DEDUP_MAX_ENTRIES = 2_000_000;

  public LakeConfig {
    if (!table.matches("[A-Za-z0-9_][A-Za-z0-9._-]*")) {
      throw new IllegalArgumentException("lake table name '" + table + "' must match [A-Za-z0-9_][A-Za-z0-9._-]*");
    }
    if (rollBytes < 1) throw new IllegalArgumentException("lake roll size must be positive, got " + rollBytes);
    if (rollAge.isNegative() || rollAge.isZero()) {
      throw new IllegalArgumentException("lake roll age must be positive, got " + rollAge);
    }
    if (dedupWindow.isNegative()) throw new IllegalArgumentException("dedup window must not be negative, got " + dedupWindow);
    if (dedupMaxEntries < 1) throw new IllegalArgumentException("dedup max entries must be positive, got " + dedupMaxEntries);
    if (pathFormat == null) throw new IllegalArgumentException("a path format is required");
  }

  /** Table {@code events}, 128 MiB or 60 s per file, a 10 minute dedup window of up to two million ids. */
  public static LakeConfig defaults(LakeTarget target) {
    return new LakeConfig(target, null, DEFAULT_TABLE, DEFAULT_ROLL_BYTES, DEFAULT_ROLL_AGE, DEFAULT_DEDUP_WINDOW,
        DEFAULT_DEDUP_MAX_ENTRIES, PathFormat.defaults());
  }

  public LakeConfig withUploadDir(Path d) { return new LakeConfig(target, d, table, rollBytes, rollAge, dedupWindow, dedupMaxEntries, pathFormat); }
  public LakeConfig withTable(String t) { return new LakeConfig(target, uploadDir, t, rollBytes, rollAge, dedupWindow, dedupMaxEntries, pathFormat); }
  public LakeConfig withRollBytes(long b) { return new LakeConfig(target, uploadDir, table, b, rollAge, dedupWindow, dedupMaxEntries, pathFormat); }
  public LakeConfig withRollAge(Duration a) { return new LakeConfig(target, uploadDir, table, rollBytes, a, dedupWindow, dedupMaxEntries, pathFormat); }
  public LakeConfig withDedupWindow(Duration w) { return new LakeConfig(target, uploadDir, table, rollBytes, rollAge, w, dedupMaxEntries, pathFormat); }
  public LakeConfig withDedupMaxEntries(int n) { return new LakeConfig(target, uploadDir, table, rollBytes, rollAge, dedupWindow, n, pathFormat); }
  public LakeConfig withPathFormat(PathFormat f) { return new LakeConfig(target, uploadDir, table, rollBytes, rollAge, dedupWindow, dedupMaxEntries, f); }
}
