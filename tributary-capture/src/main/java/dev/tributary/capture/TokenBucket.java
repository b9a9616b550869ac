package dev.tributary.capture;

/**
 * An events-per-second limit: a bucket of {@code burst} tokens refilled at {@code rate} per
 * second; a request takes one token per event. A request larger than the burst passes when the
 * bucket is full and leaves it in debt, so the long-run rate holds for any request size.
 */
final class TokenBucket {

  private final double rate;
  private final double burst;
  private double tokens;
  private long lastNanos;

  TokenBucket(double rate, double burst, long nowNanos) {
    this.rate = rate;
    this.burst = burst;
    this.tokens = burst;
    this.lastNanos = nowNanos;
  }

  /** Takes {@code events} tokens and returns 0, or takes nothing and returns the seconds to wait. */
  synchronized long take(int events, long nowNanos) {
    tokens = Math.min(burst, tokens + (nowNanos - lastNanos) / 1e9 * rate);
    lastNanos = nowNanos;
    double needed = Math.min(events, burst);
    if (tokens >= needed) {
      tokens -= events;
      return 0;
    }
    return Math.max(1, (long) Math.ceil((needed - tokens) / rate));
  }

  double rate() {
    return rate;
  }
}
