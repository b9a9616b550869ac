package dev.tributary.lake;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class LineBreaksTest {

  @Test
  void aLineBreakIsFoundAtEveryPositionAmongAnyOtherBytes() {
    for (int length = 0; length <= 24; length++) {
      for (int other = 0; other < 256; other++) {
        if (other == '\n' || other == '\r') continue;
        byte[] payload = new byte[length];
        Arrays.fill(payload, (byte) other);
        assertThat(LineBreaks.first(payload)).isEqualTo(-1);
        for (int at = 0; at < length; at++) {
          byte[] broken = payload.clone();
          broken[at] = (byte) (at % 2 == 0 ? '\n' : '\r');
          if (at + 1 < length) broken[length - 1] = '\n'; // a later break must not win
          assertThat(LineBreaks.first(broken)).as("length %d, break at %d among 0x%02x", length, at, other).isEqualTo(at);
        }
      }
    }
  }

  @Test
  void aPayloadWithoutLineBreaksIsKeptAsItIsAndOneWithIsCopied() {
    byte[] oneLine = "{\"a\":1}".getBytes(StandardCharsets.UTF_8);
    assertThat(LineBreaks.toSpaces(oneLine)).isSameAs(oneLine);
    byte[] twoLines = "{\"a\":1,\r\n\"b\":2,\n\"c\":3}".getBytes(StandardCharsets.UTF_8);
    assertThat(new String(LineBreaks.toSpaces(twoLines), StandardCharsets.UTF_8)).isEqualTo("{\"a\":1,  \"b\":2, \"c\":3}");
    assertThat(new String(twoLines, StandardCharsets.UTF_8)).contains("\r\n"); // the spool's copy is not changed
  }
}
