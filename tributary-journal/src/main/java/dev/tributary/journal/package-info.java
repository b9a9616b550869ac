/**
 * Event sourcing on Kafka (kafka-journal's wire format) with a PostgreSQL or Cassandra read store.
 *
 * <p>{@link dev.tributary.journal.Journals} gives {@link dev.tributary.journal.Journal}s to append to,
 * read, delete from and purge; {@link dev.tributary.journal.Replicator} copies the journal topics into
 * the store; {@link dev.tributary.journal.PurgeExpired} turns expireAfter into purges. The format is in
 * {@code ActionHeader}, {@code EventsCodec} and {@code JournalRecords}, and docs/journal-format.md.
 */
package dev.tributary.journal;
