package dev.tributary.lake;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class PlacementTest {

  private static Placement of(String json) {
    return Placement.of(json.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void anEnrichedEventIsPlacedByTypeAndReceivedAt() {
    String json = "{\"event\":\"click\",\"event_id\":\"e1\",\"received_at\":\"2026-11-23T15:04:05.123Z\",\"app\":\"web\","
        + "\"nested\":{\"event\":\"not me\",\"list\":[1,{\"received_at\":\"x\"}]}}";
    Placement p = of(json);
    assertThat(p).isInstanceOf(Placement.Event.class);
    Placement.Event e = (Placement.Event) p;
    assertThat(e.type()).isEqualTo("click");
    assertThat(e.eventId()).isEqualTo("e1");
    assertThat(e.receivedAt()).isEqualTo(Instant.parse("2026-11-23T15:04:05.123Z"));
    assertThat(new String(e.line(), StandardCharsets.UTF_8)).isEqualTo(json);
  }

  @Test
  void anEventWithoutIdIsStillPlaced() {
    Placement p = of("{\"event\":\"click\",\"received_at\":\"2026-11-23T15:04:05.123Z\"}");
    assertThat(((Placement.Event) p).eventId()).isNull();
  }

  @Test
  void anEventIdThatBreaksTheRuleIsNoIdSoItIsNotDeduplicated() {
    String at = ",\"received_at\":\"2026-11-23T15:04:05.123Z\"}";
    assertThat(((Placement.Event) of("{\"event\":\"a\",\"event_id\":42" + at)).eventId()).isNull();
    assertThat(((Placement.Event) of("{\"event\":\"a\",\"event_id\":\"" + "x".repeat(129) + "\"" + at)).eventId()).isNull();
    assertThat(((Placement.Event) of("{\"event\":\"a\",\"event_id\":\"" + "x".repeat(128) + "\"" + at)).eventId()).hasSize(128);
  }

  @Test
  void rawLineBreaksBetweenTokensBecomeSpacesSoTheLineStaysOneLine() {
    byte[] payload = "{\"event\":\"a\",\r\n\"received_at\":\"2026-11-23T15:04:05.123Z\",\n\"s\":\"x\\ny\"}\n".getBytes(StandardCharsets.UTF_8);
    Placement.Event e = (Placement.Event) Placement.of(payload);
    assertThat(new String(e.line(), StandardCharsets.UTF_8))
        .isEqualTo("{\"event\":\"a\",  \"received_at\":\"2026-11-23T15:04:05.123Z\", \"s\":\"x\\ny\"} ");
    assertThat(new String(payload, StandardCharsets.UTF_8)).contains("\r\n"); // the spool's copy is not changed
  }

  @Test
  void aPayloadOnOneLineIsLandedAsItIsWithoutACopy() {
    byte[] payload = "{\"event\":\"a\",\"received_at\":\"2026-11-23T15:04:05.123Z\",\"s\":\"x\\ny\"}".getBytes(StandardCharsets.UTF_8);
    assertThat(((Placement.Event) Placement.of(payload)).line()).isSameAs(payload);
  }

  @Test
  void unplaceablePayloadsSayWhy() {
    assertThat(reason("not json")).startsWith("malformed JSON");
    assertThat(reason("{\"event\":\"a\",")).startsWith("malformed JSON");
    assertThat(reason("[1,2]")).isEqualTo("payload is not a JSON object");
    assertThat(reason("{\"event\":\"a\",\"received_at\":\"2026-11-23T15:04:05.123Z\"} {}")).isEqualTo("payload is not one JSON object");
    assertThat(reason("{\"received_at\":\"2026-11-23T15:04:05.123Z\"}")).isEqualTo("missing or non-string 'event'");
    assertThat(reason("{\"event\":\"\",\"received_at\":\"2026-11-23T15:04:05.123Z\"}")).isEqualTo("missing or non-string 'event'");
    assertThat(reason("{\"event\":7,\"received_at\":\"2026-11-23T15:04:05.123Z\"}")).isEqualTo("missing or non-string 'event'");
    assertThat(reason("{\"event\":\"a\"}")).isEqualTo("missing or non-string 'received_at'");
    assertThat(reason("{\"event\":\"a\",\"received_at\":\"yesterday\"}")).contains("not an ISO-8601 instant");
    assertThat(reason("")).isNotEmpty();
  }

  private static String reason(String payload) {
    return ((Placement.Unplaceable) of(payload)).reason();
  }
}
