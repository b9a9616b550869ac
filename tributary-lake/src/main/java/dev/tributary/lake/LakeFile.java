package dev.tributary.lake;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * One lake file being written: the bytes of its {@link LakeFormat} written to a local
 * temporary file named by {@link LakeFileNamer}. Completing it finishes the format, forces the
 * file (where the store publishes by rename) and publishes it under its completed name through
 * the {@link LakeStore}, so a completed name always holds a whole, durable file.
 */
final class LakeFile {

  private final Path dir;
  private final LakeFileNamer namer;
  private final Path tmp;
  private final FileChannel channel;
  private final RecordEncoder encoder;
  private final long firstOffset;
  private final long firstRecordMillis;
  private final long openedAtNanos;
  private long lastOffset;
  private long uncompressedBytes;
  private int records;

  private LakeFile(Path dir, LakeFileNamer namer, Path tmp, FileChannel channel, RecordEncoder encoder, long firstOffset,
      long firstRecordMillis, long openedAtNanos) {
    this.dir = dir;
    this.namer = namer;
    this.tmp = tmp;
    this.channel = channel;
    this.encoder = encoder;
    this.firstOffset = firstOffset;
    this.lastOffset = firstOffset;
    this.firstRecordMillis = firstRecordMillis;
    this.openedAtNanos = openedAtNanos;
  }

  static LakeFile open(LakeStore store, LakeFormat format, Path dir, LakeFileNamer namer, long firstOffset,
      long firstRecordMillis, long nowNanos) throws IOException {
    Path tmp = store.temporaryFile(dir, namer.temporaryName(firstOffset));
    FileChannel channel = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.TRUNCATE_EXISTING);
    try {
      return new LakeFile(dir, namer, tmp, channel, format.open(channel), firstOffset, firstRecordMillis, nowNanos);
    } catch (IOException | RuntimeException e) {
      channel.close();
      Files.deleteIfExists(tmp);
      throw e;
    }
  }

  void append(long offset, byte[] line) throws IOException {
    encoder.append(line);
    lastOffset = offset;
    uncompressedBytes += line.length + 1L;
    records++;
  }

  /** Makes the file durable under its completed name; false when that name was already there (kept). */
  boolean complete(LakeStore store) throws IOException {
    encoder.finish();
    if (store.forcesTemporaryFiles()) channel.force(true);
    channel.close();
    return store.publish(tmp, dir, namer.completedName(firstOffset, lastOffset));
  }

  /** Closes and deletes the temporary file; its records are still in the source and will be read again. */
  void abandon() {
    encoder.discard();
    try {
      channel.close();
      Files.deleteIfExists(tmp);
    } catch (IOException e) {
      // left behind: the next start deletes temporary files in the partitions it replays into
    }
  }

  Path dir() { return dir; }
  String completedName() { return namer.completedName(firstOffset, lastOffset); }
  long firstOffset() { return firstOffset; }
  long lastOffset() { return lastOffset; }
  /** The record time ({@code received_at}) of the first record, or {@link Long#MAX_VALUE} when it has none. */
  long firstRecordMillis() { return firstRecordMillis; }
  long uncompressedBytes() { return uncompressedBytes; }
  long openedAtNanos() { return openedAtNanos; }
  int records() { return records; }
}
