package dev.tributary.refine;

import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;

/**
 * Drops a record whose {@code event_id} was seen within the window, in {@code received_at} time,
 * before or after it (two capture nodes may send a retry and its original in either order). The
 * store holds each id once, under the time it was first seen; its segments older than the window
 * behind stream time are dropped whole, which is what bounds it.
 */
final class DedupProcessor implements Processor<byte[], byte[], byte[], byte[]> {
  static final String STORE = "dedup";
  private static final byte[] SEEN = new byte[0];

  private final long windowMillis;
  private final RefineMetrics metrics;
  private final boolean emits;
  private ProcessorContext<byte[], byte[]> context;
  private WindowStore<String, byte[]> seen;

  /** {@code emits}: this processor writes to the refined topic itself (no reordering after it). */
  DedupProcessor(long windowMillis, RefineMetrics metrics, boolean emits) {
    this.windowMillis = windowMillis;
    this.metrics = metrics;
    this.emits = emits;
  }

  @Override
  public void init(ProcessorContext<byte[], byte[]> context) {
    this.context = context;
    this.seen = context.getStateStore(STORE);
  }

  @Override
  public void process(Record<byte[], byte[]> record) {
    metrics.in.increment();
    String id = RecordEnvelope.eventId(record.headers(), record.value());
    if (id == null) {
      metrics.withoutEventId.increment();
    } else {
      long t = record.timestamp();
      try (WindowStoreIterator<byte[]> hits = seen.fetch(id, Math.max(0, t - windowMillis), t + windowMillis)) {
        if (hits.hasNext()) {
          metrics.duplicates.increment();
          return;
        }
      }
      seen.put(id, SEEN, t);
    }
    if (emits) {
      Emit.forward(context, record, metrics);
    } else {
      context.forward(record);
    }
  }
}
