package dev.tributary.bench;

import dev.tributary.capture.CaptureConfig;
import dev.tributary.capture.CaptureServer;
import dev.tributary.capture.DurableLog;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

/** The real capture server with its defaults, on a free loopback port, without auth. */
final class CaptureServerLauncher implements CaptureLauncher {

  @Override
  public Running start(DurableLog log) throws Exception {
    CaptureServer server = CaptureServer.start(CaptureConfig.defaults().withPort(0), log,
        new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
    return new Running() {
      @Override public int port() { return server.port(); }
      @Override public void close() { server.close(); }
    };
  }
}
