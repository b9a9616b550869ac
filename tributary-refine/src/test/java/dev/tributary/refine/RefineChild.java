package dev.tributary.refine;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** Refine in its own JVM, to be SIGKILLed: args bootstrap, input, output, application id, state dir, reorder ms. */
final class RefineChild {
  public static void main(String[] args) throws Exception {
    RefineConfig c = RefineConfig.defaults(args[0], Path.of(args[4])).withTopics(List.of(args[1]), args[2])
        .withApplicationId(args[3]).withReorderWindow(Duration.ofMillis(Long.parseLong(args[5])))
        .withStreamsProperties(RawEvents.fastStreams());
    // A test JVM that dies without killing its children must not leave this one running.
    ProcessHandle.current().parent().ifPresent(parent -> parent.onExit().thenRun(() -> Runtime.getRuntime().halt(1)));
    Refiner refiner = Refiner.start(c, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
    sun.misc.Signal.handle(new sun.misc.Signal("TERM"), signal -> {
      refiner.close(Duration.ofSeconds(20));
      System.exit(0);
    });
    System.out.println("started");
    System.out.flush();
    refiner.failure().join();
    System.exit(1);
  }
}
