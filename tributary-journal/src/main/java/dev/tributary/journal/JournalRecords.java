package dev.tributary.journal;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * Journal actions as Kafka records (kafka-journal's layout): the key is the journal id (UTF-8), the
 * header {@code journal.action} the action ({@link ActionHeader}), the value an Append's events
 * ({@link EventsCodec}) and null for every other action. An Append's user headers travel as further
 * Kafka headers.
 */
final class JournalRecords {
  private JournalRecords() {}

  static ProducerRecord<byte[], byte[]> toRecord(JournalKey key, Action action, byte[] value, Map<String, String> headers) {
    RecordHeaders h = new RecordHeaders();
    h.add(new RecordHeader(ActionHeader.NAME, ActionHeader.encode(action)));
    headers.forEach((k, v) -> {
      if (k.equals(ActionHeader.NAME)) throw new IllegalArgumentException("header " + k + " is the journal's own");
      h.add(new RecordHeader(k, v.getBytes(StandardCharsets.UTF_8)));
    });
    return new ProducerRecord<>(key.topic(), null, key.id().getBytes(StandardCharsets.UTF_8), value, h);
  }

  /** The action of a record from its header alone, without touching its value. */
  static Action action(ConsumerRecord<byte[], byte[]> r) {
    Header h = r.headers().lastHeader(ActionHeader.NAME);
    if (h == null) throw new IllegalArgumentException("the record has no " + ActionHeader.NAME + " header");
    return ActionHeader.decode(h.value());
  }

  /** Decodes a whole record; throws IllegalArgumentException saying what is wrong with it. */
  static ActionRecord decode(ConsumerRecord<byte[], byte[]> r) {
    try {
      if (r.key() == null) throw new IllegalArgumentException("the record has no key (journal id)");
      Action action = action(r);
      EventsRecord events = null;
      Map<String, String> headers = Map.of();
      if (action instanceof Action.Append a) {
        events = EventsCodec.decode(a.payloadType(), r.value());
        checkRange(a, events);
        headers = userHeaders(r);
      }
      JournalKey key = new JournalKey(r.topic(), new String(r.key(), StandardCharsets.UTF_8));
      return new ActionRecord(key, r.partition(), r.offset(), Instant.ofEpochMilli(r.timestamp()), action, events, headers);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("record " + r.topic() + "-" + r.partition() + "@" + r.offset() + ": " + e.getMessage(), e);
    }
  }

  private static void checkRange(Action.Append a, EventsRecord events) {
    long expected = a.from();
    for (Event e : events.events()) {
      if (e.seqNr() != expected++) {
        throw new IllegalArgumentException("the Append's events do not run " + a.from() + ".." + a.to() + " without gaps");
      }
    }
    if (expected != a.to() + 1) throw new IllegalArgumentException("the Append's events do not end at " + a.to());
  }

  private static Map<String, String> userHeaders(ConsumerRecord<byte[], byte[]> r) {
    Map<String, String> out = new LinkedHashMap<>();
    for (Header h : r.headers()) {
      if (!h.key().equals(ActionHeader.NAME)) out.put(h.key(), h.value() == null ? "" : new String(h.value(), StandardCharsets.UTF_8));
    }
    return out;
  }
}
