package dev.tributary.capture;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The skew corrections of Segment and PostHog, and the time formats clients send. */
class ClientClockTest {

  private static final Instant RECEIVED = Instant.parse("2026-11-23T12:00:00Z");

  @Test
  void readsIsoTimesWithZoneOffsetOrNone() {
    assertThat(ClientClock.parse("2026-11-23T12:00:00.123Z")).isEqualTo(Instant.parse("2026-11-23T12:00:00.123Z"));
    assertThat(ClientClock.parse("2026-11-23T13:00:00+01:00")).isEqualTo(Instant.parse("2026-11-23T12:00:00Z"));
    assertThat(ClientClock.parse("2026-11-23T12:00:00.5")).as("no zone: UTC").isEqualTo(Instant.parse("2026-11-23T12:00:00.500Z"));
    assertThat(ClientClock.parse("yesterday")).isNull();
    assertThat(ClientClock.parse("1732363200000")).isNull();
  }

  @Test
  void segmentMovesTheClientTimeByHowFarItsClockIsOff() {
    Instant original = Instant.parse("2030-01-01T00:00:00Z"); // a clock years ahead
    Instant sentAt = Instant.parse("2030-01-01T00:00:30Z");
    assertThat(ClientClock.segment(RECEIVED, sentAt, original)).isEqualTo(RECEIVED.minusSeconds(30));
    assertThat(ClientClock.segment(RECEIVED, null, original)).isEqualTo(original);
    assertThat(ClientClock.segment(RECEIVED, sentAt, null)).isEqualTo(RECEIVED);
  }

  @Test
  void postHogPrefersTheOffsetThenTheSkewCorrectedTimestamp() {
    Instant timestamp = Instant.parse("2030-01-01T00:00:00Z");
    Instant sentAt = Instant.parse("2030-01-01T00:00:30Z");
    assertThat(ClientClock.posthog(RECEIVED, 1500L, timestamp, sentAt)).isEqualTo(RECEIVED.minusMillis(1500));
    assertThat(ClientClock.posthog(RECEIVED, null, timestamp, sentAt)).isEqualTo(RECEIVED.minusSeconds(30));
    assertThat(ClientClock.posthog(RECEIVED, null, timestamp, null)).isEqualTo(timestamp);
    assertThat(ClientClock.posthog(RECEIVED, null, null, sentAt)).isEqualTo(RECEIVED);
  }
}
