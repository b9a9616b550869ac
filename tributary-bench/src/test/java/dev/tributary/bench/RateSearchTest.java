package dev.tributary.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The search logic alone, over a modelled server that serves at most 1,000 req/s. */
class RateSearchTest {

  private static final LoadResult.Latency ZERO = new LoadResult.Latency(100, 0, 0, 0, 0, 0);
  private static final LoadOptions BASE = LoadOptions.defaults(URI.create("http://127.0.0.1:1/v1/events"));

  private static LoadResult serverOfCapacity(LoadOptions o, double capacity) {
    double achieved = Math.min(o.requestsPerSecond(), capacity);
    double p99 = o.requestsPerSecond() > capacity ? 5_000 : 2;
    return new LoadResult(o, 100, 100, Map.of(), 0, achieved, new LoadResult.Latency(100, 1, 1, p99, p99, p99), ZERO);
  }

  @Test
  void climbsUntilTheServerFallsBehindThenBisects() {
    RateSearch.Outcome outcome = RateSearch.defaults().find(BASE, o -> serverOfCapacity(o, 1000));

    // 100, 150, 225, 337.5, 506, 759, 1139 (fails), then bisecting: 949 (held), 1044 (P99 explodes)
    assertThat(outcome.steps()).hasSize(7 + 2);
    assertThat(outcome.best()).isPresent();
    double best = outcome.best().get().options().requestsPerSecond();
    assertThat(best).isCloseTo(949.2, org.assertj.core.data.Offset.offset(0.1));
    assertThat(outcome.toTable()).contains("highest sustained");
  }

  @Test
  void reportsNoRateWhenTheFirstStepFails() {
    RateSearch.Outcome outcome = RateSearch.defaults().find(BASE, o -> serverOfCapacity(o, 10));

    assertThat(outcome.steps()).hasSize(1);
    assertThat(outcome.best()).isEmpty();
  }

  @Test
  void errorsMakeAStepFailEvenAtFullRate() {
    RateSearch.Outcome outcome = RateSearch.defaults().find(BASE, o -> new LoadResult(o, 100, 99,
        Map.of("503", 1L), 0, o.requestsPerSecond(), new LoadResult.Latency(99, 1, 1, 1, 1, 1), ZERO));

    assertThat(outcome.best()).isEmpty();
  }
}
