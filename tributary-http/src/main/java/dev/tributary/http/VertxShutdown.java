package dev.tributary.http;

import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Closes a server's own Vert.x instance (its listeners, connections and event loops) within a bound, as a command ends. */
public final class VertxShutdown {
  private static final Logger LOG = LoggerFactory.getLogger(VertxShutdown.class);

  private VertxShutdown() {}

  /** Closes {@code vertx}, waiting at most {@code within}; says so, naming {@code what}, when it could not. */
  public static void close(Vertx vertx, Duration within, String what) {
    try {
      vertx.close().toCompletionStage().toCompletableFuture().get(within.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      LOG.warn("{} did not close cleanly", what, e);
    }
  }
}
