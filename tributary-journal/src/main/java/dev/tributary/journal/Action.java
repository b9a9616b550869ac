package dev.tributary.journal;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The header of one journal record, as kafka-journal writes it in the Kafka header
 * {@code journal.action} (see {@link ActionHeader} for the JSON). {@code origin} (the writer's
 * host) and {@code version} (the writer library's version) may be null.
 */
sealed interface Action {
  String origin();

  String version();

  /** Events {@code from..to} (contiguous) in the record value, JSON or binary layout. */
  record Append(long from, long to, String origin, String version, PayloadType payloadType, JsonNode headerMetadata)
      implements Action {
    public Append {
      if (from < 1 || to < from) throw new IllegalArgumentException("bad sequence range " + from + ".." + to);
    }
  }

  /** Deletes the events up to {@code to} (never beyond the journal's last sequence number). */
  record Delete(long to, String origin, String version) implements Action {}

  /** Removes the whole journal; a later Append starts again at 1. */
  record Purge(String origin, String version) implements Action {}

  /** A reader's marker: reading the partition up to it sees every action written before the read began. */
  record Mark(String id, String origin, String version) implements Action {}

  /** How an Append's record value is laid out. */
  enum PayloadType {
    BINARY("binary"), JSON("json"), TEXT("text");

    final String wire;

    PayloadType(String wire) {
      this.wire = wire;
    }

    static PayloadType of(String wire) {
      for (PayloadType t : values()) if (t.wire.equals(wire)) return t;
      throw new IllegalArgumentException("unknown payloadType '" + wire + "'");
    }
  }
}
