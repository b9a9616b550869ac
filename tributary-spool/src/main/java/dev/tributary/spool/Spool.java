package dev.tributary.spool;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The local durable log. Many threads append; one writer thread writes what they handed it as
 * one batch and makes it durable with one {@code force} (group commit). Named cursors read in
 * order and acknowledge durably; a segment every cursor has acknowledged is deleted.
 */
public final class Spool implements Closeable {

  /** Opens (creating if needed) the spool in {@code config.directory()}, recovering its tail. */
  public static Spool open(SpoolConfig config) throws IOException {
    throw new UnsupportedOperationException("landing");
  }

  /** Appends one record; the future completes with its offset once durable under the policy. */
  public CompletableFuture<Long> append(byte[] payload) {
    return append(List.of(payload));
  }

  /**
   * Appends records atomically: after a crash all of them or none are there. The future
   * completes with the offset of the first once all are durable, or fails at once with
   * {@link SpoolFullException} when they do not fit.
   */
  public CompletableFuture<Long> append(List<byte[]> batch) {
    throw new UnsupportedOperationException("landing");
  }

  /** Opens the named cursor, at its last acknowledged position (the oldest record for a new one). */
  public SpoolCursor cursor(String name) throws IOException {
    throw new UnsupportedOperationException("landing");
  }

  /** The offset the next append will get. */
  public long nextOffset() {
    throw new UnsupportedOperationException("landing");
  }

  /** Bytes that can still be appended before appends fail with {@link SpoolFullException}. Cheap. */
  public long freeBytes() {
    throw new UnsupportedOperationException("landing");
  }

  public SpoolUsage usage() {
    throw new UnsupportedOperationException("landing");
  }

  public SpoolConfig config() {
    throw new UnsupportedOperationException("landing");
  }

  /** Waits for appends already handed to the writer, then releases files and the lock. */
  @Override
  public void close() {
    throw new UnsupportedOperationException("landing");
  }

  Path directory() {
    return config().directory();
  }
}
