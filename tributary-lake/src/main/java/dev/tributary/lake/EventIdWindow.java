package dev.tributary.lake;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The event_ids landed within the dedup window, in bounded memory. Each id is kept as a 64-bit
 * fingerprint (the first 8 bytes of its SHA-256: clients cannot aim a collision at another id,
 * and the chance of an accidental one among two million ids is about 10^-13 per lookup) with the
 * {@code received_at} of the landed copy. Entries leave oldest first: when a lookup is made for
 * an event received more than the window after them, or when there are {@code maxEntries}.
 * Expiry follows lookups, not additions, because additions may come out of time order (the
 * rebuild at start reads files of several partitions) while lookups follow the spool. Memory grows with use up to 48–80 bytes per entry of {@code maxEntries}
 * (a FIFO of fingerprint and time, and a linear-probing table at most half full): about
 * 100 MB for two million. Used by one thread.
 *
 * <p>Such a table is far larger than the CPU's caches, so each probe of a new id is a cache miss:
 * a slot keeps its fingerprint and time side by side ({@code slots[2i]}, {@code slots[2i+1]}) to
 * make that one miss, not two, and a caller that both looks an id up and adds it computes its
 * {@link #fingerprint} once. A caller with many ids at hand {@link #prefetch}es their slots first,
 * so that their misses overlap.
 */
final class EventIdWindow {

  private static final int INITIAL = 1024;

  private final long windowMillis;
  private final int maxEntries;
  private final MessageDigest sha256;

  // FIFO of insertions: ring[head .. head+size)
  private long[] ringFp;
  private long[] ringTime;
  private int head;
  private int size;

  // slot i: fingerprint at 2i (0 marks an empty slot; a fingerprint of 0 is stored as 1), received_at at 2i+1
  private long[] slots;
  private long prefetched;  // what prefetch read, kept so that the JIT cannot drop the reads

  EventIdWindow(long windowMillis, int maxEntries) {
    this.windowMillis = windowMillis;
    this.maxEntries = maxEntries;
    try {
      this.sha256 = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
    allocate(Math.min(INITIAL, maxEntries));
  }

  /**
   * True when the id of this {@link #fingerprint} landed with a {@code received_at} within the
   * window of this one.
   */
  boolean contains(long fingerprint, long receivedAtMillis) {
    while (size > 0 && ringTime[head] < receivedAtMillis - windowMillis) evictHead();
    int slot = find(fingerprint);
    return slot >= 0 && Math.abs(receivedAtMillis - slots[slot + 1]) <= windowMillis;
  }

  void add(String eventId, long receivedAtMillis) {
    add(fingerprint(eventId), receivedAtMillis);
  }

  /** As {@link #add(String, long)}, for the id of this {@link #fingerprint}. */
  void add(long fp, long receivedAtMillis) {
    if (size == maxEntries) evictHead();
    if (size == ringFp.length) grow();
    int tail = (head + size) % ringFp.length;
    ringFp[tail] = fp;
    ringTime[tail] = receivedAtMillis;
    size++;
    put(fp, receivedAtMillis);
  }

  int size() {
    return size;
  }

  /**
   * Reads, and changes nothing, the slots that {@link #contains} and {@link #add} will probe for
   * these fingerprints (a 0 is skipped), and those of the entries their adds will evict at the
   * entry bound. Each is a cache miss. Read here, back to back and independent of each other, many
   * are in flight at once; contains and add would wait for them one after another.
   */
  void prefetch(long[] fingerprints, int count) {
    long read = 0;
    int adds = 0;
    for (int i = 0; i < count; i++) {
      if (fingerprints[i] == 0) continue;
      read += slots[home(fingerprints[i])];
      adds++;
    }
    int evictions = Math.min(size, size + adds - maxEntries);
    for (int i = 0; i < evictions; i++) read += slots[home(ringFp[(head + i) % ringFp.length])];
    prefetched = read;
  }

  private void evictHead() {
    long fp = ringFp[head];
    int slot = find(fp);
    // a later add of the same id replaced the time; that entry belongs to a later ring element
    if (slot >= 0 && slots[slot + 1] == ringTime[head]) removeSlot(slot);
    head = (head + 1) % ringFp.length;
    size--;
  }

  /** The key the window keeps for {@code eventId}. */
  long fingerprint(String eventId) {
    long fp = ByteBuffer.wrap(sha256.digest(eventId.getBytes(StandardCharsets.UTF_8))).getLong();
    return fp == 0 ? 1 : fp;
  }

  /** The index in {@code slots} of the slot {@code fp} hashes to. */
  private int home(long fp) {
    return (int) fp << 1 & (slots.length - 1);
  }

  private int next(int i) {
    return i + 2 & (slots.length - 1);
  }

  /** The index in {@code slots} of {@code fp}'s slot, or -1. */
  private int find(long fp) {
    for (int i = home(fp); slots[i] != 0; i = next(i)) {
      if (slots[i] == fp) return i;
    }
    return -1;
  }

  private void put(long fp, long time) {
    int i = home(fp);
    while (slots[i] != 0 && slots[i] != fp) i = next(i);
    slots[i] = fp;
    slots[i + 1] = time;
  }

  /** Backward-shift deletion: keeps every remaining key reachable from its home slot without tombstones. */
  private void removeSlot(int hole) {
    for (int j = next(hole); slots[j] != 0; j = next(j)) {
      int k = home(slots[j]);
      boolean reachableWithoutHole = hole <= j ? (k > hole && k <= j) : (k > hole || k <= j);
      if (!reachableWithoutHole) {
        slots[hole] = slots[j];
        slots[hole + 1] = slots[j + 1];
        hole = j;
      }
    }
    slots[hole] = 0;
  }

  private void grow() {
    long[] oldFp = ringFp, oldTime = ringTime;
    int oldHead = head, n = size;
    allocate((int) Math.min((long) oldFp.length * 2, maxEntries));
    for (int i = 0; i < n; i++) {
      int from = (oldHead + i) % oldFp.length;
      ringFp[i] = oldFp[from];
      ringTime[i] = oldTime[from];
      put(oldFp[from], oldTime[from]);
    }
    size = n;
  }

  private void allocate(int ringCapacity) {
    ringFp = new long[ringCapacity];
    ringTime = new long[ringCapacity];
    head = 0;
    size = 0;
    slots = new long[Integer.highestOneBit(Math.max(2, ringCapacity) * 2 - 1) * 4];
  }
}
