package dev.tributary.capture;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Optional;

/**
 * Coverage-guided fuzzing of the events endpoint's parser (scripts/fuzz runs it for a set time;
 * the suite replays the inputs under EventParserFuzzTestInputs). The input is the request body.
 */
class EventParserFuzzTest {

  private static final int MAX_EVENT_BYTES = 512;
  private static final ObjectMapper JSON = new ObjectMapper();
  private final EventParser parser = new EventParser(MAX_EVENT_BYTES, new UuidV7());

  /**
   * For any body, as a JSON document and as NDJSON: the parser refuses it with a {@link Rejection}
   * (400, or 413 for an event over the limit) and nothing else, or returns events each within the
   * per-event limit, each a JSON object with a non-empty string {@code event}, capture's own
   * {@code received_at} and {@code app}, and an {@code event_id}; and a stored event parsed again
   * comes out the same (the enrichment is a fixed point).
   */
  @FuzzTest
  void anyBodyIsRefusedOrYieldsWellFormedEventsWithinTheLimit(FuzzedDataProvider data) throws Exception {
    byte[] body = data.consumeRemainingAsBytes();
    for (EventParser.Format format : EventParser.Format.values()) {
      List<byte[]> events;
      try {
        events = parser.parse(body, body.length, format, "2026-11-23T15:04:05.123Z", "web", null);
      } catch (Rejection r) {
        assertThat(r.status).isIn(400, 413);
        assertThat(r.getMessage()).isNotBlank();
        continue;
      }
      assertThat(events).isNotEmpty();
      for (byte[] event : events) {
        assertThat(event.length).isLessThanOrEqualTo(MAX_EVENT_BYTES);
        JsonNode node = JSON.readTree(event);
        assertThat(node.isObject()).isTrue();
        assertThat(node.path("event").isTextual() && !node.path("event").asText().isEmpty()).isTrue();
        assertThat(node.path("received_at").asText()).isEqualTo("2026-11-23T15:04:05.123Z");
        assertThat(node.path("app").asText()).isEqualTo("web");
        assertThat(node.path("event_id").isTextual()).isTrue();
        List<byte[]> again = parser.parse(event, event.length, EventParser.Format.NDJSON, "2026-11-23T15:04:05.123Z", "web", null);
        assertThat(again).hasSize(1);
        assertThat(JSON.readTree(again.get(0))).isEqualTo(node);
      }
    }
  }

  /**
   * For any line: {@link EventLine#problem} says what is wrong or nothing, never throws; and a line
   * with no problem keeps having none once {@link EventLine#withEventId} has given it an id.
   */
  @FuzzTest
  void aLineCheckedCleanStaysCleanWithItsEventId(FuzzedDataProvider data) {
    String line = data.consumeRemainingAsString();
    Optional<String> problem = EventLine.problem(line);
    if (problem.isPresent()) {
      assertThat(problem.get()).isNotBlank();
      return;
    }
    String withId = EventLine.withEventId(line, () -> "0190d2b0-0000-7000-8000-000000000000");
    assertThat(EventLine.problem(withId)).isEmpty();
  }
}
