package dev.tributary.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The runner end to end at a gentle rate: the real capture server over the real spool and over SQLite. */
class CaptureBenchmarkTest {

  @Test
  void runsTheSameLoadsAgainstBothLogsAndTabulatesThem() throws Exception {
    // A loose 50% rule: this checks the plumbing, and 1 s steps on a busy machine lose a few percent to the last answer.
    var settings = new CaptureBenchmark.Settings(List.of(50.0), Duration.ofSeconds(1), Duration.ZERO, 1024,
        10, new RateSearch(20, 1.5, 30, 0, 0.5, 10_000), Duration.ofSeconds(1), Duration.ZERO, 4, 64,
        Duration.ofSeconds(1));

    CaptureBenchmark.Report report = new CaptureBenchmark(settings, CaptureLauncher.captureServer()).run();

    for (String log : List.of("spool", "sqlite")) {
      LoadResult single = report.fixed().get(log).get(0);
      assertThat(single.errors()).as(log + " errors").isEmpty();
      assertThat(single.ok()).as(log + " answered 200").isEqualTo(50);
      RateSearch.Outcome search = report.searches().get(log);
      assertThat(search.steps()).extracting(s -> s.options().requestsPerSecond()).containsExactly(20.0, 30.0);
      assertThat(search.best()).as(log + " sustains 30 req/s of 10 events").isPresent();
    }
    assertThat(report.toTable()).contains("50 req/s x 1 event", "spool", "sqlite", "spool / sqlite events/s");
  }

  @Test
  void refusesUnknownOptionsAndNamesTheKnownOnes() {
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> CaptureBenchmark.parse(new String[] {"--rate", "5"}, CaptureBenchmark.Settings.defaults()))
        .hasMessageContaining("unknown option --rate").hasMessageContaining("--rates");
  }
}
