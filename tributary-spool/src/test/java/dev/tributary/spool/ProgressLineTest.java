package dev.tributary.spool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ProgressLineTest {
  @Test
  void aLineSaysHowFarHowFastAndHowLongIsLeft() {
    assertThat(ProgressLine.format("tributary x", ProgressLine.Reading.of(1_200, 5_000, "records"), 600, null))
        .isEqualTo("tributary x: 1,200 / 5,000 records (24%), 600 records/s, ETA 6s");
    assertThat(ProgressLine.format("tributary x", ProgressLine.Reading.of(100, 10_000, "records").and("Kafka unreachable"), 10, null))
        .isEqualTo("tributary x: 100 / 10,000 records (1%), 10 records/s, ETA 16m30s; Kafka unreachable");
    assertThat(ProgressLine.format("tributary x", ProgressLine.Reading.bytes(3 << 20, 12 << 20), 1.5 * (1 << 20), null))
        .isEqualTo("tributary x: 3.0 / 12.0 MiB (25%), 1.5 MiB/s, ETA 6s");
    assertThat(ProgressLine.format("tributary x", ProgressLine.Reading.bytes(3 << 20, -1).and("12 events accepted"), 1.5 * (1 << 20), null))
        .isEqualTo("tributary x: 3.0 MiB, 1.5 MiB/s; 12 events accepted");
    assertThat(ProgressLine.format("tributary x", ProgressLine.Reading.of(99, 100, "records"), 50, null))
        .isEqualTo("tributary x: 99 / 100 records (99%), 50 records/s, ETA <1s");
  }

  @Test
  void withNothingDoneLatelyThereIsNoEstimateAndTheLastLineSaysHowLongItTook() {
    assertThat(ProgressLine.format("tributary x", ProgressLine.Reading.of(0, 50, "records"), 0, null))
        .isEqualTo("tributary x: 0 / 50 records (0%), 0 records/s");
    assertThat(ProgressLine.format("tributary x", ProgressLine.Reading.of(50, 50, "records"), 10, 5.0))
        .isEqualTo("tributary x: 50 / 50 records (100%), 10 records/s, in 5.0 s");
    assertThat(ProgressLine.format("tributary x", ProgressLine.Reading.of(0, 0, "records"), 0, 5.0))
        .isEqualTo("tributary x: 0 / 0 records (100%), 0 records/s, in 5.0 s");
  }

  @Test
  void workEndingWithinTheFirstIntervalPrintsNothing() {
    StringWriter err = new StringWriter();
    ProgressLine.start(new PrintWriter(err), "tributary x", Duration.ofHours(1), () -> ProgressLine.Reading.of(1, 1, "records")).close();
    assertThat(err.toString()).isEmpty();
  }

  @Test
  void longerWorkPrintsALineEveryIntervalAndALastOneWhenItEnds() {
    StringWriter err = new StringWriter();
    AtomicLong done = new AtomicLong();
    try (ProgressLine progress = ProgressLine.start(new PrintWriter(err), "tributary x", Duration.ofMillis(5),
        () -> ProgressLine.Reading.of(done.get(), 10, "records"))) {
      await().until(() -> err.toString().lines().count() >= 2);
      done.set(10);
    }
    var lines = err.toString().lines().toList();
    assertThat(lines).allMatch(l -> l.startsWith("tributary x: "));
    assertThat(lines.getFirst()).startsWith("tributary x: 0 / 10 records (0%)");
    assertThat(lines.getLast()).startsWith("tributary x: 10 / 10 records (100%)").contains(", in ");
  }
}
