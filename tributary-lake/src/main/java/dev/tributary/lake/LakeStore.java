package dev.tributary.lake;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Where completed lake files go: a local directory or an S3 prefix. Files are written locally
 * under a temporary name and then published under their completed name, never replacing a
 * file already there: two writers that publish the same name (a replay, a zombie member) leave
 * the first one's file, and by the naming rules both hold the same bytes. Directories are paths
 * relative to the store's root ({@code events/event_type=x/dt=.../hour=..}) or below it.
 */
interface LakeStore extends AutoCloseable {

  /** The local path to write a temporary file {@code tmpName} of directory {@code dir} to. */
  Path temporaryFile(Path dir, String tmpName) throws IOException;

  /** Whether a temporary file must be forced to disk before {@link #publish} (true where publishing is a rename). */
  boolean forcesTemporaryFiles();

  /**
   * Makes {@code tmp} durable as {@code dir/name} and deletes {@code tmp}. Returns false, keeping
   * the existing file, when {@code name} already exists there.
   */
  boolean publish(Path tmp, Path dir, String name) throws IOException;

  /** The file names in {@code dir} (empty when it does not exist). */
  List<String> list(Path dir) throws IOException;

  /** The names of the directories directly under {@code dir} (empty when it does not exist). */
  List<String> directories(Path dir) throws IOException;

  /**
   * Hands {@code reader} a local copy of the completed file {@code dir/name} (the file itself in a
   * directory lake, a download deleted afterwards on S3).
   */
  void read(Path dir, String name, LocalFileReader reader) throws IOException;

  /** Reads one local file. */
  interface LocalFileReader {
    void read(Path file) throws IOException;
  }

  /** Deletes a temporary file an earlier writer left in {@code dir}. */
  void deleteLeftover(Path dir, String name) throws IOException;

  /** For logs: where {@code dir/name} is, e.g. a path or an s3:// URI. */
  String describe(Path dir, String name);

  /** Releases connections and local work files; files not yet published are abandoned. */
  @Override void close();
}
