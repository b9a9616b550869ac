package dev.tributary.event;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class CaptureTimeTest {
  private static long millis(String s) {
    long fromBytes = CaptureTime.millis(s.getBytes(StandardCharsets.UTF_8));
    assertThat(CaptureTime.millis(s)).as("the String and byte[] readers agree on %s", s).isEqualTo(fromBytes);
    return fromBytes;
  }

  @Test
  void readsCapturesFormAsInstantParseDoes() {
    long seed = Long.getLong("event.seed", System.nanoTime());
    System.out.println("seed " + seed + " (replay with -Devent.seed=" + seed + ")");
    Random random = new Random(seed);
    for (int i = 0; i < 100_000; i++) {
      long ms = (long) (random.nextDouble() * 4_102_444_800_000L); // 1970 to 2100
      String text = CaptureTime.format(Instant.ofEpochMilli(ms));
      assertThat(text).hasSize(24);
      assertThat(millis(text)).as(text).isEqualTo(ms);
    }
  }

  /** format() writes years 1970 to 9999 itself: it must agree with java.time everywhere, leap days and year ends too. */
  @Test
  void formatsAsJavaTimeDoes() {
    DateTimeFormatter javaTime = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);
    long seed = Long.getLong("event.seed", System.nanoTime());
    System.out.println("seed " + seed + " (replay with -Devent.seed=" + seed + ")");
    Random random = new Random(seed);
    List<Long> millis = new ArrayList<>(List.of(0L, -1L, 951_782_400_000L, 951_868_799_999L, 4_107_542_400_000L,
        253_402_300_799_999L, 253_402_300_800_000L, -62_135_596_800_000L));
    for (int i = 0; i < 200_000; i++) millis.add((long) (random.nextDouble() * 253_402_300_800_000L));
    for (long ms : millis) {
      Instant instant = Instant.ofEpochMilli(ms);
      assertThat(CaptureTime.format(instant)).as("%d ms", ms).isEqualTo(javaTime.format(instant));
    }
  }

  @Test
  void formatsUtcWithMillisecondsEvenWhenZero() {
    assertThat(CaptureTime.format(Instant.parse("2026-11-23T12:00:00Z"))).isEqualTo("2026-11-23T12:00:00.000Z");
    assertThat(CaptureTime.format(Instant.parse("2026-11-23T12:00:00.123456Z"))).isEqualTo("2026-11-23T12:00:00.123Z");
  }

  @Test
  void otherFormsGoThroughInstantParse() {
    assertThat(millis("2026-11-23T15:00:00Z")).isEqualTo(Instant.parse("2026-11-23T15:00:00Z").toEpochMilli());
    assertThat(millis("2026-11-23T15:00:00.123456Z")).isEqualTo(Instant.parse("2026-11-23T15:00:00.123Z").toEpochMilli());
    assertThat(millis("2024-02-29T00:00:00.000Z")).isEqualTo(Instant.parse("2024-02-29T00:00:00Z").toEpochMilli());
    assertThat(millis("1960-01-01T00:00:00.000Z")).isEqualTo(Instant.parse("1960-01-01T00:00:00Z").toEpochMilli());
  }

  @Test
  void nonsenseAndWrongLengthsAreNone() {
    for (String junk : new String[] {"2026-02-29T00:00:00.000Z", "2026-13-01T00:00:00.000Z", "2026-11-23T25:00:00.000Z",
        "2026-11-23T1x:00:00.000Z", "2026-11-23T15:00:0.000Z", "2026-11-23T15:00:00.0000", "2026-11-23 15:00:00.000Z",
        "2026-11-23T15:00:00.000+0", "yesterday", "", "2026-11-23T15:00:00.000Z "}) {
      assertThat(millis(junk)).as(junk).isEqualTo(CaptureTime.NONE);
    }
  }
}
