package dev.tributary.status;

import io.micrometer.core.instrument.*;
import io.micrometer.prometheusmetrics.*;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ScratchPageRun {
  @Test
  void run() throws Exception {
    PrometheusMeterRegistry r = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    Counter in = Counter.builder("tributary.capture.events.accepted").register(r);
    Counter out = Counter.builder("tributary.forwarder.sent").register(r);
    Timer t = Timer.builder("tributary.capture.durable.append").publishPercentileHistogram().register(r);
    AtomicLong reach = new AtomicLong(1), lag = new AtomicLong(0), size = new AtomicLong(1 << 20);
    Gauge.builder("tributary.forwarder.kafka.reachable", reach, AtomicLong::get).register(r);
    Gauge.builder("tributary.forwarder.lag.records", lag, AtomicLong::get).register(r);
    Gauge.builder("tributary.spool.size", size, AtomicLong::get).register(r);
    Gauge.builder("tributary.spool.capacity", () -> 10 << 20).register(r);
    Gauge.builder("tributary.forwarder.dead.letters.stored", () -> 0).register(r);
    Vertx vertx = Vertx.vertx();
    StatusPage page = new StatusPage("serve", r, () -> Map.of("status", "ready", "checks", Map.of("spool", Map.of("status", "ok"),
        "kafka", Map.of("status", reach.get() == 1 ? "ok" : "degraded", "reason", "unreachable", "bootstrap", "127.0.0.1:9092"))), vertx);
    vertx.createHttpServer().requestHandler(page::handle).listen(18777, "127.0.0.1").toCompletionStage().toCompletableFuture().join();
    long end = System.currentTimeMillis() + Long.getLong("scratch.seconds", 40) * 1000;
    int i = 0;
    while (System.currentTimeMillis() < end) {
      i++;
      in.increment(50 + i % 7);
      if (i > 150) { reach.set(0); lag.addAndGet(55); size.addAndGet(20000); } else out.increment(50 + i % 5);
      t.record(Duration.ofMillis(2 + i % 3));
      if (i % 10 == 0) t.record(Duration.ofMillis(40));
      Thread.sleep(100);
    }
  }
}
