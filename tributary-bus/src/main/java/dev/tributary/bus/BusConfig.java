package dev.tributary.bus;

import dev.tributary.spool.FsyncPolicy;
import java.nio.file.Path;
import java.time.Duration;

/**
 * How a local bus stores chunks.
 *
 * @param dataDir one directory per category, holding its chunk files
 * @param instance this node's name, the prefix of its chunk names
 * @param fsync when a write is answered: {@code always} after fsync (the default)
 * @param maxChunkBytes a write that would grow the chunk past this starts a new chunk (20 MiB)
 * @param rotateInterval a non-empty chunk older than this is completed and a new one started (10 min)
 * @param retentionAge complete chunks whose last write is older are deleted, acknowledged or not; null: kept
 * @param retentionBytes past this many bytes in a category, its oldest complete chunks are deleted; 0: no limit
 */
public record BusConfig(Path dataDir, String instance, FsyncPolicy fsync, long maxChunkBytes, Duration rotateInterval,
    Duration retentionAge, long retentionBytes) {

  public static final long DEFAULT_MAX_CHUNK_BYTES = 20L << 20;
  public static final Duration DEFAULT_ROTATE_INTERVAL = Duration.ofMinutes(10);

  public BusConfig {
    Names.instance(instance);
    if (maxChunkBytes <= 0) throw new IllegalArgumentException("max chunk size must be positive, got " + maxChunkBytes);
    if (rotateInterval.isNegative() || rotateInterval.isZero()) {
      throw new IllegalArgumentException("chunk rotation interval must be positive, got " + rotateInterval);
    }
    if (retentionBytes < 0) throw new IllegalArgumentException("retention bytes must be 0 (no limit) or positive");
  }

  /** Defaults: fsync always, 20 MiB chunks rotated every 10 minutes, no retention limit. */
  public static BusConfig defaults(Path dataDir, String instance) {
    return new BusConfig(dataDir, instance, FsyncPolicy.ALWAYS, DEFAULT_MAX_CHUNK_BYTES, DEFAULT_ROTATE_INTERVAL, null, 0);
  }

  public BusConfig withFsync(FsyncPolicy policy) {
    return new BusConfig(dataDir, instance, policy, maxChunkBytes, rotateInterval, retentionAge, retentionBytes);
  }

  public BusConfig withRotation(long bytes, Duration interval) {
    return new BusConfig(dataDir, instance, fsync, bytes, interval, retentionAge, retentionBytes);
  }

  public BusConfig withRetention(Duration age, long bytes) {
    return new BusConfig(dataDir, instance, fsync, maxChunkBytes, rotateInterval, age, bytes);
  }
}
