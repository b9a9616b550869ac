package dev.tributary.event;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class EnvelopeFieldsTest {
  private static EnvelopeFields read(String json) {
    return EnvelopeFields.read(json.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void readsWhatCaptureWritesBack() throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (JsonGenerator g = new JsonFactory().createGenerator(out)) {
      g.writeStartObject();
      Envelope.writeClientFields(g, "sign\"up\n", "id-\u00e9\uD83D\uDE00", "user \\ 7", "2026-11-23T15:04:05Z");
      g.writeObjectFieldStart("properties");
      g.writeStringField(Envelope.EVENT_ID, "nested, not the event's");
      g.writeEndObject();
      Envelope.writeCaptureFields(g, "2026-11-23T15:04:05.123Z", "web", "segment", "10.0.0.1");
      g.writeEndObject();
    }
    String json = out.toString(StandardCharsets.UTF_8);
    assertThat(json).isEqualTo("{\"event\":\"sign\\\"up\\n\",\"event_id\":\"id-\u00e9\\uD83D\\uDE00\",\"distinct_id\":\"user \\\\ 7\","
        + "\"timestamp\":\"2026-11-23T15:04:05Z\",\"properties\":{\"event_id\":\"nested, not the event's\"},"
        + "\"received_at\":\"2026-11-23T15:04:05.123Z\",\"app\":\"web\",\"protocol\":\"segment\",\"ip\":\"10.0.0.1\"}");
    EnvelopeFields f = read(json);
    assertThat(f.event()).isEqualTo("sign\"up\n");
    assertThat(f.eventId()).isEqualTo("id-\u00e9\uD83D\uDE00");
    assertThat(f.distinctId()).isEqualTo("user \\ 7");
    assertThat(f.receivedAt()).isEqualTo("2026-11-23T15:04:05.123Z");
    assertThat(f.receivedAtMillis()).isEqualTo(Instant.parse("2026-11-23T15:04:05.123Z").toEpochMilli());
    assertThat(f.problem()).isNull();
  }

  @Test
  void protocolAndIpAreWrittenOnlyWhenGiven() throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (JsonGenerator g = new JsonFactory().createGenerator(out)) {
      g.writeStartObject();
      Envelope.writeCaptureFields(g, "2026-11-23T15:04:05.123Z", "default", null, null);
      g.writeEndObject();
    }
    assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("{\"received_at\":\"2026-11-23T15:04:05.123Z\",\"app\":\"default\"}");
  }

  @Test
  void missingFieldsAreNullAndTheEventCannotBeStored() {
    EnvelopeFields f = read("{\"x\":1}");
    assertThat(f).isEqualTo(new EnvelopeFields(null, null, null, CaptureTime.NONE, null, true));
    assertThat(f.problem()).isEqualTo("missing or non-string 'event'");
    assertThat(read("{\"event\":\"a\"}").problem()).isEqualTo("missing or non-string 'received_at'");
    assertThat(read("{\"event\":\"a\",\"received_at\":\"noon\"}").problem())
        .isEqualTo("'received_at' is not an ISO-8601 instant: noon");
  }

  @Test
  void anEventIdIsAStringOfOneTo128Characters() {
    String max = "\uD83D\uDE00".repeat(128);  // 256 UTF-16 units, 128 characters
    assertThat(read("{\"event_id\":\"" + max + "\"}").eventId()).isEqualTo(max);
    assertThat(read("{\"event_id\":\"" + "a".repeat(129) + "\"}").eventId()).isNull();
    assertThat(read("{\"event_id\":\"\"}").eventId()).isNull();
    assertThat(read("{\"event_id\":42}").eventId()).isNull();
    assertThat(read("{\"event_id\":null}").eventId()).isNull();
    assertThat(read("{\"event_id\":{\"id\":\"a\"}}").eventId()).isNull();
    assertThat(Envelope.eventIdProblem("a".repeat(129))).isEqualTo("must be 1 to 128 characters, got 129");
    assertThat(Envelope.eventIdProblem("")).isEqualTo("must be 1 to 128 characters, got 0");
    assertThat(Envelope.eventIdProblem("a")).isNull();
  }

  @Test
  void nonStringEnvelopeValuesCountAsAbsentButADistinctIdNumberKeysAsItsDigits() {
    EnvelopeFields f = read("{\"event\":7,\"received_at\":1700000000000,\"distinct_id\":12345678901234567890}");
    assertThat(f.event()).isNull();
    assertThat(f.receivedAt()).isNull();
    assertThat(f.distinctId()).isEqualTo("12345678901234567890");
    assertThat(read("{\"event\":\"\"}").event()).isNull();
    assertThat(read("{\"distinct_id\":[1]}").distinctId()).isNull();
    assertThat(read("{\"distinct_id\":null}").distinctId()).isNull();
  }

  @Test
  void oneLineSaysWhetherThePayloadHoldsARawLineBreak() {
    long seed = Long.getLong("seed", System.nanoTime());
    System.out.println("EnvelopeFieldsTest seed=" + seed + " (replay with -Dseed=" + seed + ")");
    java.util.Random random = new java.util.Random(seed);
    String[] spaces = {"", " ", "\t", "\n", "\r", "\r\n", " \n "};
    for (int n = 0; n < 2_000; n++) {
      StringBuilder json = new StringBuilder(spaces[random.nextInt(spaces.length)]).append('{');
      for (int i = random.nextInt(4); i >= 0; i--) {
        json.append(spaces[random.nextInt(spaces.length)]).append("\"k").append(i).append("\"")
            .append(spaces[random.nextInt(spaces.length)]).append(':').append(spaces[random.nextInt(spaces.length)])
            .append(random.nextBoolean() ? "\"a\\nb\\r\"" : "[1," + spaces[random.nextInt(spaces.length)] + "{}]")
            .append(spaces[random.nextInt(spaces.length)]).append(i == 0 ? "" : ",");
      }
      json.append('}').append(spaces[random.nextInt(spaces.length)]);
      String text = json.toString();
      boolean raw = text.indexOf('\n') >= 0 || text.indexOf('\r') >= 0;
      assertThat(read(text).oneLine()).as("%s", text).isEqualTo(!raw);
    }
  }

  @Test
  void aRepeatedFieldKeepsItsLastValue() {
    assertThat(read("{\"event\":\"first\",\"event\":\"last\"}").event()).isEqualTo("last");
    assertThat(read("{\"event_id\":\"ok\",\"event_id\":42}").eventId()).isNull();
  }

  @Test
  void anythingButExactlyOneObjectIsRefusedWithTheReason() {
    assertThatThrownBy(() -> read("[1]")).isInstanceOf(IllegalArgumentException.class).hasMessage("payload is not a JSON object");
    assertThatThrownBy(() -> read("{} {}")).hasMessage("payload is not one JSON object");
    assertThatThrownBy(() -> read("{\"event\":\"a\",}")).hasMessageStartingWith("malformed JSON at column 14");
    assertThatThrownBy(() -> read("")).hasMessage("payload is not a JSON object");
  }
}
