package dev.tributary.journal;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One journal's actions from one poll, reduced to at most one purge, one append and one delete,
 * applied in that order, with the same outcome as applying every action in turn (a property test
 * holds it to that): everything before the last Purge is dropped, Marks are dropped, the Appends
 * merge into one, the Deletes into the widest, and events that Delete hides are not written at all.
 *
 * <p>This relies on what writers guarantee: a Delete never reaches beyond the journal's last
 * sequence number at the time it is written ({@link Journal#delete} clamps it).
 */
record Compaction(JournalKey key, boolean purge, List<StoredEvent> events, long lastSeqNr, ActionRecord lastAppend,
                  long deleteTo, int partition, long lastOffset) {

  /** An event with what the store keeps beside it: its Append, where and when that was written. */
  record StoredEvent(Event event, Action.Append append, long offset, Instant timestamp, AppendMetadata metadata,
                     Map<String, String> headers) {}

  /** {@code actions}: one journal's records in offset order, at least one. */
  static Compaction of(List<ActionRecord> actions) {
    int start = 0;
    for (int i = 0; i < actions.size(); i++) if (actions.get(i).action() instanceof Action.Purge) start = i;
    boolean purge = actions.get(start).action() instanceof Action.Purge;
    List<StoredEvent> events = new ArrayList<>();
    long lastSeqNr = 0;
    long deleteTo = 0;
    ActionRecord lastAppend = null;
    for (ActionRecord r : actions.subList(start, actions.size())) {
      switch (r.action()) {
        case Action.Append a -> {
          for (Event e : r.events().events()) {
            events.add(new StoredEvent(e, a, r.offset(), r.timestamp(), r.events().metadata(), r.headers()));
          }
          lastSeqNr = Math.max(lastSeqNr, a.to());
          lastAppend = r;
        }
        case Action.Delete d -> deleteTo = Math.max(deleteTo, lastSeqNr > 0 ? Math.min(d.to(), lastSeqNr) : d.to());
        case Action.Purge p -> {}
        case Action.Mark m -> {}
      }
    }
    long hidden = deleteTo;
    events.removeIf(e -> e.event().seqNr() <= hidden);
    ActionRecord last = actions.getLast();
    return new Compaction(last.key(), purge, List.copyOf(events), lastSeqNr, lastAppend, deleteTo, last.partition(), last.offset());
  }
}
