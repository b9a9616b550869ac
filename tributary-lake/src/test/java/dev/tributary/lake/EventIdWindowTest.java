package dev.tributary.lake;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class EventIdWindowTest {

  private static final long MINUTE = 60_000;

  @Test
  void anIdLandedWithinTheWindowIsSeen() {
    EventIdWindow w = new EventIdWindow(10 * MINUTE, 1000);
    w.add("e1", 0);
    assertThat(w.contains(w.fingerprint("e1"), 5 * MINUTE)).isTrue();
    assertThat(w.contains(w.fingerprint("e2"), 5 * MINUTE)).isFalse();
  }

  @Test
  void anIdOlderThanTheWindowIsForgotten() {
    EventIdWindow w = new EventIdWindow(10 * MINUTE, 1000);
    w.add("e1", 0);
    w.add("e2", 11 * MINUTE);
    assertThat(w.contains(w.fingerprint("e1"), 11 * MINUTE)).isFalse();
    assertThat(w.size()).isEqualTo(1);
  }

  @Test
  void additionsOutOfTimeOrderDoNotExpireEachOther() {
    // the rebuild at start reads files of several partitions, so times jump back and forth
    EventIdWindow w = new EventIdWindow(10 * MINUTE, 1000);
    w.add("early", 0);
    w.add("late", 30 * MINUTE);
    assertThat(w.contains(w.fingerprint("early"), 5 * MINUTE)).isTrue();
    assertThat(w.contains(w.fingerprint("late"), 35 * MINUTE)).isTrue();
  }

  @Test
  void theOldestIdsLeaveFirstAtTheEntryBound() {
    EventIdWindow w = new EventIdWindow(10 * MINUTE, 3);
    for (int i = 0; i < 5; i++) w.add("e" + i, i);
    assertThat(w.size()).isEqualTo(3);
    assertThat(w.contains(w.fingerprint("e0"), 5)).isFalse();
    assertThat(w.contains(w.fingerprint("e1"), 5)).isFalse();
    assertThat(w.contains(w.fingerprint("e2"), 5)).isTrue();
    assertThat(w.contains(w.fingerprint("e4"), 5)).isTrue();
  }

  @Test
  void aPrefetchAtTheEntryBoundEvictsNothing() {
    EventIdWindow w = new EventIdWindow(10 * MINUTE, 3);
    for (int i = 0; i < 3; i++) w.add("e" + i, i);
    w.prefetch(new long[] {w.fingerprint("a"), 0, w.fingerprint("b"), w.fingerprint("c"), w.fingerprint("d")}, 5);
    assertThat(w.size()).isEqualTo(3);
    for (int i = 0; i < 3; i++) assertThat(w.contains(w.fingerprint("e" + i), 5)).isTrue();
  }

  @Test
  void agreesWithASimpleModelUnderRandomUse() {
    long seed = Long.getLong("seed", System.nanoTime());
    System.out.println("EventIdWindowTest seed=" + seed + " (replay with -Dseed=" + seed + ")");
    Random random = new Random(seed);
    int max = 5000;
    long window = 1000;
    EventIdWindow w = new EventIdWindow(window, max);
    Deque<String> fifo = new ArrayDeque<>();
    Map<String, Long> model = new HashMap<>();
    long now = 0;
    for (int i = 0; i < 200_000; i++) {
      now += random.nextInt(3);
      String id = "id" + random.nextInt(20_000);
      if (random.nextInt(8) == 0) prefetchSome(w, random);
      boolean expected = model.containsKey(id) && Math.abs(now - model.get(id)) <= window;
      expireModel(fifo, model, now - window);
      assertThat(w.contains(w.fingerprint(id), now)).as("step %d id %s", i, id).isEqualTo(expected);
      if (!expected) {
        if (fifo.size() == max) model.remove(fifo.removeFirst());
        fifo.addLast(id);
        model.put(id, now);
        w.add(id, now);
      }
    }
  }

  /** As the sink does before a chunk; it must change nothing, which the model checks. */
  private static void prefetchSome(EventIdWindow w, Random random) {
    long[] fingerprints = new long[random.nextInt(300)];
    int count = fingerprints.length == 0 ? 0 : random.nextInt(fingerprints.length + 1);
    for (int i = 0; i < count; i++) fingerprints[i] = random.nextInt(5) == 0 ? 0 : w.fingerprint("id" + random.nextInt(20_000));
    w.prefetch(fingerprints, count);
  }

  private static void expireModel(Deque<String> fifo, Map<String, Long> model, long oldest) {
    while (!fifo.isEmpty() && model.get(fifo.peekFirst()) < oldest) model.remove(fifo.removeFirst());
  }
}
