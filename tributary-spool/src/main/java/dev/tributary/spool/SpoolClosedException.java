package dev.tributary.spool;

import java.io.IOException;

/** The spool was closed before an append could be made durable. */
public final class SpoolClosedException extends IOException {
  public SpoolClosedException() {
    super("spool is closed");
  }
}
