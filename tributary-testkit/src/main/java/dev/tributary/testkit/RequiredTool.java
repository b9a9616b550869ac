package dev.tributary.testkit;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * What a test does when a tool it runs (node, npm, curl, go) is not on the machine. On a developer's
 * machine it is skipped, loudly, so the rest of the suite still runs; on CI ({@code CI=true}) a
 * skip would hide that the suite no longer proves what it claims, so the test fails instead.
 */
public final class RequiredTool {

  private RequiredTool() {}

  /** Skips (or, with {@code CI=true}, fails) the running test; {@code why} says what is missing and how to install it. */
  public static void missing(String why) {
    if (onCi()) Assertions.fail(why + " (CI=true: a missing tool fails the test rather than skipping it)");
    System.err.println("SKIPPED: " + why);
    Assumptions.abort(why);
  }

  static boolean onCi() {
    return "true".equalsIgnoreCase(System.getenv("CI"));
  }
}
