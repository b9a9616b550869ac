package dev.tributary.journal;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.UUID;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.apache.kafka.common.TopicPartition;

/**
 * One journal. Writes are Kafka records (one per call, so a batch of events is atomic); reads merge
 * what the replicator put in the store with the head of the partition it has not replicated yet.
 * One writer per journal is assumed (as in kafka-journal): sequence numbers are the caller's.
 */
public final class Journal {
  private final Journals journals;
  private final JournalKey key;

  Journal(Journals journals, JournalKey key) {
    this.journals = journals;
    this.key = key;
  }

  public JournalKey key() {
    return key;
  }

  public PartitionOffset append(List<Event> events) {
    return append(events, AppendMetadata.EMPTY, Map.of());
  }

  /**
   * Appends {@code events} (contiguous ascending sequence numbers) as one Kafka record, with
   * {@code metadata} in the record and {@code headers} as Kafka headers.
   */
  public PartitionOffset append(List<Event> events, AppendMetadata metadata, Map<String, String> headers) {
    if (events.isEmpty()) throw new IllegalArgumentException("an append needs at least one event");
    for (int i = 1; i < events.size(); i++) {
      if (events.get(i).seqNr() != events.get(i - 1).seqNr() + 1) {
        throw new IllegalArgumentException("events must have contiguous sequence numbers; " + events.get(i - 1).seqNr()
            + " is followed by " + events.get(i).seqNr());
      }
    }
    EventsRecord record = EventsRecord.current(events, metadata);
    // kafka-journal always writes the header's metadata, {} when it has no data.
    Action.Append action = new Action.Append(events.getFirst().seqNr(), events.getLast().seqNr(), origin(), Journals.VERSION,
        record.payloadType(), JsonNodeFactory.instance.objectNode());
    return journals.send(JournalRecords.toRecord(key, action, EventsCodec.encode(record), headers));
  }

  /**
   * The events from sequence number {@code from} on, in order, as of the moment of the call. No event
   * is handed out before the unreplicated head has been checked for a Delete or Purge hiding it.
   * The stream holds at most a page of events in memory; close it (try-with-resources).
   */
  public Stream<Event> read(long from) {
    PartitionOffset mark = mark();
    HeadInfo head = head(mark);
    JournalReader reader = new JournalReader(journals, key, new TopicPartition(key.topic(), mark.partition()), mark.offset(),
        head, Math.max(1, from));
    return StreamSupport.stream(Spliterators.spliteratorUnknownSize(reader, Spliterator.ORDERED | Spliterator.NONNULL), false)
        .onClose(reader::close);
  }

  /** The last sequence number, or empty when the journal has none (never appended, or purged). */
  public OptionalLong pointer() {
    HeadInfo head = head(mark());
    return switch (head) {
      case HeadInfo.Purge p -> OptionalLong.empty();
      case HeadInfo.Append a -> OptionalLong.of(a.seqNr());
      case HeadInfo.Delete d -> {
        JournalStore.Meta meta = journals.store().meta(key);
        yield OptionalLong.of(meta == null ? d.to() : Math.max(meta.seqNr(), d.to()));
      }
      case HeadInfo.Empty e -> {
        JournalStore.Meta meta = journals.store().meta(key);
        yield meta == null ? OptionalLong.empty() : OptionalLong.of(meta.seqNr());
      }
    };
  }

  /** Deletes the events up to {@code to}, never beyond the last one; empty when the journal has no events. */
  public Optional<PartitionOffset> delete(long to) {
    OptionalLong pointer = pointer();
    if (pointer.isEmpty() || to < 1) return Optional.empty();
    Action.Delete action = new Action.Delete(Math.min(to, pointer.getAsLong()), origin(), Journals.VERSION);
    return Optional.of(journals.send(JournalRecords.toRecord(key, action, null, Map.of())));
  }

  /** Removes the whole journal; a later append starts again at sequence number 1. */
  public PartitionOffset purge() {
    return journals.send(JournalRecords.toRecord(key, new Action.Purge(origin(), Journals.VERSION), null, Map.of()));
  }

  PartitionOffset mark() {
    Action.Mark mark = new Action.Mark(UUID.randomUUID().toString(), origin(), Journals.VERSION);
    return journals.send(JournalRecords.toRecord(key, mark, null, Map.of()));
  }

  /** What the head up to {@code mark} does to the store: from the head cache, or read from Kafka. */
  HeadInfo head(PartitionOffset mark) {
    HeadCache cache = journals.headCache();
    if (cache != null) {
      Optional<HeadInfo> cached = cache.get(key, mark);
      if (cached.isPresent()) return cached.get();
    }
    OptionalLong pointer = journals.store().pointer(key.topic(), mark.partition());
    if (pointer.isPresent() && pointer.getAsLong() >= mark.offset()) return HeadInfo.EMPTY;
    long from = pointer.isPresent() ? pointer.getAsLong() + 1 : 0;
    HeadInfo head = HeadInfo.EMPTY;
    try (PartitionRange range = new PartitionRange(journals.consumers(), new TopicPartition(key.topic(), mark.partition()),
        key.id().getBytes(StandardCharsets.UTF_8), from, mark.offset())) {
      while (range.hasNext()) {
        var r = range.next();
        head = head.apply(JournalRecords.action(r), r.offset());
      }
    }
    return head;
  }

  private String origin() {
    return journals.config().origin();
  }
}
