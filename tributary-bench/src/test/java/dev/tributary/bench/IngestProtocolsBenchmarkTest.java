package dev.tributary.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The protocol comparison at a gentle rate against the real capture server, and the bodies it sends. */
class IngestProtocolsBenchmarkTest {

  @Test
  void everyEndpointAcceptsItsBatchesAndIsTabulated() throws Exception {
    var settings = new IngestProtocolsBenchmark.Settings(10, 300, List.of(20.0), Duration.ofSeconds(1), Duration.ZERO,
        new RateSearch(20, 1.5, 20, 0, 0.5, 10_000), Duration.ofSeconds(1), Duration.ZERO, Duration.ZERO);

    String table = new IngestProtocolsBenchmark(settings).run();

    assertThat(table).contains("/v1/events", "segment /v1/batch", "posthog /batch/", "highest sustained rate")
        .doesNotContain("none sustained");
    assertThat(table.lines().filter(l -> l.matches("^(/v1/events|segment /v1/batch|posthog /batch/)\\s+20\\s+\\d.*")))
        .as("one fixed-rate row per endpoint, each without errors:\n" + table).hasSize(3).allMatch(l -> l.endsWith("none"));
  }

  @ParameterizedTest
  @EnumSource(EventBodies.Shape.class)
  void eachShapeHoldsEventsOfTheAskedSizeWithUniqueIds(EventBodies.Shape shape) throws Exception {
    EventBodies bodies = new EventBodies(shape, 400, 5);
    String body = new String(bodies.request(3), StandardCharsets.US_ASCII);
    ObjectMapper json = new ObjectMapper();
    List<String> events = shape == EventBodies.Shape.EVENTS ? body.lines().toList() : null;
    if (events == null) {
      JsonNode batch = json.readTree(body).get("batch");
      events = new java.util.ArrayList<>();
      for (JsonNode e : batch) events.add(json.writeValueAsString(e));
    }
    assertThat(events).hasSize(5).allMatch(e -> e.length() == 400);
    String idField = switch (shape) {
      case EVENTS -> "event_id";
      case SEGMENT -> "messageId";
      case POSTHOG -> "uuid";
    };
    List<String> ids = new java.util.ArrayList<>();
    for (String e : events) ids.add(json.readTree(e).get(idField).asText());
    assertThat(ids).doesNotHaveDuplicates().allMatch(id -> id.endsWith(String.valueOf(15 + ids.indexOf(id))));
  }
}
