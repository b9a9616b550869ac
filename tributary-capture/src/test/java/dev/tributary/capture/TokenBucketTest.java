package dev.tributary.capture;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TokenBucketTest {

  private static final long SECOND = 1_000_000_000L;

  @Test
  void allowsTheBurstThenTheRate() {
    TokenBucket bucket = new TokenBucket(10, 20, 0);

    assertThat(bucket.take(20, 0)).isZero();
    assertThat(bucket.take(1, 0)).isEqualTo(1);
    assertThat(bucket.take(5, SECOND / 2)).isZero();
    assertThat(bucket.take(1, SECOND / 2)).isEqualTo(1);
    assertThat(bucket.take(10, 10 * SECOND)).as("refilled, capped at the burst").isZero();
  }

  @Test
  void aRequestLargerThanTheBurstPassesOnAFullBucketAndLeavesDebt() {
    TokenBucket bucket = new TokenBucket(10, 20, 0);

    assertThat(bucket.take(100, 0)).isZero();
    assertThat(bucket.take(1, 0)).as("80 events of debt at 10/s, plus one").isEqualTo(9);
    assertThat(bucket.take(1, 9 * SECOND)).isZero();
  }
}
