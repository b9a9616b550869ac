package dev.tributary.testkit;

/**
 * Entry point of the S3Proxy JVM: {@code WatchedS3ProxyMain <s3proxy.conf>}. Runs S3Proxy's own
 * main (found by name: S3Proxy is on the child's class path only) and halts when the process
 * that started it is gone, so a killed test JVM never leaves it running.
 */
final class WatchedS3ProxyMain {
  private WatchedS3ProxyMain() {}

  public static void main(String[] args) throws Exception {
    ProcessHandle.current().parent().ifPresent(parent ->
        parent.onExit().thenRun(() -> Runtime.getRuntime().halt(3)));
    Class.forName("org.gaul.s3proxy.Main").getMethod("main", String[].class)
        .invoke(null, (Object) new String[] {"--properties", args[0]});
  }
}
