package dev.tributary.journal;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Coverage-guided fuzzing of the kafka-journal wire format as read from a topic another program
 * writes (scripts/fuzz runs it for a set time; the suite replays the inputs under
 * JournalCodecFuzzTestInputs, seeded with kafka-journal's own fixtures).
 */
class JournalCodecFuzzTest {

  /**
   * For any bytes in the {@code journal.action} header: decoding gives an action or an
   * {@link IllegalArgumentException} saying what is wrong, nothing else; and an action decoded
   * re-encodes to a header that decodes to the same action.
   */
  @FuzzTest
  void anyActionHeaderDecodesOrIsRefused(FuzzedDataProvider data) {
    Action action;
    try {
      action = ActionHeader.decode(data.consumeRemainingAsBytes());
    } catch (IllegalArgumentException refused) {
      assertThat(refused.getMessage()).isNotBlank();
      return;
    }
    assertThat(ActionHeader.decode(ActionHeader.encode(action))).isEqualTo(action);
  }

  /**
   * For any Append record value, read in the layout its header's {@code payloadType} names (the
   * last byte of the input picks it): decoding gives the record or an
   * {@link IllegalArgumentException}, nothing else; and a decoded record encodes in the same
   * layout to a value that decodes to the same record.
   */
  @FuzzTest
  void anyRecordValueDecodesOrIsRefused(FuzzedDataProvider data) {
    boolean binary = data.consumeBoolean();
    byte[] value = data.consumeRemainingAsBytes();
    EventsRecord record;
    try {
      record = EventsCodec.decode(binary ? Action.PayloadType.BINARY : Action.PayloadType.JSON, value);
    } catch (IllegalArgumentException refused) {
      assertThat(refused.getMessage()).isNotBlank();
      return;
    }
    byte[] again = binary ? EventsCodec.encodeBinary(record) : EventsCodec.encodeJson(record);
    assertThat(binary ? EventsCodec.decodeBinary(again) : EventsCodec.decodeJson(again)).isEqualTo(record);
  }
}
