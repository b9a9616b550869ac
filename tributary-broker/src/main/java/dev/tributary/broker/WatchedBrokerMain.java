package dev.tributary.broker;

import org.apache.kafka.common.utils.Exit;

/**
 * Entry point of the broker JVM: {@code WatchedBrokerMain <cluster id> <server.properties>}.
 * Formats the storage unless formatted before, then runs {@code kafka.Kafka}, in one JVM to save
 * a JVM start. Halts when the process that started it is gone, so a test JVM that dies (or is
 * killed) never leaves a broker running behind it.
 */
final class WatchedBrokerMain {
  private WatchedBrokerMain() {}

  public static void main(String[] args) {
    ProcessHandle.current().parent().ifPresent(parent ->
        parent.onExit().thenRun(() -> Runtime.getRuntime().halt(3)));
    String clusterId = args[0];
    String properties = args[1];
    format(clusterId, properties);
    kafka.Kafka.main(new String[] {properties});
  }

  /** Runs the storage tool, which ends by calling {@link Exit}: turn that into a return or an exit code. */
  private static void format(String clusterId, String properties) {
    Exit.setExitProcedure((status, message) -> {
      throw new ToolExit(status);
    });
    try {
      kafka.tools.StorageTool.main(new String[] {"format", "--ignore-formatted", "-t", clusterId, "-c", properties});
    } catch (ToolExit e) {
      if (e.status != 0) {
        System.err.println("formatting the Kafka storage failed with status " + e.status);
        System.exit(e.status);
      }
    } finally {
      Exit.resetExitProcedure();
    }
  }

  static final class ToolExit extends RuntimeException {
    final int status;

    ToolExit(int status) {
      super(null, null, false, false);
      this.status = status;
    }
  }
}
