package dev.tributary.refine;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.streams.processor.TimestampExtractor;

/**
 * Event time is capture time: {@code received_at}, so the dedup window and the reorder window are
 * measured on the clock of the capture nodes, and stream time is the highest {@code received_at}
 * seen. A record without one (an outside producer) falls back to its Kafka timestamp, and, when
 * that is unset, to the partition's stream time rather than being dropped.
 */
public final class ReceivedAtExtractor implements TimestampExtractor {
  @Override
  public long extract(ConsumerRecord<Object, Object> record, long partitionTime) {
    byte[] payload = record.value() instanceof byte[] b ? b : null;
    long receivedAt = RecordEnvelope.receivedAtMillis(record.headers(), payload);
    if (receivedAt >= 0) return receivedAt;
    if (record.timestamp() >= 0) return record.timestamp();
    return Math.max(0, partitionTime);
  }
}
