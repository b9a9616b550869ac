package dev.tributary.spool;

import java.io.Closeable;
import java.io.IOException;
import java.time.Duration;
import java.util.List;

/**
 * A named reader of the spool. Reads in offset order from its position; {@link #acknowledge}
 * makes a position durable. After a restart it resumes after its last acknowledged offset.
 * One thread uses a cursor at a time.
 */
public final class SpoolCursor implements Closeable {

  public String name() {
    throw new UnsupportedOperationException("landing");
  }

  /** The offset the next {@link #poll} starts at. */
  public long position() {
    throw new UnsupportedOperationException("landing");
  }

  /** The offset after the last acknowledged one: where a restart resumes. */
  public long committed() {
    throw new UnsupportedOperationException("landing");
  }

  /**
   * Returns up to {@code maxRecords} records (and roughly at most {@code maxBytes}, but always at
   * least one record when one is there), waiting up to {@code timeout} for the first; an empty
   * list when none arrived in time.
   */
  public List<SpoolRecord> poll(int maxRecords, long maxBytes, Duration timeout) throws IOException, InterruptedException {
    throw new UnsupportedOperationException("landing");
  }

  /** Durably records that every record up to and including {@code offset} is processed. */
  public void acknowledge(long offset) throws IOException {
    throw new UnsupportedOperationException("landing");
  }

  /** Moves the read position back to the committed position, to read unacknowledged records again. */
  public void rewind() {
    throw new UnsupportedOperationException("landing");
  }

  @Override
  public void close() {
    throw new UnsupportedOperationException("landing");
  }
}
