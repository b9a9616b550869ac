package dev.tributary.journal;

import java.time.Instant;
import java.util.Map;

/**
 * One decoded journal record as the replicator applies it: the action, where it was in Kafka, when
 * it was written, and for an Append its events, metadata and user headers (null otherwise).
 */
record ActionRecord(JournalKey key, int partition, long offset, Instant timestamp, Action action, EventsRecord events,
                    Map<String, String> headers) {}
