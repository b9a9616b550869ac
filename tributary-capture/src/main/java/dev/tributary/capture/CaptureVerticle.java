package dev.tributary.capture;

import dev.tributary.http.ServerCertificate;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServerOptions;
import java.util.concurrent.TimeUnit;

/** One listening server on one event loop; all of them share the port, the handler and the connection count. */
final class CaptureVerticle extends VerticleBase {

  private final CaptureConfig config;
  private final int port;
  private final CaptureRouter router;
  private final Connections connections;
  private final ServerCertificate tls;

  /** {@code tls} null: plain HTTP. */
  CaptureVerticle(CaptureConfig config, int port, CaptureRouter router, Connections connections, ServerCertificate tls) {
    this.config = config;
    this.port = port;
    this.router = router;
    this.connections = connections;
    this.tls = tls;
  }

  @Override
  public Future<?> start() {
    HttpServerOptions options = new HttpServerOptions()
        .setHost(config.bindHost())
        .setPort(port)
        .setIdleTimeout((int) Math.min(Integer.MAX_VALUE, config.idleTimeout().toMillis()))
        .setIdleTimeoutUnit(TimeUnit.MILLISECONDS)
        .setHttp2ClearTextEnabled(false)
        .setDecompressionSupported(false) // capture inflates gzip itself, with a limit
        .setTcpNoDelay(true);
    if (tls == null) return vertx.createHttpServer(options).connectionHandler(connections::open).requestHandler(router).listen();
    return vertx.createHttpServer(tls.secure(options)).connectionHandler(connections::open).requestHandler(router).listen()
        .onSuccess(tls::serving);
  }
}
