package dev.tributary.capture;

import dev.tributary.http.BindAddress;
import dev.tributary.http.ServerCertificate;
import dev.tributary.http.VertxShutdown;
import dev.tributary.spool.SpoolGauges;
import dev.tributary.status.StatusRoutes;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.file.FileSystemOptions;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The capture HTTP server: {@code POST /v1/events}, Segment's and PostHog's endpoints, and the
 * command's {@link StatusRoutes} (see docs/capture.md and docs/operations.md). It runs on its own
 * Vert.x instance with {@value #EVENT_LOOPS} event loops, one listening server per loop.
 */
public final class CaptureServer implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(CaptureServer.class);
  static final int EVENT_LOOPS = 2;
  private static final long START_STOP_SECONDS = 30;
  /** How often the TLS files are compared with what is served: a rotation shows within this. */
  static final Duration TLS_POLL = Duration.ofSeconds(2);

  private final Vertx vertx;
  private final IngestContext context;
  private final StatusRoutes status;
  private final int port;

  private CaptureServer(Vertx vertx, IngestContext context, StatusRoutes status, int port) {
    this.vertx = vertx;
    this.context = context;
    this.status = status;
    this.port = port;
  }

  /** Starts listening over plain HTTP and returns once the server accepts connections. */
  public static CaptureServer start(CaptureConfig config, DurableLog log, PrometheusMeterRegistry registry)
      throws CaptureStartException {
    return start(config, log, registry, null);
  }

  /** As above, over HTTPS with {@code tls} (reloaded when its files change) unless it is null. */
  public static CaptureServer start(CaptureConfig config, DurableLog log, PrometheusMeterRegistry registry, ServerCertificate tls)
      throws CaptureStartException {
    Tokens tokens = tokens(config);
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(EVENT_LOOPS).setPreferNativeTransport(true)
        .setFileSystemOptions(new FileSystemOptions().setFileCachingEnabled(false).setClassPathResolvingEnabled(false)));
    try {
      IngestContext context = new IngestContext(config, log, registry, vertx);
      StatusRoutes status = new StatusRoutes("serve", registry, vertx).beforeScrape(() -> SpoolGauges.beforeScrape(registry));
      CaptureRouter router = new CaptureRouter(context, tokens, status);
      Connections connections = new Connections(config, context.metrics);
      int port = listen(vertx, config, router, connections, tls);
      if (tls != null) tls.watch(vertx, TLS_POLL);
      if (tokens == null) {
        LOG.warn("capture runs WITHOUT AUTH (no tokens file): every client on {} may send events as app 'default'", config.bindHost());
      }
      LOG.info("capture listening on {}://{}:{} (auth {}, max request {} bytes, max event {} bytes{}, {} transport)",
          tls == null ? "http" : "https", config.bindHost(), port, tokens == null ? "off" : "on, " + tokens.size() + " tokens",
          config.maxRequestBytes(), config.maxEventBytes(), tls == null ? "" : ", TLS certificate " + tls.describe(),
          vertx.isNativeTransportEnabled() ? "epoll" : "NIO");
      return new CaptureServer(vertx, context, status, port);
    } catch (CaptureStartException | RuntimeException e) {
      vertx.close();
      throw e;
    }
  }

  /**
   * What {@link #start} would refuse in the configuration (an unreadable or invalid tokens file, no
   * tokens beyond loopback), checked without listening, so that a caller can refuse before it
   * creates anything.
   */
  public static void checkConfig(CaptureConfig config) throws CaptureStartException {
    tokens(config);
  }

  private static Tokens tokens(CaptureConfig config) throws CaptureStartException {
    Tokens tokens = config.tokensFile() == null ? null : Tokens.load(config.tokensFile());
    if (tokens == null) requireLoopback(config.bindHost());
    return tokens;
  }

  /**
   * The status paths served beside the API, with capture's own readiness check ("capture": not
   * ready while draining or while the spool is full); the caller adds its checks.
   */
  public StatusRoutes status() {
    return status;
  }

  /** The port it listens on (the one picked when the configured port was 0). */
  public int port() {
    return port;
  }

  /**
   * From now on answers new {@code POST}s with 503 and {@code Retry-After}, and readiness with
   * "draining"; requests already being read or stored complete normally.
   */
  public void drain() {
    context.drain();
    LOG.info("capture draining: new requests get 503");
  }

  /** Stops listening, closes open connections and releases the event loops. */
  @Override
  public void close() {
    VertxShutdown.close(vertx, Duration.ofSeconds(START_STOP_SECONDS), "capture");
  }

  /**
   * Servers on one port share it only when each asks for that port, so port 0 is first resolved
   * to a free port; should another process take it in between, another one is tried.
   */
  private static int listen(Vertx vertx, CaptureConfig config, CaptureRouter router, Connections connections,
      ServerCertificate tls) throws CaptureStartException {
    for (int attempt = 1; ; attempt++) {
      int port = config.port() != 0 ? config.port() : freePort(config.bindHost());
      try {
        deploy(vertx, port, config, router, connections, tls);
        return port;
      } catch (CaptureStartException e) {
        if (config.port() != 0 || attempt == 5) throw e;
      }
    }
  }

  private static int freePort(String host) throws CaptureStartException {
    try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getByName(host))) {
      return probe.getLocalPort();
    } catch (IOException e) {
      throw new CaptureStartException("cannot listen on " + host + ": " + e.getMessage(), e);
    }
  }

  private static void deploy(Vertx vertx, int port, CaptureConfig config, CaptureRouter router, Connections connections,
      ServerCertificate tls) throws CaptureStartException {
    Future<String> deployed = vertx.deployVerticle(() -> new CaptureVerticle(config, port, router, connections, tls),
        new DeploymentOptions().setInstances(EVENT_LOOPS));
    try {
      deployed.toCompletionStage().toCompletableFuture().get(START_STOP_SECONDS, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw new CaptureStartException("cannot listen on " + config.bindHost() + ":" + port + ": " + e.getCause().getMessage(), e.getCause());
    } catch (TimeoutException e) {
      throw new CaptureStartException("capture did not start listening within " + START_STOP_SECONDS + " s", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CaptureStartException("interrupted while starting capture", e);
    }
  }

  private static void requireLoopback(String host) throws CaptureStartException {
    boolean loopback;
    try {
      loopback = BindAddress.isLoopback(host);
    } catch (UnknownHostException e) {
      throw new CaptureStartException("cannot resolve the bind address '" + host + "'", e);
    }
    if (!loopback) {
      throw new CaptureStartException("refusing to listen on " + host + " without auth: anyone who can reach it could send events."
          + " Add a tokens file (--tokens-file tokens.yaml) such as\n"
          + "apps:\n  web:\n    tokens: [\"<at least 16 characters, e.g. from: openssl rand -hex 24>\"]\n"
          + "or bind to a loopback address (127.0.0.1). See docs/capture.md.");
    }
  }
}
