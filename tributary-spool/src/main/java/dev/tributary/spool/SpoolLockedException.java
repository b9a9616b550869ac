package dev.tributary.spool;

import java.io.IOException;
import java.nio.file.Path;

/** Another process holds the spool directory. */
public final class SpoolLockedException extends IOException {
  public SpoolLockedException(Path directory, String holder) {
    super("spool " + directory + " is in use by another process (" + holder + "); stop it or use another --data-dir");
  }
}
