package dev.tributary.capture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Capture's view of the tokens file; the file format itself is TokensFileTest's, in tributary-http. */
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

  @Test
  void appsShareOneBucketAcrossTheirTokens() throws Exception {
    Tokens tokens = Tokens.load(Files.writeString(dir.resolve("t.yaml"), """
        apps:
          web:
            tokens: ["aaaaaaaaaaaaaaaa", "bbbbbbbbbbbbbbbb"]
            events_per_second: 1
            burst: 1
        """));

    assertThat(tokens.find("aaaaaaaaaaaaaaaa").limit().take(1, System.nanoTime())).isZero();
    assertThat(tokens.find("bbbbbbbbbbbbbbbb").limit().take(1, System.nanoTime())).isPositive();
  }

  @Test
  void aMissingFileSaysWhichPath() {
    Path file = dir.resolve("absent.yaml");
    assertThatThrownBy(() -> Tokens.load(file)).isInstanceOf(CaptureStartException.class).hasMessageContaining(file.toString());
  }
}
