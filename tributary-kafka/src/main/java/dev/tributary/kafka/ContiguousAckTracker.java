package dev.tributary.kafka;

import java.util.Arrays;

/**
 * Which spool offsets Kafka has confirmed, and the highest offset at or below which every sent
 * record is confirmed: the only position the forwarder's cursor may acknowledge, whatever order
 * the confirmations arrive in. Offsets are sent in increasing order (gaps allowed). One tracker
 * serves one producer; when that producer fails the tracker is abandoned and later confirmations
 * of its records are ignored. Thread-safe: the forwarder sends, the producer's thread confirms.
 * Memory is one ring entry per record from the oldest unconfirmed one to the newest sent one.
 */
final class ContiguousAckTracker {
  private long[] offsets = new long[1024];
  private long[] sentNanos = new long[1024];
  private int[] sizes = new int[1024];
  private boolean[] confirmed = new boolean[1024];
  private long head;
  private long next;
  private long lastSentOffset = -1;
  private long contiguous = -1;
  private long pendingBytes;
  private long confirmedAhead;
  private boolean abandoned;
  private Throwable failure;

  /** Registers a record about to be sent; returns its ticket for {@link #confirm}. */
  synchronized long sent(long offset, int bytes) {
    if (offset <= lastSentOffset) {
      throw new IllegalArgumentException("offset " + offset + " sent after offset " + lastSentOffset);
    }
    if (next - head == offsets.length) grow();
    int i = index(next);
    offsets[i] = offset;
    sentNanos[i] = System.nanoTime();
    sizes[i] = bytes;
    confirmed[i] = false;
    lastSentOffset = offset;
    pendingBytes += bytes;
    return next++;
  }

  /** Marks a record confirmed; false when the tracker was abandoned (the confirmation no longer counts). */
  synchronized boolean confirm(long ticket) {
    if (abandoned) return false;
    if (ticket < head || ticket >= next || confirmed[index(ticket)]) {
      throw new IllegalArgumentException("ticket " + ticket + " is not pending");
    }
    int i = index(ticket);
    confirmed[i] = true;
    pendingBytes -= sizes[i];
    confirmedAhead++;
    while (head < next && confirmed[index(head)]) {
      contiguous = offsets[index(head)];
      confirmedAhead--;
      head++;
    }
    notifyAll();
    return true;
  }

  /** The highest offset at or below which every sent record is confirmed, or -1 when there is none yet. */
  synchronized long contiguousOffset() {
    return contiguous;
  }

  /** Bytes of records sent and not yet confirmed. */
  synchronized long pendingBytes() {
    return pendingBytes;
  }

  synchronized boolean idle() {
    return head == next;
  }

  /** When the oldest unconfirmed record was sent (System.nanoTime()), or now when none is. */
  synchronized long oldestPendingSentNanos() {
    return head == next ? System.nanoTime() : sentNanos[index(head)];
  }

  /**
   * Waits until fewer than {@code bytes} are pending and fewer than {@code records} are tracked
   * (true), or the timeout passes, a failure is recorded or the tracker is abandoned (false).
   */
  synchronized boolean awaitRoom(long bytes, long records, long timeoutMillis) throws InterruptedException {
    long deadline = System.currentTimeMillis() + timeoutMillis;
    long left;
    while ((pendingBytes >= bytes || next - head >= records) && failure == null && !abandoned
        && (left = deadline - System.currentTimeMillis()) > 0) {
      wait(left);
    }
    return pendingBytes < bytes && next - head < records;
  }

  /** Records the first failure of this tracker's producer; ignored once abandoned. */
  synchronized void fail(Throwable cause) {
    if (!abandoned && failure == null) {
      failure = cause;
      notifyAll();
    }
  }

  synchronized Throwable failure() {
    return failure;
  }

  synchronized boolean isAbandoned() {
    return abandoned;
  }

  /**
   * Stops counting confirmations. Returns the offsets Kafka confirmed beyond the contiguous offset,
   * in increasing order: they need not be sent again.
   */
  synchronized long[] abandon() {
    abandoned = true;
    notifyAll();
    long[] ahead = new long[(int) confirmedAhead];
    int n = 0;
    for (long t = head; t < next; t++) {
      if (confirmed[index(t)]) ahead[n++] = offsets[index(t)];
    }
    return Arrays.copyOf(ahead, n);
  }

  /** Records sent and neither confirmed nor set aside: after a producer failure, the only ones Kafka may hold twice. */
  synchronized long unconfirmed() {
    return next - head - confirmedAhead;
  }

  private int index(long ticket) {
    return (int) (ticket % offsets.length);
  }

  private void grow() {
    int capacity = offsets.length * 2;
    long[] o = new long[capacity];
    long[] at = new long[capacity];
    int[] s = new int[capacity];
    boolean[] c = new boolean[capacity];
    for (long t = head; t < next; t++) {
      int from = index(t);
      int to = (int) (t % capacity);
      o[to] = offsets[from];
      at[to] = sentNanos[from];
      s[to] = sizes[from];
      c[to] = confirmed[from];
    }
    offsets = o;
    sentNanos = at;
    sizes = s;
    confirmed = c;
  }
}
