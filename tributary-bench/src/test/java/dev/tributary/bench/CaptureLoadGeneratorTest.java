package dev.tributary.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The load generator against a tiny real HTTP server on loopback whose answers the test controls. */
class CaptureLoadGeneratorTest {

  private Vertx vertx;
  private HttpServer server;
  private CaptureLoadGenerator generator;
  private final AtomicInteger requests = new AtomicInteger();

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
    generator = new CaptureLoadGenerator();
  }

  @AfterEach
  void stop() {
    generator.close();
    vertx.close().toCompletionStage().toCompletableFuture().join();
  }

  private LoadOptions serve(Handler<HttpServerRequest> handler) {
    server = vertx.createHttpServer().requestHandler(req -> {
      requests.incrementAndGet();
      handler.handle(req);
    }).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().join();
    return LoadOptions.defaults(URI.create("http://127.0.0.1:" + server.actualPort() + "/v1/events"))
        .withWarmup(Duration.ZERO).withDuration(Duration.ofSeconds(2)).withRate(100);
  }

  @Test
  void sendsEveryDueRequestWithEventsOfTheAskedSizeAndUniqueIds() throws Exception {
    Set<String> ids = ConcurrentHashMap.newKeySet();
    List<String> problems = new ArrayList<>();
    LoadOptions options = serve(req -> req.body().onSuccess(body -> {
      String ndjson = body.toString(StandardCharsets.UTF_8);
      if (!ndjson.endsWith("\n")) problems.add("no final newline");
      for (String line : ndjson.split("\n")) {
        if (line.length() != 300) problems.add("line of " + line.length() + " bytes");
        JsonObject event = new JsonObject(line);
        if (!"bench".equals(event.getString("event"))) problems.add("event type " + event.getString("event"));
        ids.add(event.getString("event_id"));
      }
      req.response().end("{\"accepted\":5}");
    })).withRate(200).withDuration(Duration.ofSeconds(1)).withWarmup(Duration.ofMillis(500))
        .withEventBytes(300).withEventsPerRequest(5);

    LoadResult result = generator.run(options);

    assertThat(problems).isEmpty();
    assertThat(result.due()).isEqualTo(200);
    assertThat(result.ok()).isEqualTo(200);
    assertThat(result.errors()).isEmpty();
    assertThat(result.latency().count()).isEqualTo(200);
    // Warmup requests are sent too, just not measured (a scheduler running late may skip a few).
    assertThat(requests.get()).isGreaterThan(200).isLessThanOrEqualTo(300);
    assertThat(ids).hasSize(requests.get() * 5);
  }

  @Test
  void chargesAStallToEveryRequestThatWasDueDuringIt() throws Exception {
    // One connection, answers at once except request 50 (due at 500 ms), held for 500 ms.
    // Requests due during the stall queue behind it; a closed-loop tool would record one slow
    // request, but each queued one is late by the time from when it was due to ~1,000 ms.
    LoadOptions options = serve(req -> {
      if (requests.get() == 51) vertx.setTimer(500, t -> req.response().end());
      else req.response().end();
    }).withConnections(1);

    LoadResult result = generator.run(options);

    assertThat(result.ok()).isEqualTo(200);
    assertThat(result.latency().max()).isGreaterThanOrEqualTo(500);
    // Requests due in 500..900 ms (20% of 200) each waited at least 100 ms.
    assertThat(result.latency().p90()).isGreaterThanOrEqualTo(100);
  }

  @Test
  void countsRequestsThatFoundNoRoomInsteadOfDroppingThem() throws Exception {
    // A server that takes 20 ms per request, one at a time, serves at most 50 req/s: at
    // 200 req/s the in-flight cap of 1 holds requests back until the run gives up on them.
    LoadOptions options = serve(req -> vertx.setTimer(20, t -> req.response().end()))
        .withRate(200).withDuration(Duration.ofSeconds(1)).withConnections(1).withMaxInFlight(1);

    LoadResult result = generator.run(options);

    assertThat(result.ok() + result.errorCount()).isEqualTo(200);
    assertThat(result.errors()).containsKey(CaptureLoadGenerator.NOT_SENT);
    assertThat(result.delayedByCap()).isPositive();
    assertThat(result.sustained(0.95, Double.MAX_VALUE)).isFalse();
    // Request k is due at 5k ms and cannot be answered before 20(k+1) ms: the median waited long.
    assertThat(result.latency().p50()).isGreaterThanOrEqualTo(200);
  }

  @Test
  void startsMeasuringWithoutTheBacklogAnOverloadedWarmupBuilt() throws Exception {
    // 50 req/s of capacity against 200 req/s: by the end of warmup 150 requests are behind.
    // Were they still sent first, no measured request would get through before the run ends.
    LoadOptions options = serve(req -> vertx.setTimer(20, t -> req.response().end()))
        .withRate(200).withWarmup(Duration.ofSeconds(1)).withDuration(Duration.ofSeconds(1))
        .withConnections(1).withMaxInFlight(1);

    LoadResult result = generator.run(options);

    assertThat(result.ok()).isPositive();
    assertThat(result.ok() + result.errorCount()).isEqualTo(200);
  }

  @Test
  void reportsErrorsByStatus() throws Exception {
    LoadOptions options = serve(req -> req.response().setStatusCode(requests.get() % 2 == 0 ? 503 : 200).end())
        .withDuration(Duration.ofSeconds(1));

    LoadResult result = generator.run(options);

    assertThat(result.ok()).isEqualTo(50);
    assertThat(result.errors()).containsExactlyEntriesOf(java.util.Map.of("503", 50L));
    assertThat(result.toTable()).contains("503: 50");
  }

  @Test
  void refusesEventsTooSmallToHoldTheirTypeAndId() {
    LoadOptions options = LoadOptions.defaults(URI.create("http://127.0.0.1:1/v1/events"));
    assertThatThrownBy(() -> options.withEventBytes(20))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("event size must be at least " + EventBodies.minEventBytes());
  }
}
