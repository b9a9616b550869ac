package dev.tributary.lake;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.time.Duration;
import java.util.Map;

/**
 * A sink member in its own JVM, for the crash test:
 * {@code KafkaSinkChild <bootstrap> <topic> <lake> <group> <s3 endpoint or -> <group.instance.id or ->}.
 * Runs until killed; SIGTERM stops it as {@code tributary sink} would.
 */
public final class KafkaSinkChild {

  private KafkaSinkChild() {}

  public static void main(String[] args) throws Exception {
    KafkaSinkConfig config = KafkaSinkCrashTest.config(args[0], args[1], args[2], args[3],
        args[4].equals("-") ? null : URI.create(args[4]), args[5].equals("-") ? null : args[5]);
    KafkaLakeSink sink = KafkaLakeSink.start(config, new SimpleMeterRegistry());
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        sink.stop(Duration.ofSeconds(30));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }));
    while (sink.running()) Thread.sleep(200);
  }

  static Map<String, String> memberProperties(String instanceId) {
    return instanceId == null ? Map.of() : Map.of("group.instance.id", instanceId);
  }
}
