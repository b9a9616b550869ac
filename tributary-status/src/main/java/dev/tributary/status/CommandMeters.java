package dev.tributary.status;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmInfoMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import java.util.concurrent.TimeUnit;

/**
 * The meters every long-running command exports besides its own: the JVM's (memory, GC, threads,
 * classes), the process's (CPU, uptime, open files) and {@code tributary_build_info}, so a
 * dashboard can tell versions and commands apart. docs/operations.md lists them.
 */
public final class CommandMeters implements AutoCloseable {
  /** Buckets of the timers registered without any: GC pauses, connection pool waits, and the like. */
  private static final double[] DEFAULT_BUCKET_SECONDS = {0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30};

  private final JvmGcMetrics gc;

  private CommandMeters(JvmGcMetrics gc) {
    this.gc = gc;
  }

  /**
   * Binds the JVM, process and build meters of {@code command} (the subcommand's name, e.g.
   * {@code serve}) at {@code version} to {@code registry}; closing the result stops listening to GC
   * notifications. Call it once per registry, before the command's work starts.
   */
  public static CommandMeters bind(MeterRegistry registry, String command, String version) {
    registry.config().meterFilter(timersAsHistograms());
    JvmGcMetrics gc = new JvmGcMetrics();
    gc.bindTo(registry);
    new JvmMemoryMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ClassLoaderMetrics().bindTo(registry);
    new JvmInfoMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    new FileDescriptorMetrics().bindTo(registry);
    Gauge.builder("tributary.build.info", () -> 1)
        .description("always 1; its labels say which version of Tributary runs which command on which Java")
        .tag("version", version).tag("command", command).tag("java_version", System.getProperty("java.version"))
        .register(registry);
    return new CommandMeters(gc);
  }

  /** Stops listening to GC notifications. */
  @Override
  public void close() {
    gc.close();
  }

  /**
   * Every timer a histogram: Micrometer's default is a summary (count and sum only), which says
   * nothing of the distribution and cannot be summed across pods. Ours set their own buckets; this
   * gives the binders' (JVM GC pauses, HikariCP's waits) some.
   */
  private static MeterFilter timersAsHistograms() {
    return new MeterFilter() {
      @Override
      public DistributionStatisticConfig configure(Meter.Id id, DistributionStatisticConfig config) {
        boolean bucketed = Boolean.TRUE.equals(config.isPercentileHistogram())
            || (config.getServiceLevelObjectiveBoundaries() != null && config.getServiceLevelObjectiveBoundaries().length > 0);
        if (id.getType() != Meter.Type.TIMER || bucketed) return config;
        double[] nanos = new double[DEFAULT_BUCKET_SECONDS.length];
        for (int i = 0; i < nanos.length; i++) nanos[i] = DEFAULT_BUCKET_SECONDS[i] * TimeUnit.SECONDS.toNanos(1);
        return DistributionStatisticConfig.builder().serviceLevelObjectives(nanos).build().merge(config);
      }
    };
  }
}
