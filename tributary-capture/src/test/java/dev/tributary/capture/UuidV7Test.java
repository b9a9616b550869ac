package dev.tributary.capture;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class UuidV7Test {

  @Test
  void carriesTheTimeVersionAndVariant() {
    long now = 1_795_000_000_123L;
    UUID id = new UuidV7(() -> now).next();

    assertThat(id.version()).isEqualTo(7);
    assertThat(id.variant()).isEqualTo(2);
    assertThat(id.getMostSignificantBits() >>> 16).isEqualTo(now);
    assertThat(id.toString()).matches("[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
  }

  @Test
  void increasesWithinAMillisecondPastCounterOverflowAndWhenTheClockStepsBack() {
    AtomicLong clock = new AtomicLong(1_000_000);
    UuidV7 ids = new UuidV7(clock::get);
    List<UUID> generated = new ArrayList<>();
    for (int i = 0; i < 10_000; i++) generated.add(ids.next()); // > 4096: the 12-bit counter overflows
    clock.set(999_000);
    for (int i = 0; i < 10; i++) generated.add(ids.next());
    clock.set(2_000_000);
    generated.add(ids.next());

    for (int i = 1; i < generated.size(); i++) {
      assertThat(compareUnsigned(generated.get(i - 1), generated.get(i))).as("id %d after id %d", i, i - 1).isNegative();
    }
    assertThat(generated).allSatisfy(id -> assertThat(id.version()).isEqualTo(7));
    assertThat(generated.getLast().getMostSignificantBits() >>> 16).isEqualTo(2_000_000);
  }

  /** UUIDs sort as text (and as unsigned numbers); {@link UUID#compareTo} compares signed longs. */
  private static int compareUnsigned(UUID a, UUID b) {
    return a.toString().compareTo(b.toString());
  }
}
