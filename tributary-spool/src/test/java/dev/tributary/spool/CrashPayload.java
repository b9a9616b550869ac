package dev.tributary.spool;

import java.nio.ByteBuffer;
import java.util.Random;
import java.util.zip.CRC32;

/**
 * A record payload that carries its own identity and checksum, so a reader can tell a record
 * that is intact from one that is damaged or belongs to someone else.
 *
 * <pre>
 * magic(4) "TRIB" | id(8) | batchId(8) | index(4) | batchSize(4) | fillerLength(4) | filler | crc32(8)
 * </pre>
 * The filler is derived from the id, so its bytes are checked too.
 */
record CrashPayload(long id, long batchId, int index, int batchSize) {

  private static final int MAGIC = 0x54524942;
  private static final int FIXED = 4 + 8 + 8 + 4 + 4 + 4 + 8;

  byte[] encode(int fillerLength) {
    ByteBuffer b = ByteBuffer.allocate(FIXED + fillerLength);
    b.putInt(MAGIC).putLong(id).putLong(batchId).putInt(index).putInt(batchSize).putInt(fillerLength);
    b.put(filler(id, fillerLength));
    b.putLong(crc(b.array(), b.position()));
    return b.array();
  }

  /** The payload encoded in {@code bytes}; throws IllegalArgumentException naming what is wrong. */
  static CrashPayload decode(byte[] bytes) {
    if (bytes.length < FIXED) throw new IllegalArgumentException("payload of " + bytes.length + " bytes is too short");
    ByteBuffer b = ByteBuffer.wrap(bytes);
    if (b.getInt() != MAGIC) throw new IllegalArgumentException("payload has no magic");
    CrashPayload p = new CrashPayload(b.getLong(), b.getLong(), b.getInt(), b.getInt());
    int fillerLength = b.getInt();
    if (fillerLength != bytes.length - FIXED) throw new IllegalArgumentException("payload filler length " + fillerLength + " does not match its size " + bytes.length);
    byte[] filler = new byte[fillerLength];
    b.get(filler);
    if (!java.util.Arrays.equals(filler, filler(p.id, fillerLength))) throw new IllegalArgumentException("payload " + p.id + " has a damaged filler");
    if (b.getLong() != crc(bytes, bytes.length - 8)) throw new IllegalArgumentException("payload " + p.id + " fails its checksum");
    return p;
  }

  private static byte[] filler(long id, int length) {
    byte[] f = new byte[length];
    new Random(id).nextBytes(f);
    return f;
  }

  private static long crc(byte[] bytes, int length) {
    CRC32 crc = new CRC32();
    crc.update(bytes, 0, length);
    return crc.getValue();
  }
}
