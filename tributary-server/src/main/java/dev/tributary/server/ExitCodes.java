package dev.tributary.server;

/** Exit codes shared by every command. */
final class ExitCodes {
  static final int OK = 0;
  /** The command ran and found a problem (verify found damage, send had rejections), or failed. */
  static final int FAILURE = 1;
  /** Bad usage or configuration: nothing was started. */
  static final int USAGE = 2;

  private ExitCodes() {}
}
