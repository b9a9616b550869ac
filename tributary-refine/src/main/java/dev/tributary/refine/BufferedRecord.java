package dev.tributary.refine;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.processor.api.Record;

/**
 * A record held by reordering, as stored in the {@code reorder-buffer} store (and its changelog).
 *
 * <p>Store key, 16 bytes: {@code received_at} in epoch milliseconds (8 bytes, big-endian, never
 * negative), then the record's offset in its input partition (8 bytes, big-endian). Byte order is
 * then {@code received_at} order, ties broken by arrival; a replay after a crash writes the same key.
 *
 * <p>Store value: {@code int32 keyLength} (-1 = null key), key bytes; {@code int32 valueLength}
 * (-1 = null), value bytes; {@code int32 headerCount}, then per header {@code int32 nameLength},
 * name (UTF-8), {@code int32 valueLength} (-1 = null), value bytes. Integers big-endian.
 */
final class BufferedRecord {
  private BufferedRecord() {}

  static Bytes key(long receivedAt, long offset) {
    return Bytes.wrap(ByteBuffer.allocate(16).putLong(receivedAt).putLong(offset).array());
  }

  static long receivedAt(Bytes key) {
    return ByteBuffer.wrap(key.get()).getLong();
  }

  static byte[] encode(Record<byte[], byte[]> r) {
    int size = 12 + length(r.key()) + length(r.value());
    for (Header h : r.headers()) size += 8 + h.key().getBytes(StandardCharsets.UTF_8).length + length(h.value());
    ByteBuffer b = ByteBuffer.allocate(size);
    putBytes(b, r.key());
    putBytes(b, r.value());
    b.putInt(r.headers().toArray().length);
    for (Header h : r.headers()) {
      putBytes(b, h.key().getBytes(StandardCharsets.UTF_8));
      putBytes(b, h.value());
    }
    return b.array();
  }

  static Record<byte[], byte[]> decode(byte[] stored, long timestamp) {
    ByteBuffer b = ByteBuffer.wrap(stored);
    byte[] key = getBytes(b);
    byte[] value = getBytes(b);
    int count = b.getInt();
    RecordHeaders headers = new RecordHeaders();
    for (int i = 0; i < count; i++) headers.add(new String(getBytes(b), StandardCharsets.UTF_8), getBytes(b));
    return new Record<>(key, value, timestamp, headers);
  }

  private static int length(byte[] a) {
    return a == null ? 0 : a.length;
  }

  private static void putBytes(ByteBuffer b, byte[] a) {
    if (a == null) {
      b.putInt(-1);
    } else {
      b.putInt(a.length).put(a);
    }
  }

  private static byte[] getBytes(ByteBuffer b) {
    int n = b.getInt();
    if (n < 0) return null;
    byte[] a = new byte[n];
    b.get(a);
    return a;
  }
}
