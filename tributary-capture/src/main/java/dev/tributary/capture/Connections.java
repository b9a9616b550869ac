package dev.tributary.capture;

import io.vertx.core.http.HttpConnection;
import java.util.concurrent.atomic.AtomicInteger;

/** Counts open connections across event loops, closes those past the maximum, and gives each a request deadline. */
final class Connections {

  private final AtomicInteger open = new AtomicInteger();
  private final int max;
  private final long requestTimeoutMillis;
  private final CaptureMetrics metrics;

  Connections(CaptureConfig config, CaptureMetrics metrics) {
    this.max = config.maxConnections();
    this.requestTimeoutMillis = config.requestTimeout().toMillis();
    this.metrics = metrics;
  }

  void open(HttpConnection connection) {
    if (open.incrementAndGet() > max) {
      open.decrementAndGet();
      metrics.refusedConnection();
      connection.close();
      return;
    }
    connection.closeHandler(v -> open.decrementAndGet());
    RequestDeadline.install(connection, requestTimeoutMillis, () -> metrics.request(CaptureMetrics.UNKNOWN_PROTOCOL, 408));
  }
}
