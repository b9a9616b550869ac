package dev.tributary.lake;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.extension.AnnotatedElementContext;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.io.TempDirFactory;

/**
 * Puts this module's {@code @TempDir}s under {@code target/test-tmp} instead of the shared
 * {@code /tmp}: once, a crash-test directory vanished from {@code /tmp} mid-test while other
 * projects' tests ran on the same machine.
 */
public final class ModuleTempDirs implements TempDirFactory {

  @Override
  public Path createTempDirectory(AnnotatedElementContext element, ExtensionContext context) throws Exception {
    return Files.createTempDirectory(Files.createDirectories(Path.of("target", "test-tmp")), "junit-")
        .toAbsolutePath();
  }
}
