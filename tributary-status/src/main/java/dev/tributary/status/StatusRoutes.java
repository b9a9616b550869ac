package dev.tributary.status;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The status paths every long-running command answers, on its own port ({@link StatusServer}) or
 * beside its API (capture, the bus): {@code GET /health/live}, {@code GET /health/ready} (one body
 * shape, see {@link HealthReport}), {@code GET /metrics} (Prometheus text) and the live page
 * {@code GET /status} ({@link StatusPage}), which samples from its start. A command adds its
 * checks: a failing readiness check takes it out of a load balancer, a failing liveness check gets
 * it restarted, so liveness checks only what a restart would cure.
 */
public final class StatusRoutes {
  static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final String command;
  private final PrometheusMeterRegistry registry;
  private final Vertx vertx;
  private final HealthReport liveness = new HealthReport("live", "not_live");
  private final HealthReport readiness = new HealthReport("ready", "not_ready");
  private final StatusPage page;
  private volatile Runnable beforeScrape = () -> { };

  public StatusRoutes(String command, PrometheusMeterRegistry registry, Vertx vertx) {
    this.command = command;
    this.registry = registry;
    this.vertx = vertx;
    this.page = new StatusPage(command, registry, this::readinessBody, vertx);
  }

  /** Adds a check to {@code /health/ready}; names are unique. */
  public StatusRoutes readiness(String name, Supplier<CheckResult> check) {
    readiness.add(name, check);
    return this;
  }

  /** Adds a check to {@code /health/live}; names are unique. */
  public StatusRoutes liveness(String name, Supplier<CheckResult> check) {
    liveness.add(name, check);
    return this;
  }

  /** Runs {@code refresh} off the event loop before each scrape, for gauges that read the disk. */
  public StatusRoutes beforeScrape(Runnable refresh) {
    this.beforeScrape = refresh;
    return this;
  }

  /** The command whose status this is ({@code serve}, {@code sink}, …). */
  public String command() {
    return command;
  }

  /** The {@code /health/ready} body as it would be answered now. */
  public Map<String, Object> readinessBody() {
    return readiness.answer().body();
  }

  /** Answers {@code request} and returns true when its path is a status path, else returns false and leaves it. */
  public boolean handle(HttpServerRequest request) {
    switch (request.path()) {
      case "/health/live" -> onlyGet(request, () -> health(request.response(), liveness));
      case "/health/ready" -> onlyGet(request, () -> health(request.response(), readiness));
      case "/metrics" -> onlyGet(request, () -> metrics(request.response()));
      default -> {
        if (!request.path().equals("/status") && !request.path().startsWith("/status/")) return false;
        page.handle(request);
      }
    }
    return true;
  }

  /** The paths {@link #handle} answers, for a 404 that says where to go. */
  public static String paths() {
    return "GET /health/live, /health/ready, /metrics, /status";
  }

  private void health(HttpServerResponse response, HealthReport report) {
    // Checks may touch the disk or take a lock held by a writer: off the event loop.
    vertx.executeBlocking(report::answer, false).onComplete(result -> {
      if (result.succeeded()) {
        json(response, result.result().status(), result.result().body());
      } else {
        json(response, 500, Map.of("status", "error", "reason", "could not run the checks: " + result.cause()));
      }
    });
  }

  private void metrics(HttpServerResponse response) {
    vertx.executeBlocking(() -> {
      beforeScrape.run();
      return registry.scrape();
    }, false).onComplete(result -> {
      if (result.succeeded()) {
        response.putHeader("Content-Type", PROMETHEUS_TEXT).end(result.result());
      } else {
        json(response, 500, Map.of("error", "could not render metrics: " + result.cause()));
      }
    });
  }

  private static void onlyGet(HttpServerRequest request, Runnable answer) {
    if (request.method() == HttpMethod.GET || request.method() == HttpMethod.HEAD) {
      answer.run();
    } else {
      request.response().putHeader("Allow", "GET");
      json(request.response(), 405, Map.of("error", request.method() + " is not allowed on " + request.path() + "; use GET"));
    }
  }

  static void json(HttpServerResponse response, int status, Object body) {
    String text;
    try {
      text = JSON.writeValueAsString(body) + "\n";
    } catch (JsonProcessingException e) {
      status = 500;
      text = "{\"error\":\"could not write the answer\"}\n";
    }
    response.setStatusCode(status).putHeader("Content-Type", "application/json").end(text);
  }
}
