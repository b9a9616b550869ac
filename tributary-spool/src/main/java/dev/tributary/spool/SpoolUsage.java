package dev.tributary.spool;

import java.util.List;

/**
 * A snapshot of what the spool holds.
 *
 * @param bytes bytes of records in segment files (the segment being written also has preallocated zeros)
 * @param records offsets spanned from the oldest retained record to the next offset
 * @param segments number of segment files
 * @param firstOffset offset of the oldest retained record
 * @param nextOffset offset the next append will get
 * @param maxBytes the configured capacity
 * @param cursors lag of every known cursor
 */
public record SpoolUsage(long bytes, long records, int segments, long firstOffset, long nextOffset,
                         long maxBytes, List<CursorLag> cursors) {

  /**
   * How far a cursor is behind the end of the spool.
   *
   * @param name the cursor's name
   * @param position the next offset the cursor will read (its acknowledged offset + 1)
   * @param records records not yet acknowledged
   * @param bytes bytes of those records on disk
   * @param oldestAgeMillis age of the oldest unacknowledged record, 0 when there is none
   */
  public record CursorLag(String name, long position, long records, long bytes, long oldestAgeMillis) {}
}
