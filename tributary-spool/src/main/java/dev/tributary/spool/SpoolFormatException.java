package dev.tributary.spool;

import java.io.IOException;

/** The spool holds data this version cannot read (a newer format version), so it refuses to touch it. */
public final class SpoolFormatException extends IOException {
  public SpoolFormatException(String message) {
    super(message);
  }
}
