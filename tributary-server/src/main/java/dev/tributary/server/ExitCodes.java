package dev.tributary.server;

/** Exit codes shared by every command. */
final class ExitCodes {
  static final int OK = 0;
  /** The command ran and found a problem (verify found damage, send had rejections), or failed. */
  static final int FAILURE = 1;
  /** Bad usage or configuration: nothing was started. */
  static final int USAGE = 2;
  /**
   * EX_TEMPFAIL of sysexits.h: a drain on SIGTERM did not finish (Kafka down or too much left) and the
   * spool, intact, still holds events no one else has. An orchestrator seeing it must keep the volume
   * (and may run {@code tributary drain} on it later); 0 means the volume can go.
   */
  static final int DRAIN_INCOMPLETE = 75;

  private ExitCodes() {}
}
