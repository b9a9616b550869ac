package dev.tributary.capture;

import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.LongSupplier;

/**
 * UUID version 7 (RFC 9562): 48-bit Unix milliseconds, version 7, a 12-bit counter, the variant
 * bits {@code 10}, then 62 random bits. IDs from one generator are strictly increasing: within a
 * millisecond the counter (seeded randomly below 2048 so it rarely overflows) goes up, and when
 * it overflows or the clock steps back the timestamp is carried forward instead (RFC 9562 §6.2,
 * method 1), so IDs sort by the order capture saw the events.
 */
final class UuidV7 {

  private static final int COUNTER_MAX = 0xFFF;

  private final LongSupplier clockMillis;
  private long lastMillis = -1;
  private int counter;

  UuidV7(LongSupplier clockMillis) {
    this.clockMillis = clockMillis;
  }

  UuidV7() {
    this(System::currentTimeMillis);
  }

  synchronized UUID next() {
    long now = clockMillis.getAsLong();
    ThreadLocalRandom random = ThreadLocalRandom.current();
    if (now > lastMillis) {
      lastMillis = now;
      counter = random.nextInt(COUNTER_MAX / 2 + 1);
    } else if (counter < COUNTER_MAX) {
      counter++;
    } else {
      lastMillis++;
      counter = random.nextInt(COUNTER_MAX / 2 + 1);
    }
    long msb = (lastMillis & 0xFFFF_FFFF_FFFFL) << 16 | 0x7000L | counter;
    long lsb = random.nextLong() & 0x3FFF_FFFF_FFFF_FFFFL | 0x8000_0000_0000_0000L;
    return new UUID(msb, lsb);
  }
}
