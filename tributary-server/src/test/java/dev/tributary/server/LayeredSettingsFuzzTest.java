package dev.tributary.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Coverage-guided fuzzing of the YAML config file, with serve's keys, the most of any command
 * (scripts/fuzz runs it for a set time; the suite replays the inputs under
 * LayeredSettingsFuzzTestInputs). The input is the file's bytes.
 */
class LayeredSettingsFuzzTest {

  private static final Path DIR;

  static {
    try {
      DIR = Files.createTempDirectory("settings-fuzz");
      DIR.toFile().deleteOnExit();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * For any config file: resolving serve's settings from it (the layers of {@link LayeredSettings},
   * then serve's own checks) gives them, or a {@link ConfigException} saying what is wrong (the
   * command's exit 2); nothing else.
   */
  @FuzzTest
  void anyConfigFileResolvesOrIsRefused(FuzzedDataProvider data) throws IOException {
    Path file = DIR.resolve("tributary.yaml");
    Files.write(file, data.consumeRemainingAsBytes());
    try {
      ServeSettings.resolve(file, Map.of("TOKEN", "from-env"), Map.of());
    } catch (ConfigException refused) {
      assertThat(refused.getMessage()).isNotBlank();
    } finally {
      Files.delete(file);
    }
  }
}
