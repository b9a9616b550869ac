package dev.tributary.status;

import dev.tributary.http.VertxShutdown;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * {@link StatusRoutes} on a port of their own, for the commands that serve no other HTTP
 * ({@code sink}, {@code refine}, {@code journal replicate}): one event loop, since status requests
 * are few and their work runs on the worker pool.
 */
public final class StatusServer implements AutoCloseable {
  private static final long START_STOP_SECONDS = 30;

  private final Vertx vertx;
  private final HttpServer server;
  private final StatusRoutes routes;

  private StatusServer(Vertx vertx, HttpServer server, StatusRoutes routes) {
    this.vertx = vertx;
    this.server = server;
    this.routes = routes;
  }

  /**
   * Listens on {@code bind:port} (0 picks a free port) with the routes of {@code command}, whose
   * checks {@code checks} adds before the first request can arrive.
   */
  public static StatusServer start(String command, String bind, int port, PrometheusMeterRegistry registry,
      Consumer<StatusRoutes> checks) throws StatusServerException {
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setWorkerPoolSize(2));
    StatusRoutes routes = new StatusRoutes(command, registry, vertx);
    checks.accept(routes);
    try {
      HttpServer server = vertx.createHttpServer(new HttpServerOptions().setHost(bind).setPort(port))
          .requestHandler(request -> {
            if (!routes.handle(request)) {
              StatusRoutes.json(request.response(), 404, Map.of("error", "no such endpoint: " + request.path()
                  + "; this port serves " + StatusRoutes.paths()));
            }
          })
          .listen().toCompletionStage().toCompletableFuture().get(START_STOP_SECONDS, TimeUnit.SECONDS);
      return new StatusServer(vertx, server, routes);
    } catch (ExecutionException e) {
      vertx.close();
      throw new StatusServerException("cannot serve status on " + bind + ":" + port + ": " + e.getCause().getMessage(), e.getCause());
    } catch (TimeoutException | InterruptedException e) {
      vertx.close();
      if (e instanceof InterruptedException) Thread.currentThread().interrupt();
      throw new StatusServerException("status server on " + bind + ":" + port + " did not start", e);
    }
  }

  public int port() {
    return server.actualPort();
  }

  public StatusRoutes routes() {
    return routes;
  }

  @Override
  public void close() {
    VertxShutdown.close(vertx, Duration.ofSeconds(START_STOP_SECONDS), "the status server");
  }

  /** The status server could not listen (port taken, address not local). */
  public static final class StatusServerException extends Exception {
    StatusServerException(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
