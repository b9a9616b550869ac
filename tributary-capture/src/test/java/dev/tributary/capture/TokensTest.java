package dev.tributary.capture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TokensTest {

  @TempDir Path dir;

  @Test
  void mapsEachTokenToItsApp() throws Exception {
    Tokens tokens = Tokens.load(Files.writeString(dir.resolve("t.yaml"), """
        apps:
          web:
            tokens: ["aaaaaaaaaaaaaaaa", "bbbbbbbbbbbbbbbb"]
            events_per_second: 250
          backend:
            tokens: ["cccccccccccccccc"]
        """));

    assertThat(tokens.find("aaaaaaaaaaaaaaaa").name()).isEqualTo("web");
    assertThat(tokens.find("bbbbbbbbbbbbbbbb").limit().rate()).isEqualTo(250);
    assertThat(tokens.find("cccccccccccccccc").name()).isEqualTo("backend");
    assertThat(tokens.find("cccccccccccccccc").limit()).isNull();
    assertThat(tokens.find("dddddddddddddddd")).isNull();
  }

  @ParameterizedTest(name = "{1}")
  @CsvSource(delimiter = '|', value = {
      "''                                                                    | the file is empty",
      "apps: [1]                                                             | 'apps' must map app names",
      "users: {}                                                             | unknown key 'users'; accepted keys here: apps",
      "apps:\\n  web:\\n    tokens: [aaaaaaaaaaaaaaaa]\\n    rate: 5          | unknown key 'apps.web.rate'; accepted keys here: burst, events_per_second, store_ip, tokens",
      "apps:\\n  web:\\n    tokens: []                                       | apps.web.tokens must be a list of one or more tokens",
      "apps:\\n  web:\\n    tokens: [aaaaaaaaaaaaaaaa]\\n    events_per_second: -1 | apps.web.events_per_second must be a positive number, got -1",
      "apps:\\n  web:\\n    tokens: [aaaaaaaaaaaaaaaa]\\n    burst: 3         | apps.web.burst needs apps.web.events_per_second",
      "apps:\\n  a:\\n    tokens: [aaaaaaaaaaaaaaaa]\\n  b:\\n    tokens: [aaaaaaaaaaaaaaaa] | apps.b.tokens[0] is also a token of app 'a'",
      "apps:\\n  'we b':\\n    tokens: [aaaaaaaaaaaaaaaa]                     | apps.we b: an app name is 1 to 64 letters",
      "apps:\\n  web:\\n    tokens: [\"aaaa aaaaaaaaaaaa\"]                   | apps.web.tokens[0] may hold only printable ASCII",
      "apps:\\n  web: [x                                                      | not valid YAML",
  })
  void refusesAWrongFileNamingTheKey(String yaml, String message) throws Exception {
    Path file = Files.writeString(dir.resolve("t.yaml"), yaml.replace("\\n", "\n"));

    assertThatThrownBy(() -> Tokens.load(file))
        .isInstanceOf(CaptureStartException.class)
        .hasMessageStartingWith("invalid tokens file " + file)
        .hasMessageContaining(message);
  }

  @Test
  void aMissingFileSaysWhichPath() {
    Path file = dir.resolve("absent.yaml");
    assertThatThrownBy(() -> Tokens.load(file)).isInstanceOf(CaptureStartException.class).hasMessageContaining(file.toString());
  }
}
