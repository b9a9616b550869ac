package dev.tributary.bus;

import dev.tributary.http.BindAddress;
import dev.tributary.http.TokensFile;
import dev.tributary.http.VertxShutdown;
import dev.tributary.status.StatusRoutes;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.file.FileSystemOptions;
import io.vertx.core.http.HttpServerOptions;
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
 * Serves a {@link Bus} over HTTP at the root of its own port (Chukcha's clients use no path
 * prefix), with the command's status paths unless it runs beside another command, on its own Vert.x instance with {@value #EVENT_LOOPS} event loops, one listening
 * server per loop. It does not own the bus: close the bus after the server.
 */
public final class BusServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(BusServer.class);
  static final int EVENT_LOOPS = 2;
  private static final long START_STOP_SECONDS = 30;
  private static final int IDLE_SECONDS = 60;

  private final Vertx vertx;
  private final int port;

  private BusServer(Vertx vertx, int port) {
    this.vertx = vertx;
    this.port = port;
  }

  /** Starts listening on {@code host:port} (port 0: a free one), without auth, and returns once it accepts connections. */
  public static BusServer start(Bus bus, String host, int port) throws IOException {
    return start(bus, host, port, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), null);
  }

  /**
   * As {@link #start(Bus, String, int)}, counting requests into {@code registry} and serving the
   * status paths of the {@code bus} command ({@link StatusRoutes}) beside the bus's own; with
   * {@code tokens} (null: no auth, loopback only) each request needs a token with the right for it.
   */
  public static BusServer start(Bus bus, String host, int port, PrometheusMeterRegistry registry, TokensFile tokens) throws IOException {
    return start(bus, host, port, Messages.MAX_BODY_BYTES, registry, registry, tokens);
  }

  /**
   * The bus beside another command that serves the status paths itself ({@code serve}): requests
   * are counted into that command's {@code registry}, and this port serves the bus alone.
   */
  public static BusServer startBeside(Bus bus, String host, int port, MeterRegistry registry, TokensFile tokens) throws IOException {
    return start(bus, host, port, Messages.MAX_BODY_BYTES, registry, null, tokens);
  }

  /** As {@link #start(Bus, String, int)}, refusing write bodies over {@code maxBodyBytes} (at most {@link Messages#MAX_BODY_BYTES}). */
  static BusServer start(Bus bus, String host, int port, int maxBodyBytes) throws IOException {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    return start(bus, host, port, maxBodyBytes, registry, registry, null);
  }

  /**
   * What {@link #start} refuses, checked without listening: no tokens on an address beyond
   * loopback, where anyone who reaches the port could read and acknowledge every category.
   *
   * @throws IllegalArgumentException with a message that says what to do
   */
  public static void check(String host, TokensFile tokens) {
    if (tokens != null) return;
    boolean loopback;
    try {
      loopback = BindAddress.isLoopback(host);
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("cannot resolve the bind address '" + host + "'", e);
    }
    if (!loopback) {
      throw new IllegalArgumentException("refusing to listen on " + host + " without auth: anyone who can reach it could write,"
          + " read and acknowledge every category. Add a tokens file (--tokens-file tokens.yaml) whose apps have bus rights, such as\n"
          + "apps:\n  orders:\n    tokens: [\"<at least 16 characters, e.g. from: openssl rand -hex 24>\"]\n"
          + "    bus: {write: [\"orders.*\"], read: [\"*\"], ack: [\"*\"]}\n"
          + "or bind to a loopback address (127.0.0.1). See docs/bus.md.");
    }
  }

  /** Serves the status paths, with {@code statusRegistry}'s metrics, unless it is null. */
  private static BusServer start(Bus bus, String host, int port, int maxBodyBytes, MeterRegistry registry,
      PrometheusMeterRegistry statusRegistry, TokensFile tokens) throws IOException {
    check(host, tokens);
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(EVENT_LOOPS).setPreferNativeTransport(true)
        .setFileSystemOptions(new FileSystemOptions().setFileCachingEnabled(false).setClassPathResolvingEnabled(false)));
    try {
      StatusRoutes routes = statusRegistry == null ? null : new StatusRoutes("bus", statusRegistry, vertx);
      BusHandler handler = new BusHandler(bus, vertx, Math.min(maxBodyBytes, Messages.MAX_BODY_BYTES), registry, routes,
          new BusAccess(tokens));
      int bound = port != 0 ? port : freePort(host);
      // A connection silent for a minute (a client gone, or one trickling a body) is closed.
      HttpServerOptions options = new HttpServerOptions().setHost(host).setPort(bound).setTcpNoDelay(true)
          .setHttp2ClearTextEnabled(false).setDecompressionSupported(false).setIdleTimeout(IDLE_SECONDS)
          .setMaxChunkSize(64 << 10); // bodies arrive in fewer, larger pieces than the default 8 KiB
      Future<String> deployed = vertx.deployVerticle(() -> new VerticleBase() {
        @Override
        public Future<?> start() {
          return vertx.createHttpServer(options).requestHandler(handler).listen();
        }
      }, new DeploymentOptions().setInstances(EVENT_LOOPS));
      deployed.toCompletionStage().toCompletableFuture().get(START_STOP_SECONDS, TimeUnit.SECONDS);
      LOG.info("bus listening on http://{}:{}, auth {}", host, bound, tokens == null ? "off (loopback only)" : "on, " + tokens.size() + " tokens");
      return new BusServer(vertx, bound);
    } catch (ExecutionException e) {
      vertx.close();
      throw new IOException("cannot listen on " + host + ":" + port + ": " + e.getCause().getMessage(), e.getCause());
    } catch (TimeoutException e) {
      vertx.close();
      throw new IOException("the bus did not start listening within " + START_STOP_SECONDS + " s", e);
    } catch (InterruptedException e) {
      vertx.close();
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while starting the bus", e);
    } catch (IOException | RuntimeException e) {
      vertx.close();
      throw e;
    }
  }

  private static int freePort(String host) throws IOException {
    try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getByName(host))) {
      return probe.getLocalPort();
    }
  }

  public int port() {
    return port;
  }

  /** Stops listening and closes open connections. */
  @Override
  public void close() {
    VertxShutdown.close(vertx, Duration.ofSeconds(START_STOP_SECONDS), "the bus server");
  }
}
