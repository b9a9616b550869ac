package dev.tributary.event;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class RefineFlagsTest {
  private static String set(String json) {
    return new String(RefineFlags.set(json.getBytes(StandardCharsets.UTF_8), Envelope.LATE), StandardCharsets.UTF_8);
  }

  @Test
  void addsTheFlagLastAndKeepsEveryOtherFieldByteForByte() {
    assertThat(set("{\"event\":\"page\",\"price\":1.50,\"q\":\"a\\\"}\",\"ctx\":{\"late\":false,\"x\":[1, 2]},\"n\":null}"))
        .isEqualTo("{\"event\":\"page\",\"price\":1.50,\"q\":\"a\\\"}\",\"ctx\":{\"late\":false,\"x\":[1, 2]},\"n\":null,\"late\":true}");
    assertThat(set("{}")).isEqualTo("{\"late\":true}");
    assertThat(set(" { \"a\" : 1 ,\n\"b\":\"é\" } ")).isEqualTo("{\"a\" : 1,\"b\":\"é\",\"late\":true}");
  }

  @Test
  void replacesAFieldOfTheSameNameWhereverItIs() {
    assertThat(set("{\"late\":\"no\",\"event\":\"page\"}")).isEqualTo("{\"event\":\"page\",\"late\":true}");
    assertThat(set("{\"event\":\"page\",\"late\":{\"a\":1},\"late\":false}")).isEqualTo("{\"event\":\"page\",\"late\":true}");
  }

  @Test
  void refusesWhatIsNotOneJsonObject() {
    assertThatThrownBy(() -> set("[1]")).isInstanceOf(IllegalArgumentException.class).hasMessage("not a JSON object");
    assertThatThrownBy(() -> set("{} {}")).isInstanceOf(IllegalArgumentException.class).hasMessage("not one JSON object");
    assertThatThrownBy(() -> set("{\"a\":")).isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("malformed JSON");
  }
}
