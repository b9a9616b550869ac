package dev.tributary.journal;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/**
 * A replicator in a child JVM for the crash test: after its first database commit it says so on
 * stdout and blocks before committing to Kafka, waiting for the SIGKILL.
 * Arguments: bootstrap servers, JDBC URL, topic prefix, group id.
 */
public final class ReplicatorChild {
  public static void main(String[] args) throws Exception {
    ReplicatorConfig config = new ReplicatorConfig(args[0], args[1], args[2], args[3]);
    Replicator.start(config, new SimpleMeterRegistry(), () -> {
      System.out.println("STORED");
      System.out.flush();
      try {
        Thread.sleep(Long.MAX_VALUE);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    Thread.sleep(Long.MAX_VALUE);
  }
}
