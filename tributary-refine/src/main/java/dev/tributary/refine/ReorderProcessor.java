package dev.tributary.refine;

import dev.tributary.event.Envelope;
import dev.tributary.event.RefineFlags;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.Cancellable;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Holds records and writes them in {@code received_at} order, per task (one input partition).
 *
 * <p>The watermark is the {@code received_at} up to which everything has been written: stream time
 * (the highest {@code received_at} seen) minus the window. So that a quiet partition does not hold
 * its last records forever, a wall-clock punctuation moves it on by the time the partition has been
 * idle; while records flow (a backlog included) only their own times move it. A record below the
 * watermark would break the order already written: it is written at once with a {@code late: true}
 * header, never dropped. The watermark is stored with the buffer, so a restart keeps it.
 */
final class ReorderProcessor implements Processor<byte[], byte[], byte[], byte[]> {
  static final String BUFFER = "reorder-buffer";
  static final String WATERMARK = "reorder-watermark";
  private static final String WATERMARK_KEY = "watermark";
  private static final byte[] TRUE = RefineFlags.TRUE.getBytes(StandardCharsets.UTF_8);

  private final long windowMillis;
  private final Duration tick;
  private final long step;
  private final RefineMetrics metrics;
  private ProcessorContext<byte[], byte[]> context;
  private KeyValueStore<Bytes, byte[]> buffer;
  private KeyValueStore<String, Long> marks;
  private Cancellable punctuation;
  private long watermark;
  private long lastRecordAt;
  private long held;
  /** The lowest received_at held (Long.MAX_VALUE: none), so most records skip opening an iterator. */
  private long earliest;

  ReorderProcessor(Duration window, RefineMetrics metrics) {
    this.windowMillis = window.toMillis();
    this.tick = Duration.ofMillis(Math.clamp(windowMillis / 4, 50, 1000));
    this.step = Math.max(1, windowMillis / 200);
    this.metrics = metrics;
  }

  @Override
  public void init(ProcessorContext<byte[], byte[]> context) {
    this.context = context;
    buffer = context.getStateStore(BUFFER);
    marks = context.getStateStore(WATERMARK);
    Long stored = marks.get(WATERMARK_KEY);
    watermark = stored == null ? Long.MIN_VALUE : stored;
    held = buffer.approximateNumEntries();
    metrics.buffered.addAndGet(held);
    try (KeyValueIterator<Bytes, byte[]> it = buffer.all()) {
      earliest = it.hasNext() ? BufferedRecord.receivedAt(it.peekNextKey()) : Long.MAX_VALUE;
    }
    lastRecordAt = context.currentSystemTimeMs();
    punctuation = context.schedule(tick, PunctuationType.WALL_CLOCK_TIME, this::idle);
  }

  @Override
  public void process(Record<byte[], byte[]> record) {
    lastRecordAt = context.currentSystemTimeMs();
    long t = record.timestamp();
    if (t < watermark) {
      metrics.late.increment();
      record.headers().add(Envelope.LATE, TRUE);
      emit(record);
      return;
    }
    buffer.put(BufferedRecord.key(t, context.recordMetadata().map(m -> m.offset()).orElse(0L)), BufferedRecord.encode(record));
    held++;
    earliest = Math.min(earliest, t);
    metrics.buffered.incrementAndGet();
    advanceTo(context.currentStreamTimeMs() - windowMillis);
  }

  private void idle(long now) {
    long idleFor = now - lastRecordAt;
    if (idleFor >= tick.toMillis()) advanceTo(context.currentStreamTimeMs() + idleFor - windowMillis);
  }

  /**
   * Moves the watermark in steps of {@link #step} (W/200: 100 ms for 20 s, a delay nobody notices),
   * so that a busy partition opens a RocksDB iterator a few times a second, not per record. The scan
   * starts at the earliest record held: a scan from the start would wade through the tombstones of
   * every record already written until RocksDB compacts them.
   */
  private void advanceTo(long candidate) {
    if (candidate < watermark + step) return;
    watermark = candidate;
    marks.put(WATERMARK_KEY, watermark);
    if (earliest > watermark) return;
    Bytes from = BufferedRecord.key(earliest, 0);
    earliest = Long.MAX_VALUE;
    try (KeyValueIterator<Bytes, byte[]> it = buffer.range(from, BufferedRecord.key(Long.MAX_VALUE, Long.MAX_VALUE))) {
      while (it.hasNext()) {
        KeyValue<Bytes, byte[]> e = it.next();
        long t = BufferedRecord.receivedAt(e.key);
        if (t > watermark) {
          earliest = t;
          break;
        }
        emit(BufferedRecord.decode(e.value, t));
        buffer.delete(e.key);
        held--;
        metrics.buffered.decrementAndGet();
      }
    }
  }

  private void emit(Record<byte[], byte[]> record) {
    Emit.forward(context, record, metrics);
  }

  @Override
  public void close() {
    if (punctuation != null) punctuation.cancel();
    metrics.buffered.addAndGet(-held);
  }
}
