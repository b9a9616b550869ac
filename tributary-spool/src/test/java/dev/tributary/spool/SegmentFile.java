package dev.tributary.spool;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

/**
 * An independent reading of the record and checkpoint formats in docs/spool-format.md, so tests
 * can check what the spool wrote and damage it byte by byte. It shares no code with the spool:
 * a format bug shows up as a disagreement between the two.
 *
 * <pre>
 * record:     crc(4) length(4) version(1) flags(1) offset(8) time(8) payload(length)
 *             crc = CRC32C of bytes [4, 26 + length)
 * checkpoint: crc(4) version(1) position(8) time(8); crc = CRC32C of bytes [4, 21)
 * </pre>
 */
final class SegmentFile {

  static final int HEADER = 26;
  static final int CHECKPOINT = 21;
  static final int END_OF_BATCH = 1;
  static final int MAX_PAYLOAD = 16 << 20;
  static final int LENGTH_AT = 4;
  static final int VERSION_AT = 8;
  static final int FLAGS_AT = 9;
  static final int OFFSET_AT = 10;
  static final int TIME_AT = 18;

  /** One complete record whose CRC holds, found at {@code position} in its file. */
  record Entry(long position, int length, int version, int flags, long offset, long time, byte[] payload) {
    long end() { return position + HEADER + length; }
    long size() { return HEADER + (long) length; }
    boolean endOfBatch() { return (flags & END_OF_BATCH) != 0; }
  }

  /**
   * A segment read from its start up to the first byte that is not a complete record with a
   * valid CRC: {@code validEnd}; {@code zerosAfter} tells whether everything after it is zero.
   */
  record Contents(Path path, long size, List<Entry> records, long validEnd, boolean zerosAfter) {
    long baseOffset() { return SegmentFile.baseOffset(path); }
    boolean wholeFileValid() { return validEnd == size; }
  }

  private SegmentFile() {}

  static List<Path> segments(Path directory) {
    try (Stream<Path> files = Files.list(directory)) {
      return files.filter(p -> p.getFileName().toString().endsWith(".seg")).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static List<Path> corruptFiles(Path directory) {
    try (Stream<Path> files = Files.list(directory)) {
      return files.filter(p -> p.getFileName().toString().endsWith(".corrupt")).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static Path lastSegment(Path directory) {
    List<Path> all = segments(directory);
    return all.get(all.size() - 1);
  }

  static long baseOffset(Path segment) {
    String name = segment.getFileName().toString();
    if (!name.matches("\\d{20}\\.seg")) throw new AssertionError("segment name is not <20 digits>.seg: " + name);
    return Long.parseLong(name.substring(0, 20));
  }

  static Contents read(Path segment) throws IOException {
    byte[] bytes = Files.readAllBytes(segment);
    List<Entry> records = new ArrayList<>();
    int at = 0;
    while (true) {
      Entry e = entryAt(bytes, at);
      if (e == null) break;
      records.add(e);
      at = (int) e.end();
    }
    boolean zeros = true;
    for (int i = at; i < bytes.length && zeros; i++) zeros = bytes[i] == 0;
    return new Contents(segment, bytes.length, records, at, zeros);
  }

  /** The complete, CRC-valid record at {@code at}, or null. */
  static Entry entryAt(byte[] bytes, int at) {
    if (bytes.length - at < HEADER) return null;
    ByteBuffer b = ByteBuffer.wrap(bytes);
    int length = b.getInt(at + LENGTH_AT);
    if (length < 0 || length > MAX_PAYLOAD || (long) at + HEADER + length > bytes.length) return null;
    CRC32C crc = new CRC32C();
    crc.update(bytes, at + 4, HEADER - 4 + length);
    if ((int) crc.getValue() != b.getInt(at)) return null;
    return new Entry(at, length, bytes[at + VERSION_AT], bytes[at + FLAGS_AT], b.getLong(at + OFFSET_AT),
        b.getLong(at + TIME_AT), Arrays.copyOfRange(bytes, at + HEADER, at + HEADER + length));
  }

  /** Recomputes the CRC of the record at {@code at} in place, after a test changed its fields. */
  static void resealRecord(byte[] bytes, int at) {
    int length = ByteBuffer.wrap(bytes).getInt(at + LENGTH_AT);
    CRC32C crc = new CRC32C();
    crc.update(bytes, at + 4, HEADER - 4 + length);
    ByteBuffer.wrap(bytes).putInt(at, (int) crc.getValue());
  }

  static Path checkpoint(Path directory, String cursor) {
    return directory.resolve("cursors").resolve(cursor + ".cursor");
  }

  /** The position in a checkpoint file, failing the test when its CRC or size is wrong. */
  static long checkpointPosition(Path file) throws IOException {
    byte[] bytes = Files.readAllBytes(file);
    if (bytes.length != CHECKPOINT) throw new AssertionError(file + " is " + bytes.length + " bytes, not " + CHECKPOINT);
    CRC32C crc = new CRC32C();
    crc.update(bytes, 4, CHECKPOINT - 4);
    ByteBuffer b = ByteBuffer.wrap(bytes);
    if ((int) crc.getValue() != b.getInt(0)) throw new AssertionError(file + " fails its CRC");
    if (bytes[4] != 1) throw new AssertionError(file + " has version " + bytes[4]);
    return b.getLong(5);
  }

  static void resealCheckpoint(byte[] bytes) {
    CRC32C crc = new CRC32C();
    crc.update(bytes, 4, CHECKPOINT - 4);
    ByteBuffer.wrap(bytes).putInt(0, (int) crc.getValue());
  }
}
