package dev.tributary.journal;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/**
 * One journal's records in {@code [from, until)} of one partition, read lazily with a pooled consumer
 * (at most one poll's records in memory). Other journals' records are skipped by comparing keys,
 * without looking at their values.
 */
final class PartitionRange implements Iterator<ConsumerRecord<byte[], byte[]>>, AutoCloseable {
  private static final Duration POLL = Duration.ofMillis(200);
  private static final Duration STALL = Duration.ofSeconds(30);

  private final ConsumerPool pool;
  private final TopicPartition tp;
  private final byte[] key;
  private final long until;
  private final Deque<ConsumerRecord<byte[], byte[]>> buffered = new ArrayDeque<>();
  private KafkaConsumer<byte[], byte[]> consumer;
  private boolean done;

  PartitionRange(ConsumerPool pool, TopicPartition tp, byte[] key, long from, long until) {
    this.pool = pool;
    this.tp = tp;
    this.key = key;
    this.until = until;
    this.done = from >= until;
    if (!done) {
      consumer = pool.borrow();
      boolean ok = false;
      try {
        consumer.assign(List.of(tp));
        consumer.seek(tp, from);
        ok = true;
      } finally {
        if (!ok) release(false);
      }
    }
  }

  @Override
  public boolean hasNext() {
    long stalledSince = System.nanoTime();
    while (buffered.isEmpty() && !done) {
      if (consumer.position(tp) >= until) {
        done = true;
        break;
      }
      var records = consumer.poll(POLL).records(tp);
      if (records.isEmpty() && System.nanoTime() - stalledSince > STALL.toNanos()) {
        release(false);
        throw new IllegalStateException("Kafka gave nothing from " + tp + " for " + STALL.toSeconds()
            + " s while reading a journal's head up to offset " + until);
      }
      for (ConsumerRecord<byte[], byte[]> r : records) {
        if (r.offset() >= until) {
          done = true;
          break;
        }
        if (Arrays.equals(r.key(), key)) buffered.add(r);
      }
      if (!records.isEmpty()) stalledSince = System.nanoTime();
    }
    if (done && buffered.isEmpty()) release(true);
    return !buffered.isEmpty();
  }

  @Override
  public ConsumerRecord<byte[], byte[]> next() {
    if (!hasNext()) throw new NoSuchElementException();
    return buffered.poll();
  }

  private void release(boolean healthy) {
    if (consumer != null) {
      KafkaConsumer<byte[], byte[]> c = consumer;
      consumer = null;
      done = true;
      pool.giveBack(c, healthy);
    }
  }

  @Override
  public void close() {
    release(true);
  }
}
