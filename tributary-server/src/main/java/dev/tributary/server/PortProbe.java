package dev.tributary.server;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/**
 * Whether a listener could bind an address now: checked before a command creates anything, so
 * that a port in use stops it with one line and no directories left behind. The real bind
 * follows and still reports a port taken in between.
 */
final class PortProbe {
  private PortProbe() {}

  /** Null when {@code host:port} can be bound (or {@code port} is 0); otherwise a one-line reason naming the port and {@code flag}. */
  static String problem(String host, int port, String flag) {
    if (port == 0) return null;
    try (ServerSocket probe = new ServerSocket()) {
      probe.setReuseAddress(true);  // as the real listeners do: a port in TIME_WAIT is free
      probe.bind(new InetSocketAddress(host, port));
      return null;
    } catch (IOException e) {
      return "cannot listen on " + host + ":" + port + " (" + e.getMessage() + "); is another server using port " + port
          + "? Stop it or choose another port with " + flag;
    }
  }
}
