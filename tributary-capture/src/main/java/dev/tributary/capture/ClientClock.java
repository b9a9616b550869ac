package dev.tributary.capture;

import dev.tributary.event.CaptureTime;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;

/**
 * Event time from what a client's clock said, corrected for that clock's skew the way Segment and
 * PostHog do: the client stamps the event ({@code timestamp}) and the request ({@code sentAt} /
 * {@code sent_at}) with the same clock, so the event happened {@code sentAt - timestamp} before
 * the server received the request.
 */
final class ClientClock {

  private ClientClock() {}

  /**
   * An ISO-8601 time: with {@code Z} or an offset, or without one (taken as UTC, as PostHog
   * does); null when it is none of these.
   */
  static Instant parse(String text) {
    try {
      return OffsetDateTime.parse(text).toInstant();
    } catch (DateTimeParseException e) {
      try {
        return LocalDateTime.parse(text).toInstant(ZoneOffset.UTC);
      } catch (DateTimeParseException e2) {
        return null;
      }
    }
  }

  /** Segment: {@code receivedAt - (sentAt - originalTimestamp)}; the original as is without sentAt; receivedAt without either. */
  static Instant segment(Instant receivedAt, Instant sentAt, Instant original) {
    if (original == null) return receivedAt;
    if (sentAt == null) return original;
    return receivedAt.minus(Duration.between(original, sentAt));
  }

  /**
   * PostHog: {@code now - offset} when the event has an offset (milliseconds before sending);
   * else {@code now + (timestamp - sent_at)} when both are known and sent_at is not to be ignored;
   * else the timestamp as is; else now.
   */
  static Instant posthog(Instant receivedAt, Long offsetMillis, Instant timestamp, Instant sentAt) {
    if (offsetMillis != null) return receivedAt.minusMillis(offsetMillis);
    if (timestamp == null) return receivedAt;
    if (sentAt == null) return timestamp;
    return receivedAt.plus(Duration.between(sentAt, timestamp));
  }

  /**
   * One request's reading and writing of times, remembering the last of each: a batch's messages
   * mostly share their sentAt, and without client times their event time is the time received.
   */
  static final class Memo {
    private String readText;
    private Instant read;
    private Instant written;
    private String writtenText;

    Memo(Instant received, String receivedText) {
      this.written = received;
      this.writtenText = receivedText;
    }

    /** As {@link ClientClock#parse}. */
    Instant parse(String text) {
      if (!text.equals(readText)) {
        read = ClientClock.parse(text);
        readText = text;
      }
      return read;
    }

    /** As {@link CaptureTime#format}. */
    String format(Instant instant) {
      if (!instant.equals(written)) {
        writtenText = CaptureTime.format(instant);
        written = instant;
      }
      return writtenText;
    }
  }
}
