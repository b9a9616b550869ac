package dev.tributary.lake;

import dev.tributary.event.RefineFlags;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;

/**
 * The event a Kafka record stores in the lake: its value, plus each of refine's flags that the
 * record carries as a header ({@link RefineFlags}) as a top-level field {@code "<flag>":true}.
 * Headers are otherwise not stored, so without this a flag would not reach the lake.
 */
final class RecordValue {
  private static final byte[] TRUE = RefineFlags.TRUE.getBytes(StandardCharsets.UTF_8);

  private RecordValue() {}

  /** The value with its flags; the value as it is when it has none, or is no JSON object (it then lands in _errors). */
  static byte[] of(ConsumerRecord<byte[], byte[]> r) {
    byte[] value = r.value();
    for (String flag : RefineFlags.NAMES) {
      Header h = r.headers().lastHeader(flag);
      if (value == null || h == null || !Arrays.equals(h.value(), TRUE)) continue;
      try {
        value = RefineFlags.set(value, flag);
      } catch (IllegalArgumentException notAnObject) {
        return r.value();
      }
    }
    return value;
  }
}
