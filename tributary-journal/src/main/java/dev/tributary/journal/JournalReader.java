package dev.tributary.journal;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.kafka.common.TopicPartition;

/**
 * Streams a journal's events once its head is known: first the store's (unless the head purged
 * them), a page at a time, from past what a head Delete hides; then the head's Appends from Kafka up
 * to the reader's Mark, skipping sequence numbers already handed out.
 */
final class JournalReader implements Iterator<Event>, AutoCloseable {
  private static final int PAGE = 1000;

  private final Journals journals;
  private final JournalKey key;
  private final TopicPartition tp;
  private final long markOffset;
  private final HeadInfo head;
  private final long firstSeqNr;
  private final Deque<Event> buffered = new ArrayDeque<>();
  private long next;
  private boolean storeDone;
  private PartitionRange kafka;
  private boolean kafkaDone;

  JournalReader(Journals journals, JournalKey key, TopicPartition tp, long markOffset, HeadInfo head, long from) {
    this.journals = journals;
    this.key = key;
    this.tp = tp;
    this.markOffset = markOffset;
    this.head = head;
    long hidden = switch (head) {
      case HeadInfo.Delete d -> d.to();
      case HeadInfo.Append a -> a.deleteTo();
      default -> 0;
    };
    this.firstSeqNr = Math.max(from, hidden + 1);
    this.next = firstSeqNr;
    this.storeDone = head instanceof HeadInfo.Purge || head instanceof HeadInfo.Append a && a.afterPurge();
    this.kafkaDone = !(head instanceof HeadInfo.Append);
  }

  @Override
  public boolean hasNext() {
    while (buffered.isEmpty() && !(storeDone && kafkaDone)) {
      if (!storeDone) readStorePage();
      else readKafka();
    }
    return !buffered.isEmpty();
  }

  private void readStorePage() {
    List<Event> page = journals.store().events(key, next, PAGE);
    for (Event e : page) offer(e);
    if (page.size() < PAGE) storeDone = true;
  }

  private void readKafka() {
    if (kafka == null) {
      HeadInfo.Append a = (HeadInfo.Append) head;
      kafka = new PartitionRange(journals.consumers(), tp, key.id().getBytes(StandardCharsets.UTF_8), a.offset(), markOffset);
    }
    if (!kafka.hasNext()) {
      kafkaDone = true;
      return;
    }
    ActionRecord r = JournalRecords.decode(kafka.next());
    if (r.action() instanceof Action.Append) {
      for (Event e : r.events().events()) offer(e);
    }
  }

  private void offer(Event e) {
    if (e.seqNr() < next) return;
    buffered.add(e);
    next = e.seqNr() + 1;
  }

  @Override
  public Event next() {
    if (!hasNext()) throw new NoSuchElementException();
    return buffered.poll();
  }

  @Override
  public void close() {
    if (kafka != null) kafka.close();
  }
}
