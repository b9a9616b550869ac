package dev.tributary.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine.TypeConversionException;

/** The one reading of durations and sizes that every setting and flag shares. */
class DurationsAndSizesTest {

  @Test
  void durationsAreReadInGoStyleCompoundForms() {
    Map<String, Duration> valid = Map.of("500ms", Duration.ofMillis(500), "90s", Duration.ofSeconds(90),
        "1m30s", Duration.ofSeconds(90), "1h", Duration.ofHours(1), "1h30m", Duration.ofMinutes(90),
        "2d", Duration.ofDays(2), "1d12h", Duration.ofHours(36), "0s", Duration.ZERO,
        "1h2m3s4ms", Duration.ofHours(1).plusMinutes(2).plusSeconds(3).plusMillis(4));
    valid.forEach((text, expected) -> assertThat(LayeredSettings.duration(text)).as(text).isEqualTo(expected));
  }

  @Test
  void aDurationWithoutUnitsOrOutOfOrderIsRefused() {
    for (String text : new String[] {"", "30", "1.5h", "-1s", "1H", "30s1m", "1m1m", "1 m", "1w", "soon", "ms"}) {
      assertThatThrownBy(() -> LayeredSettings.duration(text)).as(text).isInstanceOf(IllegalArgumentException.class);
    }
    assertThatThrownBy(() -> new LayeredSettings.DurationConverter().convert("99999999999999999d"))
        .isInstanceOf(TypeConversionException.class).hasMessageContaining("units d, h, m, s, ms, largest first");
  }

  @Test
  void sizesAreBytesOrSiOrIecMultiples() {
    Map<String, Long> valid = Map.of("1048576", 1_048_576L, "64KiB", 65_536L, "512MB", 512_000_000L,
        "10GB", 10_000_000_000L, "10GiB", 10L << 30, "64Mi", 64L << 20, "1tb", 1_000_000_000_000L,
        "20 MiB", 20L << 20, "512b", 512L, "0", 0L);
    valid.forEach((text, expected) -> assertThat(LayeredSettings.size(text)).as(text).isEqualTo(expected));
  }

  @Test
  void aSizeWithAnUnknownUnitOrTooLargeIsRefusedNamingTheForms() {
    for (String text : new String[] {"", "MiB", "1.5GiB", "-1", "20XB", "10PB", "ten", "1e6"}) {
      assertThatThrownBy(() -> LayeredSettings.size(text)).as(text).isInstanceOf(IllegalArgumentException.class);
    }
    assertThatThrownBy(() -> LayeredSettings.size("99999999999TiB")).isInstanceOf(ArithmeticException.class);
    assertThatThrownBy(() -> new LayeredSettings.SizeConverter().convert("99999999999TiB"))
        .isInstanceOf(TypeConversionException.class)
        .hasMessage("'99999999999TiB' is not " + LayeredSettings.SIZE_FORMS);
  }
}
