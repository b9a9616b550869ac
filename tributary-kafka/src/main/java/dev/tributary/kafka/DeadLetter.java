package dev.tributary.kafka;

import java.nio.charset.StandardCharsets;
import java.time.Instant;

/**
 * A record Kafka will never take, kept with the broker's reason.
 *
 * @param offset its offset in the dead-letter spool (what {@code show} and {@code replay} name)
 * @param deadAt when it was set aside
 * @param spoolOffset its offset in the capture spool it came from
 * @param topic the topic it was meant for
 * @param error the exception class Kafka answered with
 * @param reason Kafka's message
 * @param payload the event exactly as it was in the spool
 */
public record DeadLetter(long offset, Instant deadAt, long spoolOffset, String topic, String error, String reason,
                         byte[] payload) {

  public String payloadText() {
    return new String(payload, StandardCharsets.UTF_8);
  }
}
