package dev.tributary.capture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** Vectors made with the JavaScript lz-string package's compressToBase64, as PostHog's browser SDK sends them. */
class LzStringTest {

  @ParameterizedTest(name = "[{index}] {1}")
  @CsvSource(delimiter = '|', quoteCharacter = '\'', value = {
      "''|Q===",
      "a|IZA=",
      "Hello, world|BIUwNmD2A0AEDukBOYAmQ===",
      "hello hello hello hello hello|BYUwNmD2AEoTcq3Exkg=",
      "{\"event\":\"$pageview\",\"distinct_id\":\"u1\",\"properties\":{\"$current_url\":\"https://example.com/?q=é\",\"n\":1.50}}"
          + "|N4IgpgbmB2AuIC4QBIAOBDA5pAlmA7iADQgAmOAzrDtAMawD6OpiIArgIzEioBOA9qjC9qYColDJabXrxiMZAG1YALWLFQUEAem1gAHugC2qRWAB0tfke0B+AI4BeAJfdoiDuYCsABgC+fkA",
      "ünïcödé ✓ 𝄞 emoji 😀|D8Ow9wxgbwJglwAkMjkDAsG4PF2EFMC2B7AKwEsFBeDcAA9oA===",
  })
  void decompressesWhatTheJavaScriptLibraryCompressed(String text, String compressed) throws Exception {
    assertThat(LzString.decompressFromBase64(compressed, 1 << 20)).isEqualTo(text);
  }

  @Test
  void decompressesLongRepetitiveInput() throws Exception {
    String text = "ab".repeat(440);
    assertThat(LzString.decompressFromBase64("IYI17SOrZ+6IcpqXrZj2u5/vQg4o0k8syi6q2m+uxh5p1l9tzj7r3lIA", 1 << 20)).isEqualTo(text);
  }

  @Test
  void decompressesAWideDictionary() throws Exception {
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < 2000; i++) text.append((char) (32 + (i * 7919) % 5000));
    String compressed;
    try (InputStream in = getClass().getResourceAsStream("/lz-string/2000-chars.lz64")) {
      compressed = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
    }
    assertThat(LzString.decompressFromBase64(compressed, 1 << 20)).isEqualTo(text.toString());
  }

  @Test
  void refusesOutputPastTheCap() {
    assertThatThrownBy(() -> LzString.decompressFromBase64("IYI17SOrZ+6IcpqXrZj2u5/vQg4o0k8syi6q2m+uxh5p1l9tzj7r3lIA", 100))
        .isInstanceOf(LzString.InvalidInput.class).hasMessageContaining("more than 100 characters");
  }

  @Test
  void refusesCharactersOutsideTheAlphabet() {
    assertThatThrownBy(() -> LzString.decompressFromBase64("BIUw*mD2", 1000))
        .isInstanceOf(LzString.InvalidInput.class).hasMessageContaining("'*' at position 4");
  }

  @Test
  void refusesATruncatedStream() {
    assertThatThrownBy(() -> LzString.decompressFromBase64("BIUwNmD2A0", 1000))
        .isInstanceOf(LzString.InvalidInput.class);
  }
}
