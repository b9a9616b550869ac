package dev.tributary.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ContiguousAckTrackerTest {

  @Test
  void acknowledgesOnlyUpToTheFirstUnconfirmedRecord() {
    ContiguousAckTracker t = new ContiguousAckTracker();
    long a = t.sent(10, 1), b = t.sent(11, 1), c = t.sent(12, 1);
    t.confirm(c);
    assertThat(t.contiguousOffset()).isEqualTo(-1);
    t.confirm(a);
    assertThat(t.contiguousOffset()).isEqualTo(10);
    t.confirm(b);
    assertThat(t.contiguousOffset()).isEqualTo(12);
    assertThat(t.idle()).isTrue();
  }

  @Test
  void gapsInSpoolOffsetsDoNotHoldTheAcknowledgementBack() {
    ContiguousAckTracker t = new ContiguousAckTracker();
    long a = t.sent(5, 1), b = t.sent(9, 1);
    t.confirm(b);
    t.confirm(a);
    assertThat(t.contiguousOffset()).isEqualTo(9);
  }

  @Test
  void outOfOrderConfirmationsMatchAModel() {
    long seed = Long.getLong("tributary.seed", System.nanoTime());
    System.out.println("ContiguousAckTrackerTest seed: " + seed + " (replay with -Dtributary.seed=" + seed + ")");
    Random random = new Random(seed);
    ContiguousAckTracker t = new ContiguousAckTracker();
    List<long[]> unconfirmed = new ArrayList<>();
    List<Long> offsets = new ArrayList<>();
    List<Boolean> done = new ArrayList<>();
    long offset = 0;
    for (int round = 0; round < 200; round++) {
      int burst = random.nextInt(50);
      for (int i = 0; i < burst; i++) {
        offset += 1 + (random.nextInt(10) == 0 ? random.nextInt(5) : 0);
        long ticket = t.sent(offset, 100);
        unconfirmed.add(new long[] {ticket, offsets.size()});
        offsets.add(offset);
        done.add(false);
      }
      Collections.shuffle(unconfirmed, random);
      int confirms = unconfirmed.isEmpty() ? 0 : random.nextInt(unconfirmed.size() + 1);
      for (int i = 0; i < confirms; i++) {
        long[] next = unconfirmed.removeLast();
        assertThat(t.confirm(next[0])).isTrue();
        done.set((int) next[1], true);
        assertThat(t.contiguousOffset()).as("seed %d", seed).isEqualTo(model(offsets, done));
      }
      assertThat(t.pendingBytes()).isEqualTo(100L * unconfirmed.size());
    }
  }

  private static long model(List<Long> offsets, List<Boolean> done) {
    long last = -1;
    for (int i = 0; i < offsets.size() && done.get(i); i++) last = offsets.get(i);
    return last;
  }

  @Test
  void confirmationsAfterAbandonDoNotCountAndReportWhatWillBeResent() {
    ContiguousAckTracker t = new ContiguousAckTracker();
    long a = t.sent(1, 1), b = t.sent(2, 1), c = t.sent(3, 1);
    t.confirm(b);
    t.confirm(c);
    assertThat(t.unconfirmed()).isEqualTo(1);
    assertThat(t.abandon()).containsExactly(2, 3);
    assertThat(t.confirm(a)).isFalse();
    assertThat(t.contiguousOffset()).isEqualTo(-1);
  }

  @Test
  void roomRunsOutByBytesOrByTrackedRecords() throws Exception {
    ContiguousAckTracker t = new ContiguousAckTracker();
    long a = t.sent(1, 600);
    t.sent(2, 10);
    assertThat(t.awaitRoom(500, 100, 1)).isFalse();
    assertThat(t.awaitRoom(1000, 2, 1)).isFalse();
    t.confirm(a);
    assertThat(t.awaitRoom(500, 2, 1)).isTrue();
  }

  @Test
  void firstFailureIsKeptUntilAbandoned() {
    ContiguousAckTracker t = new ContiguousAckTracker();
    RuntimeException first = new RuntimeException("first");
    t.fail(first);
    t.fail(new RuntimeException("second"));
    assertThat(t.failure()).isSameAs(first);
  }

  @Test
  void refusesOffsetsOutOfOrderAndUnknownTickets() {
    ContiguousAckTracker t = new ContiguousAckTracker();
    long a = t.sent(5, 1);
    assertThatThrownBy(() -> t.sent(5, 1)).isInstanceOf(IllegalArgumentException.class);
    t.confirm(a);
    assertThatThrownBy(() -> t.confirm(a)).isInstanceOf(IllegalArgumentException.class);
  }
}
