package dev.tributary.spool;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A named reader of the spool. Reads in offset order from its position; {@link #acknowledge}
 * makes a position durable. After a restart it resumes after its last acknowledged offset.
 * One thread uses a cursor at a time. Memory stays bounded: records are read through a fixed
 * buffer (a record larger than it gets a buffer of its own size, at most 16 MiB).
 */
public final class SpoolCursor implements Closeable {
  private static final Logger log = LoggerFactory.getLogger(SpoolCursor.class);
  private static final int BUFFER_BYTES = 256 * 1024;

  private final Spool spool;
  private final String name;
  private long committed;
  private long position;
  private Segment segment;
  private long bytePosition;
  private ByteBuffer buffer = ByteBuffer.allocate(BUFFER_BYTES);
  private long bufferStart;
  private boolean closed;

  SpoolCursor(Spool spool, String name, long committed) {
    this.spool = spool;
    this.name = name;
    this.committed = committed;
    this.position = committed;
    buffer.limit(0);
  }

  public String name() {
    return name;
  }

  /** The offset the next {@link #poll} starts at. */
  public long position() {
    return position;
  }

  /** The offset after the last acknowledged one: where a restart resumes. */
  public long committed() {
    return committed;
  }

  /**
   * Returns up to {@code maxRecords} records (and roughly at most {@code maxBytes}, but always at
   * least one record when one is there), waiting up to {@code timeout} for the first; an empty
   * list when none arrived in time.
   */
  public List<SpoolRecord> poll(int maxRecords, long maxBytes, Duration timeout) throws IOException, InterruptedException {
    ensureOpen();
    if (position >= spool.nextOffset()) {
      spool.awaitReadable(position, timeout.toNanos());
      ensureOpen();
    }
    List<SpoolRecord> out = new ArrayList<>(Math.min(maxRecords, 1024));
    long bytes = 0;
    while (out.size() < maxRecords && bytes < maxBytes && position < spool.nextOffset()) {
      SpoolRecord r = next();
      if (r == null) break;
      out.add(r);
      bytes += r.payload().length;
    }
    return out;
  }

  /** Durably records that every record up to and including {@code offset} is processed. */
  public void acknowledge(long offset) throws IOException {
    ensureOpen();
    if (offset + 1 <= committed) return;
    if (offset >= spool.nextOffset()) {
      throw new IllegalArgumentException("cursor '" + name + "' cannot acknowledge offset " + offset
          + ": the spool's last offset is " + (spool.nextOffset() - 1));
    }
    spool.acknowledged(name, offset + 1);
    committed = offset + 1;
  }

  /** Moves the read position back to the committed position, to read unacknowledged records again. */
  public void rewind() {
    position = committed;
    segment = null;
  }

  @Override
  public void close() {
    if (closed) return;
    closed = true;
    spool.cursorClosed(name);
  }

  private void ensureOpen() throws SpoolClosedException {
    if (closed || spool.isClosed()) throw new SpoolClosedException();
  }

  /** The record at {@link #position} (or the first after a gap), or null when none is readable. */
  private SpoolRecord next() throws IOException {
    if (segment == null) locate();
    while (true) {
      if (bytePosition >= segment.readableBytes()) {
        Segment following = spool.segmentAfter(segment);
        if (following == null) return null;
        moveTo(following, 0);
        continue;
      }
      RecordFormat.Parsed parsed = parseAt(bytePosition);
      if (!(parsed instanceof RecordFormat.Valid v)) {
        quarantine(parsed);
        continue;
      }
      bytePosition += v.size();
      if (v.offset() < position) continue;
      position = v.offset() + 1;
      return new SpoolRecord(v.offset(), v.time(), RecordFormat.payload(buffer, v));
    }
  }

  private void locate() throws IOException {
    Segment s = spool.segmentFor(position);
    moveTo(s, s.positionOf(position));
  }

  private void moveTo(Segment s, long at) {
    segment = s;
    bytePosition = at;
    buffer.limit(0);
    bufferStart = at;
  }

  /** Parses the record at a byte position, refilling the buffer from the file as needed. */
  private RecordFormat.Parsed parseAt(long at) throws IOException {
    RecordFormat.Parsed parsed = parseBuffered(at);
    // Twice at most: the first fill may show only the header, which tells how big the record is.
    for (int fills = 0; parsed instanceof RecordFormat.Incomplete incomplete && fills < 2; fills++) {
      fill(at, incomplete.needed());
      parsed = parseBuffered(at);
    }
    if (parsed instanceof RecordFormat.Incomplete) {
      return new RecordFormat.Damaged("record runs past the readable end of the segment");
    }
    return parsed;
  }

  private RecordFormat.Parsed parseBuffered(long at) {
    if (at < bufferStart || at > bufferStart + buffer.limit()) return new RecordFormat.Incomplete(-1);
    return RecordFormat.parse(buffer, (int) (at - bufferStart), buffer.limit());
  }

  private void fill(long at, int needed) throws IOException {
    int capacity = Math.max(BUFFER_BYTES, needed);
    if (buffer.capacity() != capacity) buffer = ByteBuffer.allocate(capacity);
    buffer.clear();
    long readable = segment.readableBytes();
    buffer.limit((int) Math.min(capacity, readable - at));
    int total = 0;
    while (buffer.hasRemaining()) {
      int n = segment.channel().read(buffer, at + total);
      if (n < 0) break;
      total += n;
    }
    buffer.flip();
    bufferStart = at;
  }

  /** Damage inside a segment written earlier (bit rot): keep the bytes aside and go on with the next segment. */
  private void quarantine(RecordFormat.Parsed parsed) throws IOException {
    Path aside = segment.file().resolveSibling(segment.file().getFileName() + "." + bytePosition + ".corrupt");
    SegmentRecovery.copyRange(segment.file(), bytePosition, segment.readableBytes(), aside);
    log.error("cursor {}: damaged record in {} at position {} ({}); copied {} bytes aside to {} and skipping to the next segment",
        name, segment.file(), bytePosition, parsed, segment.readableBytes() - bytePosition, aside);
    Segment following = spool.segmentAfter(segment);
    if (following == null) {
      moveTo(segment, segment.readableBytes());
    } else {
      moveTo(following, 0);
    }
  }
}
