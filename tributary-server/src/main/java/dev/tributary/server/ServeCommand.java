package dev.tributary.server;

import dev.tributary.capture.CaptureConfig;
import dev.tributary.capture.CaptureServer;
import dev.tributary.capture.DurableLog;
import dev.tributary.capture.SpoolGauges;
import dev.tributary.lake.LakeConfig;
import dev.tributary.lake.SpoolLakeSink;
import dev.tributary.spool.Spool;
import dev.tributary.spool.SpoolConfig;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code tributary serve}: capture to the spool, and the spool to the local lake. */
@Command(name = "serve", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Run the capture API over a local spool and land events in a local lake directory (no Kafka needed).",
        "Settings come from defaults < --config file < TRIBUTARY_* environment variables < flags; see --print-config.",
        "SIGTERM/Ctrl-C drains: new requests get 503, the lake catches up, files are completed, exit 0.",
        "A second SIGTERM/Ctrl-C stops at once; the spool keeps everything for the next start."})
final class ServeCommand implements Callable<Integer> {
  private static final Logger log = LoggerFactory.getLogger(ServeCommand.class);

  @Spec CommandSpec spec;

  @Option(names = "--port", description = "HTTP port (default 8080)") String port;
  @Option(names = "--bind", description = "address to listen on (default 127.0.0.1; others need --tokens-file)") String bind;
  @Option(names = "--data-dir", description = "spool and default lake location (default ./tributary-data)") String dataDir;
  @Option(names = "--lake", description = "lake root directory (default <data-dir>/lake)") String lake;
  @Option(names = "--fsync", description = "always (default), never, or interval=<ms>") String fsync;
  @Option(names = "--tokens-file", description = "YAML file mapping tokens to apps; enables auth") String tokensFile;
  @Option(names = "--drain-timeout", description = "how long SIGTERM waits for the lake to catch up (default 30s)") String drainTimeout;
  @Option(names = "--config", description = "YAML config file (keys as in --print-config)") Path config;
  @Option(names = "--print-config", description = "print the effective settings and where each came from, then exit") boolean printConfig;

  @Override
  public Integer call() throws Exception {
    ServeSettings settings;
    try {
      settings = ServeSettings.resolve(config, System.getenv(), flags());
    } catch (ConfigException e) {
      spec.commandLine().getErr().println("tributary serve: " + e.getMessage());
      return ExitCodes.USAGE;
    }
    if (printConfig) {
      spec.commandLine().getOut().print(settings.describe());
      return ExitCodes.OK;
    }
    return run(settings);
  }

  private Map<String, String> flags() {
    Map<String, String> flags = new LinkedHashMap<>();
    put(flags, "port", port);
    put(flags, "bind", bind);
    put(flags, "data_dir", dataDir);
    put(flags, "lake", lake);
    put(flags, "fsync", fsync);
    put(flags, "tokens_file", tokensFile);
    put(flags, "drain_timeout", drainTimeout);
    return flags;
  }

  private static void put(Map<String, String> flags, String key, String value) {
    if (value != null) flags.put(key, value);
  }

  private int run(ServeSettings s) throws Exception {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    Spool spool = Spool.open(new SpoolConfig(s.spoolDir(), s.spoolSegmentBytes(), s.spoolMaxBytes(), s.fsync()));
    SpoolLakeSink sink = null;
    CaptureServer capture = null;
    try {
      SpoolGauges.bind(spool, registry);
      sink = SpoolLakeSink.start(spool, LakeConfig.defaults(s.lake()).withRollBytes(s.lakeRollBytes())
          .withRollAge(s.lakeRollAge()).withDedupWindow(s.dedupWindow()), registry);
      capture = CaptureServer.start(captureConfig(s), DurableLog.of(spool), registry);
    } catch (Exception e) {
      if (sink != null) sink.close();
      spool.close();
      throw e;
    }
    log.info("tributary serve: listening on http://{}:{}, spool {}, lake {}, fsync {}, auth {}", s.bind(), capture.port(),
        s.spoolDir().toAbsolutePath().normalize(), s.lake().toAbsolutePath().normalize(), s.fsync(),
        s.tokensFile().map(f -> "on (" + f + ")").orElse("off (loopback only)"));
    CountDownLatch stopped = new CountDownLatch(1);
    Drain drain = new Drain(capture, sink, spool, s, stopped);
    ShutdownSignals.install(drain);
    stopped.await();
    return drain.exitCode;
  }

  private static CaptureConfig captureConfig(ServeSettings s) {
    CaptureConfig c = CaptureConfig.defaults().withBindHost(s.bind()).withPort(s.port()).withMaxRequestBytes(s.maxRequestBytes());
    return s.tokensFile().map(c::withTokensFile).orElse(c);
  }

  /** The graceful stop: refuse new events, let the lake land what the spool holds, release everything. */
  private static final class Drain implements Runnable {
    private final CaptureServer capture;
    private final SpoolLakeSink sink;
    private final Spool spool;
    private final ServeSettings settings;
    private final CountDownLatch stopped;
    volatile int exitCode = ExitCodes.OK;

    Drain(CaptureServer capture, SpoolLakeSink sink, Spool spool, ServeSettings settings, CountDownLatch stopped) {
      this.capture = capture;
      this.sink = sink;
      this.spool = spool;
      this.settings = settings;
      this.stopped = stopped;
    }

    @Override
    public void run() {
      try {
        capture.drain();
        long pending = spool.nextOffset();
        log.info("draining: capture answers 503; landing the spool up to offset {} (timeout {} s)", pending,
            settings.drainTimeout().toSeconds());
        boolean done = sink.drain(settings.drainTimeout());
        if (done) {
          log.info("drained: every captured event is in the lake");
        } else {
          log.warn("drain timeout of {} s passed; the rest stays in the spool and lands at the next start",
              settings.drainTimeout().toSeconds());
        }
        capture.close();
        sink.close();
        spool.close();
      } catch (RuntimeException e) {
        log.error("drain failed; the spool keeps what did not land", e);
        exitCode = ExitCodes.FAILURE;
      } finally {
        stopped.countDown();
      }
    }
  }
}
