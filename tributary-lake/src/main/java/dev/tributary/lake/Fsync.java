package dev.tributary.lake;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** Forcing directories, so that a rename or a new directory survives a machine crash. */
final class Fsync {

  private Fsync() {}

  static void directory(Path dir) throws IOException {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    }
  }

  /** Creates {@code dir} and any missing parents below {@code root}, forcing each parent that gained an entry. */
  static void createDirectories(Path root, Path dir) throws IOException {
    if (Files.isDirectory(dir)) return;
    Path parent = dir.getParent();
    if (!dir.equals(root) && parent != null) createDirectories(root, parent);
    Files.createDirectories(dir);
    if (parent != null) directory(parent);
  }
}
