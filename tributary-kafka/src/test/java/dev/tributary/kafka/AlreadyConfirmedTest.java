package dev.tributary.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class AlreadyConfirmedTest {

  @Test
  void skipsExactlyTheRememberedOffsetsWhenReadAgain() {
    AlreadyConfirmed a = new AlreadyConfirmed();
    a.remember(new long[] {12, 15});
    assertThat(a.contains(10)).isFalse();
    assertThat(a.contains(11)).isFalse();
    assertThat(a.contains(12)).isTrue();
    assertThat(a.contains(13)).isFalse();
    assertThat(a.contains(15)).isTrue();
    assertThat(a.contains(16)).isFalse();
    assertThat(a.remembered()).isZero();
  }

  @Test
  void aSecondFailureBeforeEverythingWasReadAgainKeepsTheRest() {
    AlreadyConfirmed a = new AlreadyConfirmed();
    a.remember(new long[] {5, 9, 20});
    assertThat(a.contains(5)).isTrue();
    // the new producer failed at offset 7 after getting 8 confirmed; the cursor rewinds again
    a.remember(new long[] {8});
    assertThat(a.contains(6)).isFalse();
    assertThat(a.contains(8)).isTrue();
    assertThat(a.contains(9)).isTrue();
    assertThat(a.contains(20)).isTrue();
  }

  @Test
  void rememberingNothingSkipsNothing() {
    AlreadyConfirmed a = new AlreadyConfirmed();
    a.remember(new long[0]);
    assertThat(a.contains(0)).isFalse();
  }
}
