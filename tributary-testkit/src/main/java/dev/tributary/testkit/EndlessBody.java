package dev.tributary.testkit;

import java.io.IOException;
import java.io.OutputStream;

/** A client that keeps sending a body until the server closes the connection, for tests of how servers bound what they drop. */
public final class EndlessBody {

  private static final long AT_MOST = 1_000_000_000L;

  private EndlessBody() {}

  /** Writes {@code chunkBytes} at a time until a write fails (the server closed) or 1 GB went; returns the bytes written. */
  public static long sendUntilClosed(OutputStream out, int chunkBytes) {
    byte[] chunk = new byte[chunkBytes];
    long sent = 0;
    try {
      while (sent < AT_MOST) {
        out.write(chunk);
        sent += chunk.length;
      }
    } catch (IOException closed) {
      // the server closed the connection: what the caller waits for
    }
    return sent;
  }
}
