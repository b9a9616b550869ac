package dev.tributary.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tributary.spool.FsyncPolicy;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The bus runner end to end for a second per load: real bus, real HTTP, every answer a 200. */
class BusBenchmarkTest {

  @Test
  void measuresEveryCombinationAndTabulatesIt() throws Exception {
    var settings = new BusBenchmark.Settings(List.of(FsyncPolicy.ALWAYS), List.of(1, 4), List.of(2), 100, Duration.ZERO,
        Duration.ofSeconds(1));
    List<BusBenchmark.Result> results = BusBenchmark.run(settings);
    assertThat(results).extracting(BusBenchmark.Result::messagesPerRequest).containsExactly(1, 4);
    for (BusBenchmark.Result r : results) {
      assertThat(r.errors()).isEmpty();
      assertThat(r.requests()).isPositive();
    }
    assertThat(BusBenchmark.table(settings, results)).contains("messages/s", "always");
  }

  @Test
  void bodiesAreWholeMessagesOfTheGivenSize() {
    byte[] body = BusBenchmark.body(3, 10);
    assertThat(body).hasSize(30);
    assertThat(new String(body).split("\n")).hasSize(3).allMatch(m -> m.length() == 9);
  }
}
