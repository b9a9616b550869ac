package dev.tributary.bench;

import dev.tributary.capture.DurableLog;

/**
 * Starts a capture server on a free loopback port in front of a durable log: the benchmark's
 * only contact with the server, so the same loads run against any log behind it.
 */
@FunctionalInterface
public interface CaptureLauncher {

  Running start(DurableLog log) throws Exception;

  /** The real {@code CaptureServer}: defaults, a free loopback port, no auth. */
  static CaptureLauncher captureServer() {
    return new CaptureServerLauncher();
  }

  /** A started server; closing it stops it (the log is closed by whoever opened it). */
  interface Running extends AutoCloseable {
    int port();

    @Override
    void close();
  }
}
