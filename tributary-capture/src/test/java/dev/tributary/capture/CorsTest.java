package dev.tributary.capture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Pure logic: which origins a cors_origins list allows. */
class CorsTest {

  @ParameterizedTest(name = "{0} allowed: {1}")
  @CsvSource({
      "https://app.example.com, true",
      "https://a.b.example.com, true",
      "https://APP.Example.com, true",
      "https://example.com, true",
      "http://app.example.com, false",
      "https://example.com.evil.test, false",
      "https://evilexample.com, false",
      "https://app.example.com:8443, false",
      "http://localhost:3000, true",
      "http://localhost, false",
      "null, false",
  })
  void patternsMatchWholeOrigins(String origin, boolean allowed) {
    Cors cors = Cors.of(List.of("https://*.example.com", "https://example.com", "http://localhost:*"));

    assertThat(cors.allows(origin)).isEqualTo(allowed);
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"https://shop.test", "null", "http://127.0.0.1:5173"})
  void starAllowsEveryOrigin(String origin) {
    assertThat(Cors.of(Cors.ANY_ORIGIN).allows(origin)).isTrue();
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @ValueSource(strings = {"example.com", "https://example.com/", "https://example.com/path", "ftp://example.com", "https://*example.com", ""})
  void aWrongEntrySaysWhatAnOriginLooksLike(String entry) {
    assertThatThrownBy(() -> Cors.of(List.of(entry))).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'" + entry + "'").hasMessageContaining("https://*.example.com");
  }
}
