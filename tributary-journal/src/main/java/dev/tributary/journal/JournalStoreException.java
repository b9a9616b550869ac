package dev.tributary.journal;

/** The store (PostgreSQL or Cassandra) failed or refused a journal operation; the message says what it said. */
public final class JournalStoreException extends RuntimeException {
  JournalStoreException(String message, Throwable cause) {
    super(message, cause);
  }
}
