package dev.tributary.lake;

import dev.tributary.spool.Directories;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A lake in a local (or mounted) directory. Temporary files sit next to their completed name;
 * publishing forces the file, makes a hard link under the completed name (link(2) fails when the
 * name exists, so nothing is ever replaced), removes the temporary name and forces the directory.
 */
final class FileLakeStore implements LakeStore {

  private final Path root;

  /** {@code root} relative to the working directory or absolute; it is made absolute once, here. */
  FileLakeStore(Path root) {
    this.root = root.toAbsolutePath().normalize();
  }

  @Override public Path temporaryFile(Path dir, String tmpName) throws IOException {
    Path absolute = resolve(dir);
    Directories.createDirectories(root, absolute);
    return absolute.resolve(tmpName);
  }

  @Override public boolean forcesTemporaryFiles() {
    return true;
  }

  @Override public boolean publish(Path tmp, Path dir, String name) throws IOException {
    Path absolute = resolve(dir);
    boolean created = true;
    try {
      Files.createLink(absolute.resolve(name), tmp);
    } catch (FileAlreadyExistsException e) {
      created = false;
    }
    Files.delete(tmp);
    Directories.force(absolute);
    return created;
  }

  @Override public List<String> list(Path dir) throws IOException {
    List<String> names = new ArrayList<>();
    try (DirectoryStream<Path> files = Files.newDirectoryStream(resolve(dir))) {
      for (Path f : files) names.add(f.getFileName().toString());
    } catch (NoSuchFileException e) {
      return List.of();
    }
    return names;
  }

  @Override public List<String> directories(Path dir) throws IOException {
    List<String> names = new ArrayList<>();
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(resolve(dir))) {
      for (Path e : entries) {
        if (Files.isDirectory(e)) names.add(e.getFileName().toString());
      }
    } catch (NoSuchFileException e) {
      return List.of();
    }
    return names;
  }

  @Override public void read(Path dir, String name, LocalFileReader reader) throws IOException {
    reader.read(resolve(dir).resolve(name));
  }

  @Override public void deleteLeftover(Path dir, String name) throws IOException {
    Files.deleteIfExists(resolve(dir).resolve(name));
  }

  @Override public String describe(Path dir, String name) {
    return resolve(dir).resolve(name).toString();
  }

  @Override public void close() {
    // nothing held open
  }

  /**
   * Directories are relative to the root, as in every store. An absolute one would be used as it is
   * (Path.resolve), while a relative one that already includes the root would name the root twice:
   * both are a caller's bug, refused here rather than written somewhere unexpected.
   */
  private Path resolve(Path dir) {
    if (dir.isAbsolute()) throw new IllegalArgumentException("lake directory " + dir + " must be relative to " + root);
    return root.resolve(dir);
  }
}
