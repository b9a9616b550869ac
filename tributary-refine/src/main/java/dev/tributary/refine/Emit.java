package dev.tributary.refine;

import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/** The last step before the refined topic. */
final class Emit {
  private Emit() {}

  /**
   * Writes with {@code received_at} as the Kafka timestamp, but never one in the future: a capture
   * node whose clock runs over an hour ahead would otherwise get the record refused by the broker
   * ({@code log.message.timestamp.after.max.ms}) and stop refine.
   */
  static void forward(ProcessorContext<byte[], byte[]> context, Record<byte[], byte[]> record, RefineMetrics metrics) {
    long now = context.currentSystemTimeMs();
    context.forward(record.timestamp() > now ? record.withTimestamp(now) : record);
    metrics.emitted(record.timestamp(), now);
  }
}
