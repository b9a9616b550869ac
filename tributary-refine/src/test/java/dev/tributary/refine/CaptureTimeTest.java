package dev.tributary.refine;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Random;
import org.junit.jupiter.api.Test;

class CaptureTimeTest {
  private static long millis(String s) {
    return CaptureTime.millis(s.getBytes(StandardCharsets.US_ASCII));
  }

  @Test
  void readsCapturesFormAsInstantParseDoes() {
    long seed = Long.getLong("refine.seed", System.nanoTime());
    System.out.println("seed " + seed + " (replay with -Drefine.seed=" + seed + ")");
    Random random = new Random(seed);
    for (int i = 0; i < 100_000; i++) {
      long ms = (long) (random.nextDouble() * 4_102_444_800_000L); // 1970 to 2100
      String text = Instant.ofEpochMilli(ms).toString();
      if (text.length() == 20) text = text.replace("Z", ".000Z"); // toString drops zero millis; capture does not
      assertThat(millis(text)).as(text).isEqualTo(ms);
    }
  }

  @Test
  void otherFormsGoThroughInstantParseAndNonsenseIsMinusOne() {
    assertThat(millis("2026-11-23T15:00:00Z")).isEqualTo(Instant.parse("2026-11-23T15:00:00Z").toEpochMilli());
    assertThat(millis("2026-11-23T15:00:00.123456Z")).isEqualTo(Instant.parse("2026-11-23T15:00:00.123Z").toEpochMilli());
    assertThat(millis("2024-02-29T00:00:00.000Z")).isEqualTo(Instant.parse("2024-02-29T00:00:00Z").toEpochMilli());
    assertThat(millis("2026-02-29T00:00:00.000Z")).isEqualTo(-1);
    assertThat(millis("2026-13-01T00:00:00.000Z")).isEqualTo(-1);
    assertThat(millis("yesterday")).isEqualTo(-1);
    assertThat(millis("1960-01-01T00:00:00.000Z")).isEqualTo(-1);
  }
}
