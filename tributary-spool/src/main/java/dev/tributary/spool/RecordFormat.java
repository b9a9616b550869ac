package dev.tributary.spool;

import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * The record format of a segment file, version 1. All integers are big-endian.
 *
 * <pre>
 * byte  size  field
 *    0     4  crc       CRC32C of bytes [4, 26 + length): everything after this field
 *    4     4  length    payload length N, 0 &lt;= N &lt;= 16 MiB
 *    8     1  version   format version, 1
 *    9     1  flags     bit 0 END_OF_BATCH: last record of an atomic append; other bits 0
 *   10     8  offset    the record's offset: one more than the previous record's in the spool
 *   18     8  time      append time, milliseconds since the epoch
 *   26     N  payload
 * </pre>
 *
 * The CRC covers the length and the version, so a flipped bit anywhere in a record is caught,
 * and a zero-filled region (preallocated blocks) never parses as a record. Only the last
 * record of an atomic batch carries END_OF_BATCH: recovery drops a batch whose end is missing.
 */
final class RecordFormat {
  static final int HEADER = 26;
  static final byte VERSION = 1;
  static final byte END_OF_BATCH = 1;
  static final int MAX_PAYLOAD = 16 << 20;

  private static final int LENGTH_AT = 4;
  private static final int VERSION_AT = 8;
  private static final int FLAGS_AT = 9;
  private static final int OFFSET_AT = 10;
  private static final int TIME_AT = 18;

  private RecordFormat() {}

  static int sizeOf(byte[] payload) {
    return HEADER + payload.length;
  }

  /** Writes one record at the buffer's position; the buffer must have room for it. */
  static void write(ByteBuffer dst, long offset, long time, boolean endOfBatch, byte[] payload) {
    int start = dst.position();
    dst.putInt(0)
        .putInt(payload.length)
        .put(VERSION)
        .put(endOfBatch ? END_OF_BATCH : 0)
        .putLong(offset)
        .putLong(time);
    CRC32C crc = new CRC32C();
    crc.update(dst.duplicate().position(start + LENGTH_AT).limit(start + HEADER));
    crc.update(payload);
    dst.put(payload);
    dst.putInt(start, (int) crc.getValue());
  }

  /** What {@link #parse} found at a position. */
  sealed interface Parsed permits Valid, Incomplete, Damaged, NewerVersion {}

  /** A whole record whose CRC checks. The payload is {@code [payloadAt, payloadAt + length)} of the buffer. */
  record Valid(long offset, long time, boolean endOfBatch, int payloadAt, int length) implements Parsed {
    int size() { return HEADER + length; }
  }

  /** The buffer ends before the record does; {@code needed} is the whole record's size when known. */
  record Incomplete(int needed) implements Parsed {}

  /** Not a record: a CRC mismatch, an impossible length or flags. */
  record Damaged(String reason) implements Parsed {}

  /** A record whose CRC checks but whose version this code does not know. */
  record NewerVersion(int version) implements Parsed {}

  /** Parses the record starting at {@code at}, looking no further than {@code limit}. */
  static Parsed parse(ByteBuffer buf, int at, int limit) {
    if (limit - at < HEADER) return new Incomplete(-1);
    int length = buf.getInt(at + LENGTH_AT);
    if (length < 0 || length > MAX_PAYLOAD) return new Damaged("impossible payload length " + length);
    if (limit - at < HEADER + length) return new Incomplete(HEADER + length);
    CRC32C crc = new CRC32C();
    crc.update(buf.duplicate().limit(at + HEADER + length).position(at + LENGTH_AT));
    if ((int) crc.getValue() != buf.getInt(at)) return new Damaged("CRC mismatch");
    byte version = buf.get(at + VERSION_AT);
    if (version != VERSION) return new NewerVersion(version & 0xff);
    byte flags = buf.get(at + FLAGS_AT);
    if ((flags & ~END_OF_BATCH) != 0) return new Damaged("unknown flags " + flags);
    return new Valid(buf.getLong(at + OFFSET_AT), buf.getLong(at + TIME_AT), flags == END_OF_BATCH,
        at + HEADER, length);
  }

  static byte[] payload(ByteBuffer buf, Valid record) {
    byte[] out = new byte[record.length()];
    buf.get(record.payloadAt(), out);
    return out;
  }
}
