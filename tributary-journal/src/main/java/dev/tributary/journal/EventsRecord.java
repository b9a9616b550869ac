package dev.tributary.journal;

import java.util.List;

/**
 * The decoded value of an Append record: its events and metadata, with the layout version it was
 * read in (0: the older layout without metadata; 1: the current one), so it re-encodes identically.
 */
record EventsRecord(int version, List<Event> events, AppendMetadata metadata) {
  EventsRecord {
    events = List.copyOf(events);
    if (metadata == null) metadata = AppendMetadata.EMPTY;
  }

  static EventsRecord current(List<Event> events, AppendMetadata metadata) {
    return new EventsRecord(1, events, metadata);
  }

  /** The header's payload type: binary as soon as one event has a binary payload, as kafka-journal chooses. */
  Action.PayloadType payloadType() {
    return events.stream().anyMatch(e -> e.payload() instanceof Payload.Binary) ? Action.PayloadType.BINARY : Action.PayloadType.JSON;
  }
}
