package dev.tributary.spool;

import java.io.IOException;

/** An append was refused because it would take the spool past its maximum size. */
public final class SpoolFullException extends IOException {
  public SpoolFullException(long usedBytes, long requestedBytes, long maxBytes) {
    super("spool full: " + usedBytes + " bytes used + " + requestedBytes + " requested > max " + maxBytes
        + " bytes; appends succeed again once cursors acknowledge and segments are deleted");
  }
}
