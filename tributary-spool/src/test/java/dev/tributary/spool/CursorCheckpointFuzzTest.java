package dev.tributary.spool;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Coverage-guided fuzzing of the cursor checkpoint file (scripts/fuzz runs it for a set time; the
 * suite replays the inputs under CursorCheckpointFuzzTestInputs).
 */
class CursorCheckpointFuzzTest {

  private static final Path DIR;

  static {
    try {
      DIR = Files.createTempDirectory("checkpoint-fuzz");
      DIR.toFile().deleteOnExit();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * For any file contents: reading the checkpoint gives a position, or none (-1) for a damaged
   * file, or refuses it with {@link SpoolFormatException} for a version it does not know; nothing else.
   */
  @FuzzTest
  void anyCheckpointFileReadsAsAPositionNoneOrARefusal(FuzzedDataProvider data) throws IOException {
    Path file = DIR.resolve("fuzz" + CursorCheckpoint.SUFFIX);
    Files.write(file, data.consumeRemainingAsBytes());
    try {
      long position = CursorCheckpoint.read(file);
      assertThat(position == -1 || Files.size(file) == 21).as("a position only from a whole checkpoint").isTrue();
    } catch (SpoolFormatException refused) {
      assertThat(refused.getMessage()).contains("format version");
    } finally {
      Files.delete(file);
    }
  }

  /** read(write(p)) = p for any position. */
  @FuzzTest
  void aWrittenPositionReadsBack(FuzzedDataProvider data) throws IOException {
    long position = data.consumeLong();
    Path file = DIR.resolve("written" + CursorCheckpoint.SUFFIX);
    CursorCheckpoint.write(file, position);
    try {
      assertThat(CursorCheckpoint.read(file)).isEqualTo(position);
    } finally {
      Files.delete(file);
    }
  }
}
