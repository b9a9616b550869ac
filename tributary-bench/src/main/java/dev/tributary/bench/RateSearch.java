package dev.tributary.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds the highest request rate a server sustains: run a load at {@code startRate}, multiply
 * the rate by {@code growth} while it is sustained (at least {@code minAchievedRatio} of the
 * target achieved, no errors, P99 at most {@code p99LimitMillis}), then bisect {@code
 * refinements} times between the last sustained and the first failed rate.
 */
public record RateSearch(double startRate, double growth, double maxRate, int refinements,
                         double minAchievedRatio, double p99LimitMillis) {

  private static final Logger log = LoggerFactory.getLogger(RateSearch.class);

  public RateSearch {
    if (!(startRate > 0)) throw new IllegalArgumentException("start rate must be positive, got " + startRate);
    if (!(growth > 1)) throw new IllegalArgumentException("growth must be above 1, got " + growth);
    if (maxRate < startRate) throw new IllegalArgumentException("max rate " + maxRate + " is below the start rate " + startRate);
    if (refinements < 0) throw new IllegalArgumentException("refinements must not be negative, got " + refinements);
  }

  /**
   * From 100 req/s, ×1.5 per step up to 100,000 req/s, 2 bisections; sustained = ≥ 95% achieved,
   * no errors, P99 ≤ 1 s. Past its capacity an open-loop server's queue grows for the whole step:
   * a few percent over already fails the 95% (answers trail past the step's end) and P99 runs
   * into seconds, while a shared machine's scheduling hiccups stay in the hundreds of ms.
   */
  public static RateSearch defaults() {
    return new RateSearch(100, 1.5, 100_000, 2, 0.95, 1_000);
  }

  public RateSearch withStartRate(double r) { return new RateSearch(r, growth, maxRate, refinements, minAchievedRatio, p99LimitMillis); }
  public RateSearch withP99LimitMillis(double l) { return new RateSearch(startRate, growth, maxRate, refinements, minAchievedRatio, l); }

  /** Every step run, in order, and the sustained step with the highest rate (empty if even the first failed). */
  public record Outcome(List<LoadResult> steps, Optional<LoadResult> best) {
    public String toTable() {
      StringBuilder out = new StringBuilder(String.format("%12s %12s %12s %9s %9s %9s  %s%n",
          "target/s", "achieved/s", "events/s", "p50 ms", "p99 ms", "max ms", "errors"));
      for (LoadResult s : steps) {
        out.append(String.format("%,12.0f %,12.0f %,12.0f %9s %9s %9s  %s%n",
            s.options().requestsPerSecond(), s.achievedRequestsPerSecond(), s.eventsPerSecond(),
            LoadResult.f(s.latency().p50()), LoadResult.f(s.latency().p99()), LoadResult.f(s.latency().max()),
            s.describeErrors()));
      }
      out.append(best.map(b -> String.format("highest sustained: %,.0f req/s = %,.0f events/s",
          b.achievedRequestsPerSecond(), b.eventsPerSecond())).orElse("highest sustained: none (the first step already failed)"));
      return out.toString();
    }
  }

  /** Runs the search; {@code runStep} runs one load (for example against a fresh server each time). */
  public Outcome find(LoadOptions base, Function<LoadOptions, LoadResult> runStep) {
    List<LoadResult> steps = new ArrayList<>();
    LoadResult best = null;
    double failedRate = Double.NaN;
    for (double rate = startRate; ; rate = Math.min(rate * growth, maxRate)) {
      LoadResult step = step(base.withRate(rate), runStep, steps);
      if (!held(step)) {
        failedRate = rate;
        break;
      }
      best = step;
      if (rate >= maxRate) break;
    }
    for (int i = 0; i < refinements && best != null && !Double.isNaN(failedRate); i++) {
      double rate = (best.options().requestsPerSecond() + failedRate) / 2;
      LoadResult step = step(base.withRate(rate), runStep, steps);
      if (held(step)) best = step; else failedRate = rate;
    }
    return new Outcome(List.copyOf(steps), Optional.ofNullable(best));
  }

  private LoadResult step(LoadOptions options, Function<LoadOptions, LoadResult> runStep, List<LoadResult> steps) {
    LoadResult result = runStep.apply(options);
    steps.add(result);
    log.info("rate search: {} req/s target, {} achieved, p99 {} ms, errors {}: {}",
        Math.round(options.requestsPerSecond()), Math.round(result.achievedRequestsPerSecond()),
        LoadResult.f(result.latency().p99()), result.describeErrors(), held(result) ? "sustained" : "not sustained");
    return result;
  }

  private boolean held(LoadResult result) {
    return result.sustained(minAchievedRatio, p99LimitMillis);
  }
}
