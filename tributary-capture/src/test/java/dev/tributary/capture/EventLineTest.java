package dev.tributary.capture;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** A client's check of one NDJSON line says what capture would refuse, by column, without Jackson's internals. */
class EventLineTest {

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
      "{\"event\":\"a\"}                   | ",
      "{\"event\":\"a\",\"event_id\":\"x\"} | ",
      "{\"event\":\"a\"                    | malformed JSON at column 13: the object that starts at column 1 is not closed before the end of the line",
      "{\"event\":\"a\",\"n\":[1}          | malformed JSON at column 20: '}' where ']' should close the array that starts at column 18",
      "{\"event\":\"a                      | malformed JSON at column 12: the line ends inside a string (no closing '\"')",
      "{\"event\":                         | malformed JSON at column 10: the line ends inside an object that is not closed",
      "{\"event\":\"a\",                   | malformed JSON at column 14: the line ends inside an object that is not closed",
      "{\"type\":\"a\"}                    | missing required field \"event\" (the event type, a non-empty string)",
      "{\"event\":7}                       | \"event\" must be a non-empty string, got a number",
      "[{\"event\":\"a\"}]                 | an array, not an event object",
      "{\"event\":\"a\"}{\"event\":\"b\"}  | more than one JSON value; NDJSON takes one event per line",
  })
  void saysWhatCaptureWouldRefuse(String line, String problem) {
    assertThat(EventLine.problem(line.strip())).isEqualTo(java.util.Optional.ofNullable(problem));
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
      "{\"event\":\"a\",\"price\":1.50,\"big\":12345678901234567890123} | {\"event_id\":\"id-1\",\"event\":\"a\",\"price\":1.50,\"big\":12345678901234567890123}",
      "  { \"event\" : \"a\" }                                           |   {\"event_id\":\"id-1\", \"event\" : \"a\" }",
      "{\"event\":\"a\",\"p\":{\"event_id\":\"nested\"}}             | {\"event_id\":\"id-1\",\"event\":\"a\",\"p\":{\"event_id\":\"nested\"}}",
      "{\"event\":\"a\",\"event_id\":\"mine\"}                         | {\"event\":\"a\",\"event_id\":\"mine\"}",
  })
  void anEventIdGoesInFrontOnlyWhereThereIsNoneAndTheRestStaysAsWritten(String line, String expected) {
    String withId = EventLine.withEventId(line.stripTrailing(), () -> "id-1");
    assertThat(withId).isEqualTo(expected.stripTrailing());
    assertThat(EventLine.problem(withId)).isEmpty();
  }
}
