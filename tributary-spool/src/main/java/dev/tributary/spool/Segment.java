package dev.tributary.spool;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

/**
 * One segment file, {@code <20-digit base offset>.seg}, as readers see it: the bytes up to
 * {@link #readableBytes()} hold whole records that are durable under the fsync policy. A sparse
 * index (one entry per {@value #INDEX_INTERVAL} bytes) finds the byte position of an offset
 * without reading the whole file; it is built lazily for segments written by an earlier process.
 */
final class Segment implements Closeable {
  static final String SUFFIX = ".seg";
  private static final int INDEX_INTERVAL = 64 * 1024;

  private final long baseOffset;
  private final Path file;
  private final FileChannel channel;
  private volatile long readableBytes;
  private volatile long nextOffset;
  private long[] indexOffsets = new long[16];
  private long[] indexPositions = new long[16];
  private int indexSize;
  private long lastIndexedPosition = -INDEX_INTERVAL;
  private boolean indexed;

  private Segment(long baseOffset, Path file, FileChannel channel, long readableBytes, long nextOffset, boolean indexed) {
    this.baseOffset = baseOffset;
    this.file = file;
    this.channel = channel;
    this.readableBytes = readableBytes;
    this.nextOffset = nextOffset;
    this.indexed = indexed;
  }

  /** Opens a segment written earlier whose records have not been scanned. */
  static Segment openSealed(Path file) throws IOException {
    FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
    long base = baseOf(file);
    return new Segment(base, file, ch, ch.size(), -1, false);
  }

  /** Opens a segment whose records were just scanned by recovery or that is new and empty. */
  static Segment openScanned(Path file, long readableBytes, long nextOffset) throws IOException {
    FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
    return new Segment(baseOf(file), file, ch, readableBytes, nextOffset, true);
  }

  static Path fileFor(Path dir, long baseOffset) {
    return dir.resolve(String.format("%020d%s", baseOffset, SUFFIX));
  }

  static boolean isSegment(Path file) {
    String name = file.getFileName().toString();
    return name.length() == 20 + SUFFIX.length() && name.endsWith(SUFFIX) && name.substring(0, 20).chars().allMatch(Character::isDigit);
  }

  static long baseOf(Path file) {
    return Long.parseLong(file.getFileName().toString().substring(0, 20));
  }

  long baseOffset() { return baseOffset; }
  Path file() { return file; }
  FileChannel channel() { return channel; }
  long readableBytes() { return readableBytes; }

  /** The offset after this segment's last record; scans the segment once if it is not known yet. */
  long nextOffset() throws IOException {
    ensureIndexed();
    return nextOffset;
  }

  /** Called by the writer after records up to {@code bytes}, ending before {@code next}, are readable. */
  void publish(long bytes, long next) {
    nextOffset = next;
    readableBytes = bytes;
  }

  /** Called by the writer (or a scan) for every record it places, in order. */
  synchronized void indexRecord(long offset, long position) {
    if (position - lastIndexedPosition < INDEX_INTERVAL) return;
    if (indexSize == indexOffsets.length) {
      indexOffsets = Arrays.copyOf(indexOffsets, indexSize * 2);
      indexPositions = Arrays.copyOf(indexPositions, indexSize * 2);
    }
    indexOffsets[indexSize] = offset;
    indexPositions[indexSize] = position;
    indexSize++;
    lastIndexedPosition = position;
  }

  /** Byte position of the first record whose offset is {@code >= offset}; {@link #readableBytes()} if none. */
  long positionOf(long offset) throws IOException {
    ensureIndexed();
    long position = floorPosition(offset);
    long limit = readableBytes;
    ByteBuffer header = ByteBuffer.allocate(RecordFormat.HEADER);
    while (position < limit) {
      header.clear();
      if (readFully(header, position) < RecordFormat.HEADER) return limit;
      long recordOffset = header.getLong(10);
      if (recordOffset >= offset) return position;
      position += RecordFormat.HEADER + header.getInt(4);
    }
    return limit;
  }

  /** Append time of the record at a byte position, or -1 if none can be read there. */
  long timeAt(long position) throws IOException {
    ByteBuffer header = ByteBuffer.allocate(RecordFormat.HEADER);
    if (position >= readableBytes || readFully(header, position) < RecordFormat.HEADER) return -1;
    return header.getLong(18);
  }

  private synchronized long floorPosition(long offset) {
    int i = Arrays.binarySearch(indexOffsets, 0, indexSize, offset);
    if (i >= 0) return indexPositions[i];
    int floor = -i - 2;
    return floor < 0 ? 0 : indexPositions[floor];
  }

  private synchronized void ensureIndexed() throws IOException {
    if (indexed) return;
    ByteBuffer header = ByteBuffer.allocate(RecordFormat.HEADER);
    long position = 0;
    long next = baseOffset;
    while (position < readableBytes) {
      header.clear();
      if (readFully(header, position) < RecordFormat.HEADER) break;
      int length = header.getInt(4);
      if (length < 0 || length > RecordFormat.MAX_PAYLOAD) break;
      long offset = header.getLong(10);
      indexRecord(offset, position);
      next = offset + 1;
      position += RecordFormat.HEADER + length;
    }
    nextOffset = next;
    indexed = true;
  }

  private int readFully(ByteBuffer dst, long position) throws IOException {
    int total = 0;
    while (dst.hasRemaining()) {
      int n = channel.read(dst, position + total);
      if (n < 0) break;
      total += n;
    }
    dst.flip();
    return total;
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }

  @Override
  public String toString() {
    return file.getFileName().toString();
  }
}
