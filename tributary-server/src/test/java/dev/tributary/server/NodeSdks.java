package dev.tributary.server;

import dev.tributary.testkit.RequiredTool;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * The SDKs of Segment and PostHog from the npm registry (Node and browser), installed by
 * {@code scripts/install-node-sdks} into {@code -Dtributary.node.sdks} (default
 * {@code target/node-sdks}); a rerun finds them there offline.
 */
final class NodeSdks {

  private NodeSdks() {}

  /**
   * The directory holding {@code node_modules}, installing what is missing; without node, npm or
   * the registry the running test is skipped and says why (and fails on CI, see {@link RequiredTool}).
   * Called in each test rather than once for the class, so that a skip is reported with its reason.
   */
  static Path installed() throws Exception {
    Path sdks = Path.of(System.getProperty("tributary.node.sdks", "target/node-sdks")).toAbsolutePath();
    Path script = Path.of("..", "scripts", "install-node-sdks").toAbsolutePath().normalize();
    Process install = new ProcessBuilder(script.toString(), sdks.toString()).redirectErrorStream(true).start();
    boolean done = install.waitFor(200, TimeUnit.SECONDS);
    String output = new String(install.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!done) install.destroyForcibly();
    if (!done || install.exitValue() != 0) {
      RequiredTool.missing("the SDKs of Segment and PostHog could not be installed (scripts/install-node-sdks needs"
          + " node and npm: apt-get install nodejs npm): " + output.strip());
    }
    return sdks;
  }
}
