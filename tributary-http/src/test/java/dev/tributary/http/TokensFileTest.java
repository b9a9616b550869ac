package dev.tributary.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tributary.http.BusRights.Operation;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TokensFileTest {

  @TempDir Path dir;

  @Test
  void mapsEachTokenToItsAppWithItsSettings() throws Exception {
    TokensFile tokens = TokensFile.load(Files.writeString(dir.resolve("t.yaml"), """
        apps:
          web:
            tokens: ["aaaaaaaaaaaaaaaa", "bbbbbbbbbbbbbbbb"]
            events_per_second: 250
            store_ip: true
          backend:
            tokens: ["cccccccccccccccc"]
            bus: {write: ["orders.*"], read: ["*"]}
        """));

    assertThat(tokens.find("aaaaaaaaaaaaaaaa")).isEqualTo(new TokensFile.App("web", new TokensFile.Rate(250, 250), true, null));
    assertThat(tokens.find("bbbbbbbbbbbbbbbb").name()).isEqualTo("web");
    assertThat(tokens.find("cccccccccccccccc").bus()).isEqualTo(new BusRights(List.of("orders.*"), List.of("*"), List.of()));
    assertThat(tokens.find("dddddddddddddddd")).isNull();
    assertThat(tokens.size()).isEqualTo(3);
    assertThat(tokens.apps()).extracting(TokensFile.App::name).containsExactly("web", "backend");
  }

  @ParameterizedTest(name = "{0} ~ {1}: {2}")
  @CsvSource({
      "*, orders, true", "orders.*, orders.eu, true", "orders.*, orders, false", "orders.*, orders., true",
      "*.eu, orders.eu, true", "*.eu, orders.us, false", "a*b*c, aXXbYYc, true", "a*b*c, aXXbYY, false",
      "orders, orders, true", "orders, orders2, false", "o*s, os, true", "**, x, true",
  })
  void globPatternsMatchWholeNames(String pattern, String name, boolean matches) {
    assertThat(BusRights.matches(pattern, name)).isEqualTo(matches);
  }

  @Test
  void rightsAreGivenPerOperation() {
    BusRights rights = new BusRights(List.of("orders.*"), List.of("*"), List.of());

    assertThat(rights.allows(Operation.WRITE, "orders.eu")).isTrue();
    assertThat(rights.allows(Operation.WRITE, "clicks")).isFalse();
    assertThat(rights.allows(Operation.READ, "clicks")).isTrue();
    assertThat(rights.allows(Operation.ACK, "orders.eu")).isFalse();
    assertThat(new BusRights(List.of(), List.of(), List.of("x")).allowsAny("x")).isTrue();
  }

  @ParameterizedTest(name = "{1}")
  @CsvSource(delimiter = '|', value = {
      "''                                                                    | the file is empty",
      "apps: [1]                                                             | 'apps' must map app names",
      "users: {}                                                             | unknown key 'users'; accepted keys here: apps",
      "apps:\\n  web:\\n    tokens: [aaaaaaaaaaaaaaaa]\\n    rate: 5          | unknown key 'apps.web.rate'; accepted keys here: burst, bus, events_per_second, store_ip, tokens",
      "apps:\\n  web:\\n    tokens: []                                       | apps.web.tokens must be a list of one or more tokens",
      "apps:\\n  web:\\n    tokens: [aaaaaaaaaaaaaaaa]\\n    events_per_second: -1 | apps.web.events_per_second must be a positive number, got -1",
      "apps:\\n  web:\\n    tokens: [aaaaaaaaaaaaaaaa]\\n    burst: 3         | apps.web.burst needs apps.web.events_per_second",
      "apps:\\n  a:\\n    tokens: [aaaaaaaaaaaaaaaa]\\n  b:\\n    tokens: [aaaaaaaaaaaaaaaa] | apps.b.tokens[0] is also a token of app 'a'",
      "apps:\\n  'we b':\\n    tokens: [aaaaaaaaaaaaaaaa]                     | apps.we b: an app name is 1 to 64 letters",
      "apps:\\n  web:\\n    tokens: [\"aaaa aaaaaaaaaaaa\"]                   | apps.web.tokens[0] may hold only printable ASCII",
      "apps:\\n  web:\\n    tokens: [aaaaaaaaaaaaaaaa]\\n    bus: [x]       | apps.web.bus must be a mapping of write, read and ack",
      "apps:\\n  web:\\n    tokens: [aaaaaaaaaaaaaaaa]\\n    bus: {wirte: []} | unknown key 'apps.web.bus.wirte'; accepted keys here: ack, read, write",
      "apps:\\n  web:\\n    tokens: [aaaaaaaaaaaaaaaa]\\n    bus: {read: x}   | apps.web.bus.read must be a list of category patterns",
      "apps:\\n  web:\\n    tokens: [aaaaaaaaaaaaaaaa]\\n    bus: {read: ['a/b']} | apps.web.bus.read[0] must be a category pattern",
      "apps:\\n  web: [x                                                      | not valid YAML",
  })
  void refusesAWrongFileNamingTheKey(String yaml, String message) throws Exception {
    Path file = Files.writeString(dir.resolve("t.yaml"), yaml.replace("\\n", "\n"));

    assertThatThrownBy(() -> TokensFile.load(file))
        .isInstanceOf(TokensFileException.class)
        .hasMessageStartingWith("invalid tokens file " + file)
        .hasMessageContaining(message);
  }

  @Test
  void aMissingFileSaysWhichPath() {
    Path file = dir.resolve("absent.yaml");
    assertThatThrownBy(() -> TokensFile.load(file)).isInstanceOf(TokensFileException.class).hasMessageContaining(file.toString());
  }
}
