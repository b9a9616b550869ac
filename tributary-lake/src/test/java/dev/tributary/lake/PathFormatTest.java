package dev.tributary.lake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDateTime;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PathFormatTest {

  private static final Instant AT = Instant.parse("2026-01-02T03:04:05.678Z");

  @Test
  void theDefaultIsTheLayoutOfBefore() {
    assertThat(new PartitionPath(Path.of("events"), PathFormat.defaults()).ofEvent("a/b", AT))
        .isEqualTo(Path.of("events/event_type=a%2Fb/dt=2026-01-02/hour=03"));
  }

  @Test
  void aCustomLayoutPlacesAndReadsBackTheHour() {
    PathFormat f = PathFormat.parse("year={yyyy}/month={MM}/day={dd}/hour={HH}/type={event_type}");
    assertThat(new PartitionPath(Path.of("events"), f).ofEvent("page view", AT))
        .isEqualTo(Path.of("events/year=2026/month=01/day=02/hour=03/type=page%20view"));
    assertThat(f.depth()).isEqualTo(5);
    assertThat(f.hourOf(List.of("year=2026", "month=01", "day=02", "hour=03", "type=page%20view")))
        .isEqualTo(LocalDateTime.parse("2026-01-02T03:00"));
    assertThat(f.matches(0, "year=2026")).isTrue();
    assertThat(f.matches(0, "_errors")).isFalse();
    assertThat(f.hourOf(List.of("year=2026", "month=13", "day=02", "hour=03", "type=x"))).as("no such month").isNull();
    assertThat(f.hourOf(List.of("year=2026", "month=01", "day=02", "hour=03"))).as("too shallow").isNull();
  }

  @Test
  void variablesMayShareASegmentAndTheTypeStillReadsBackWhole() {
    PathFormat f = PathFormat.parse("t-{event_type}-{yyyy}{MM}{dd}{HH}");
    String dir = new PartitionPath(Path.of(""), f).ofEvent("x-2026010203", AT).toString();
    assertThat(dir).isEqualTo("t-x-2026010203-2026010203");
    assertThat(f.hourOf(List.of(dir))).isEqualTo(LocalDateTime.parse("2026-01-02T03:00"));
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "''|it is empty",
      "event_type={event_type}/dt={yyyy}-{MM}-{dd}|{HH} is missing; every directory must hold one event type and one UTC hour",
      "dt={yyyy}-{MM}-{dd}/hour={HH}|{event_type} is missing",
      "event_type={event_type}/dt={YYYY}-{MM}-{dd}/hour={HH}|'{YYYY}' is not a variable; use {event_type}, {yyyy}, {MM}, {dd} and {HH}",
      "event_type={event_type}/dt={yyyy}-{MM}-{dd}/hour={HH}/h={HH}|{HH} appears more than once",
      "{event_type}/dt={yyyy}-{MM}-{dd}/hour={HH}|a segment starts with {event_type}",
      "_t={event_type}/dt={yyyy}-{MM}-{dd}/hour={HH}|segment '_t={event_type}' starts with '_'",
      "t={event_type}/../{yyyy}{MM}{dd}{HH}|segment '..' starts with '.'",
      "/t={event_type}/{yyyy}{MM}{dd}{HH}|it has an empty segment",
      "t={event_type}//{yyyy}{MM}{dd}{HH}|it has an empty segment",
      "t={event_type}/{yyyy}{MM}{dd}{HH}/|it has an empty segment",
      "t={event_type}/d {yyyy}{MM}{dd}{HH}|'d ' holds a character outside [A-Za-z0-9._=-]",
      "t={event_type}/{yyyy}{MM}{dd}{HH}}|unbalanced brace in '}'",
      "'year'=YYYY/t={event_type}/{yyyy}{MM}{dd}{HH}|''year'=YYYY' holds a character outside",
  })
  void anUnusableTemplateIsRefusedSayingWhy(String template, String why) {
    assertThatThrownBy(() -> PathFormat.parse(template)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("path format '" + template + "' is not usable: ").hasMessageContaining(why);
  }
}
