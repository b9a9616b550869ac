package dev.tributary.spool;

import java.nio.file.Path;

/**
 * How a spool is laid out and when it refuses appends.
 *
 * @param directory where segment files and cursor checkpoints live (created if missing)
 * @param segmentBytes a segment rolls once the next batch would take it past this size
 * @param maxBytes appends fail with {@link SpoolFullException} once the spool would pass this size
 * @param fsync when an append counts as durable
 */
public record SpoolConfig(Path directory, long segmentBytes, long maxBytes, FsyncPolicy fsync) {

  public static final long DEFAULT_SEGMENT_BYTES = 64L << 20;
  public static final long DEFAULT_MAX_BYTES = 10L << 30;

  public SpoolConfig {
    if (segmentBytes < 1024) throw new IllegalArgumentException("segment size must be at least 1024 bytes, got " + segmentBytes);
    if (maxBytes < segmentBytes) throw new IllegalArgumentException("spool max size (" + maxBytes + ") must be at least the segment size (" + segmentBytes + ")");
  }

  /** The defaults: 64 MiB segments, 10 GiB in all, fsync {@code always}. */
  public static SpoolConfig defaults(Path directory) {
    return new SpoolConfig(directory, DEFAULT_SEGMENT_BYTES, DEFAULT_MAX_BYTES, FsyncPolicy.ALWAYS);
  }

  public SpoolConfig withSegmentBytes(long bytes) { return new SpoolConfig(directory, bytes, maxBytes, fsync); }
  public SpoolConfig withMaxBytes(long bytes) { return new SpoolConfig(directory, segmentBytes, bytes, fsync); }
  public SpoolConfig withFsync(FsyncPolicy policy) { return new SpoolConfig(directory, segmentBytes, maxBytes, policy); }
}
