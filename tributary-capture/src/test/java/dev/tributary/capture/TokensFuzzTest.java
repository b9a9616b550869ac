package dev.tributary.capture;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Coverage-guided fuzzing of the tokens file (scripts/fuzz runs it for a set time; the suite
 * replays the inputs under TokensFuzzTestInputs). The input is the file's bytes.
 */
class TokensFuzzTest {

  private static final Path DIR;

  static {
    try {
      DIR = Files.createTempDirectory("tokens-fuzz");
      DIR.toFile().deleteOnExit();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * For any file: loading it gives the tokens of at least one app, or a
   * {@link CaptureStartException} that names the file and says what is wrong; nothing else.
   */
  @FuzzTest
  void anyTokensFileLoadsOrIsRefusedWithItsName(FuzzedDataProvider data) throws IOException {
    Path file = DIR.resolve("tokens.yaml");
    Files.write(file, data.consumeRemainingAsBytes());
    try {
      assertThat(Tokens.load(file).size()).isPositive();
    } catch (CaptureStartException refused) {
      assertThat(refused.getMessage()).contains(file.toString());
    } finally {
      Files.delete(file);
    }
  }
}
