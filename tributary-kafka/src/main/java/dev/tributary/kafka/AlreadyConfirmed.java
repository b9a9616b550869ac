package dev.tributary.kafka;

import java.util.Arrays;
import java.util.stream.LongStream;

/**
 * Offsets past the acknowledged cursor position that a failed producer got confirmed. After the
 * cursor is rewound they are read again in increasing order and skipped instead of sent twice.
 * Skipping an offset that was not confirmed would lose it, so only offsets handed in are skipped.
 */
final class AlreadyConfirmed {
  private long[] offsets = new long[0];
  private int next;

  /** Adds {@code confirmed} (increasing) to what is remembered and not yet read again. */
  void remember(long[] confirmed) {
    long[] left = Arrays.copyOfRange(offsets, next, offsets.length);
    offsets = LongStream.concat(Arrays.stream(left), Arrays.stream(confirmed)).sorted().distinct().toArray();
    next = 0;
  }

  /** Whether {@code offset} was confirmed before; offsets must be asked in increasing order. */
  boolean contains(long offset) {
    while (next < offsets.length && offsets[next] < offset) next++;
    return next < offsets.length && offsets[next] == offset;
  }

  int remembered() {
    return offsets.length - next;
  }
}
