package dev.tributary.spool;

/** One record read back from the spool: its offset, the time it was appended, and its bytes. */
public record SpoolRecord(long offset, long appendedAtMillis, byte[] payload) {}
