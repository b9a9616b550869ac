package dev.tributary.spool;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A cursor's durable position, {@code cursors/<name>.cursor}, 21 bytes, big-endian:
 *
 * <pre>
 * byte  size  field
 *    0     4  crc       CRC32C of bytes [4, 21)
 *    4     1  version   1
 *    5     8  position  the next offset to read: the last acknowledged offset + 1
 *   13     8  time      when the acknowledgement was made, milliseconds since the epoch
 * </pre>
 *
 * Written to {@code <name>.cursor.tmp}, forced, renamed atomically over the old file, and the
 * directory forced: a crash at any point leaves the old or the new position, never a mix.
 */
final class CursorCheckpoint {
  private static final Logger log = LoggerFactory.getLogger(CursorCheckpoint.class);
  static final String SUFFIX = ".cursor";
  private static final int SIZE = 21;
  private static final byte VERSION = 1;

  private CursorCheckpoint() {}

  static Path fileFor(Path cursorsDir, String name) {
    return cursorsDir.resolve(name + SUFFIX);
  }

  /** The stored position, -1 when there is none; a damaged file is logged and read as none. */
  static long read(Path file) throws IOException {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      return -1;
    }
    ByteBuffer buf = ByteBuffer.wrap(bytes);
    if (bytes.length != SIZE || crcOf(buf) != buf.getInt(0)) {
      log.error("cursor checkpoint {} is damaged ({} bytes, CRC {}); the cursor restarts from the oldest record, "
          + "so records are delivered again rather than lost", file, bytes.length, bytes.length == SIZE ? "mismatch" : "not checked");
      return -1;
    }
    if (buf.get(4) != VERSION) {
      throw new SpoolFormatException("cursor checkpoint " + file + " has format version " + buf.get(4)
          + "; this Tributary reads version " + VERSION + ". Use a newer Tributary; nothing was changed");
    }
    return buf.getLong(5);
  }

  static void write(Path file, long position) throws IOException {
    ByteBuffer buf = ByteBuffer.allocate(SIZE);
    buf.putInt(0).put(VERSION).putLong(position).putLong(System.currentTimeMillis());
    buf.putInt(0, crcOf(buf));
    buf.flip();
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.TRUNCATE_EXISTING)) {
      while (buf.hasRemaining()) ch.write(buf);
      ch.force(true);
    }
    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    Directories.force(file.getParent());
  }

  private static int crcOf(ByteBuffer buf) {
    CRC32C crc = new CRC32C();
    crc.update(buf.duplicate().position(4).limit(SIZE));
    return (int) crc.getValue();
  }
}
