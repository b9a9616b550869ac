package dev.tributary.spool;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Makes a directory's entries (creations, renames, links, deletions) durable: the one place that
 * does it for the spool, the bus and the lake (this module is the lowest they all depend on).
 */
public final class Directories {
  private Directories() {}

  /** Forces {@code dir} itself, so that a change to its entries survives a machine crash. */
  public static void force(Path dir) throws IOException {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    }
  }

  /** Creates {@code dir} and any missing parents below {@code root}, forcing each parent that gained an entry. */
  public static void createDirectories(Path root, Path dir) throws IOException {
    if (Files.isDirectory(dir)) return;
    Path parent = dir.getParent();
    if (!dir.equals(root) && parent != null) createDirectories(root, parent);
    Files.createDirectories(dir);
    if (parent != null) force(parent);
  }
}
