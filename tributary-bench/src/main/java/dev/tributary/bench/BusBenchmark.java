package dev.tributary.bench;

import dev.tributary.bus.BusConfig;
import dev.tributary.bus.BusServer;
import dev.tributary.bus.LocalBus;
import dev.tributary.spool.FsyncPolicy;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Recorder;

/**
 * Write throughput of the bus over real HTTP on loopback: for each fsync policy, messages per
 * request and connection count, a fresh local bus in a scratch directory and a closed loop of
 * {@code connections} clients, each sending its next {@code /write} as soon as the previous one is
 * answered. Server and load generator share this JVM (and, on a small machine, its cores).
 */
public final class BusBenchmark {

  /** What to run: every combination of the lists, each load {@code warmup} then {@code duration}. */
  public record Settings(List<FsyncPolicy> fsyncs, List<Integer> messagesPerRequest, List<Integer> connections, int messageBytes,
                         Duration warmup, Duration duration) {

    /** always and never; 1 and 64 messages of 1 KiB; 4 and 16 connections; 3 s warmup, 10 s measured. */
    public static Settings defaults() {
      return new Settings(List.of(FsyncPolicy.ALWAYS, FsyncPolicy.NEVER), List.of(1, 64), List.of(4, 16), 1024,
          Duration.ofSeconds(3), Duration.ofSeconds(10));
    }
  }

  /** One load's outcome. */
  public record Result(FsyncPolicy fsync, int messagesPerRequest, int connections, long requests, double seconds,
                       LoadResult.Latency latency, Map<String, Long> errors) {
    public double messagesPerSecond() {
      return requests * messagesPerRequest / seconds;
    }

    String row(int messageBytes) {
      return String.format("%-7s %9d %6d %12.0f %12.0f %8.1f %8s %8s %8s  %s", fsync, messagesPerRequest, connections, requests / seconds,
          messagesPerSecond(), messagesPerSecond() * messageBytes / 1e6, LoadResult.f(latency.p50()), LoadResult.f(latency.p99()),
          LoadResult.f(latency.max()), errors.isEmpty() ? "none" : errors.toString());
    }
  }

  private BusBenchmark() {}

  public static List<Result> run(Settings settings) throws Exception {
    List<Result> results = new ArrayList<>();
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
    try {
      for (FsyncPolicy fsync : settings.fsyncs()) {
        for (int messages : settings.messagesPerRequest()) {
          for (int connections : settings.connections()) {
            results.add(runOne(vertx, settings, fsync, messages, connections));
          }
        }
      }
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().join();
    }
    return results;
  }

  private static Result runOne(Vertx vertx, Settings settings, FsyncPolicy fsync, int messages, int connections) throws Exception {
    try (ScratchDirectory dir = ScratchDirectory.create("tributary-bus-bench")) {
      LocalBus bus = LocalBus.open(BusConfig.defaults(dir.resolve("bus"), "bench").withFsync(fsync));
      try (BusServer server = BusServer.start(bus, "127.0.0.1", 0)) {
        HttpClientAgent client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setTcpNoDelay(true),
            new PoolOptions().setHttp1MaxSize(connections));
        try {
          return new Load(client, server.port(), body(messages, settings.messageBytes()), fsync, messages, connections).run(settings);
        } finally {
          client.close().toCompletionStage().toCompletableFuture().join();
        }
      } finally {
        bus.close();
      }
    }
  }

  /** {@code messages} messages of {@code bytes} bytes each, the last one {@code \n}. */
  static byte[] body(int messages, int bytes) {
    byte[] body = new byte[messages * bytes];
    for (int i = 0; i < body.length; i++) body[i] = (byte) ('a' + i % 26);
    for (int m = 1; m <= messages; m++) body[m * bytes - 1] = '\n';
    return body;
  }

  /** A closed loop: each of {@code connections} clients keeps exactly one request in flight. */
  private static final class Load {
    private final HttpClientAgent client;
    private final RequestOptions request;
    private final byte[] body;
    private final FsyncPolicy fsync;
    private final int messages;
    private final int connections;
    private final Recorder latencies = new Recorder(3);
    private final LongAdder ok = new LongAdder();
    private final Map<String, LongAdder> errors = new ConcurrentHashMap<>();
    private volatile boolean measuring;
    private volatile boolean stopping;
    private CountDownLatch stopped;

    Load(HttpClientAgent client, int port, byte[] body, FsyncPolicy fsync, int messages, int connections) {
      this.client = client;
      this.request = new RequestOptions().setMethod(HttpMethod.POST).setHost("127.0.0.1").setPort(port)
          .setURI("/write?category=bench").putHeader("Content-Type", "application/octet-stream");
      this.body = body;
      this.fsync = fsync;
      this.messages = messages;
      this.connections = connections;
    }

    Result run(Settings settings) throws InterruptedException {
      stopped = new CountDownLatch(connections);
      for (int i = 0; i < connections; i++) next();
      Thread.sleep(settings.warmup().toMillis());
      latencies.reset();
      measuring = true;
      long start = System.nanoTime();
      Thread.sleep(settings.duration().toMillis());
      measuring = false;
      long requests = ok.sum();
      double seconds = (System.nanoTime() - start) / 1e9;
      stopping = true;
      stopped.await(60, TimeUnit.SECONDS);
      Map<String, Long> errorCounts = new TreeMap<>();
      errors.forEach((k, v) -> errorCounts.put(k, v.sum()));
      return new Result(fsync, messages, connections, requests, seconds, LoadResult.Latency.of(latencies.getIntervalHistogram()),
          errorCounts);
    }

    private void next() {
      if (stopping) {
        stopped.countDown();
        return;
      }
      long sent = System.nanoTime();
      client.request(request)
          .compose(req -> req.send(Buffer.buffer(body)))
          .compose(resp -> resp.body().map(ignored -> resp.statusCode()))
          .onComplete(answer -> {
            if (measuring) {
              if (answer.succeeded() && answer.result() == 200) {
                latencies.recordValue(System.nanoTime() - sent);
                ok.increment();
              } else {
                String cause = answer.succeeded() ? String.valueOf(answer.result()) : answer.cause().getClass().getSimpleName();
                errors.computeIfAbsent(cause, k -> new LongAdder()).increment();
              }
            }
            next();
          });
    }
  }

  static String table(Settings settings, List<Result> results) {
    StringBuilder out = new StringBuilder(String.format(
        "Bus writes over HTTP/1.1 on loopback, %d B messages, closed loop (each connection sends when answered);%n"
            + "%s warmup then %s measured per row; latency in ms from send to answer%n%n",
        settings.messageBytes(), settings.warmup().toSeconds() + " s", settings.duration().toSeconds() + " s"));
    out.append(String.format("%-7s %9s %6s %12s %12s %8s %8s %8s %8s  %s%n", "fsync", "msgs/req", "conns", "requests/s", "messages/s",
        "MB/s", "p50", "p99", "max", "errors"));
    for (Result r : results) out.append(r.row(settings.messageBytes())).append('\n');
    return out.toString();
  }

  /** {@code [--fsync always,never] [--messages 1,64] [--connections 4,16] [--duration S] [--warmup S]} */
  public static void main(String[] args) throws Exception {
    Settings d = Settings.defaults();
    List<FsyncPolicy> fsyncs = d.fsyncs();
    List<Integer> messages = d.messagesPerRequest();
    List<Integer> connections = d.connections();
    Duration duration = d.duration();
    Duration warmup = d.warmup();
    for (int i = 0; i + 1 < args.length; i += 2) {
      String value = args[i + 1];
      switch (args[i]) {
        case "--fsync" -> fsyncs = Arrays.stream(value.split(",")).map(FsyncPolicy::parse).toList();
        case "--messages" -> messages = Arrays.stream(value.split(",")).map(Integer::valueOf).toList();
        case "--connections" -> connections = Arrays.stream(value.split(",")).map(Integer::valueOf).toList();
        case "--duration" -> duration = Duration.ofSeconds(Long.parseLong(value));
        case "--warmup" -> warmup = Duration.ofSeconds(Long.parseLong(value));
        default -> throw new IllegalArgumentException("unknown option " + args[i]
            + "; accepted: --fsync always,never --messages 1,64 --connections 4,16 --duration S --warmup S");
      }
    }
    Settings settings = new Settings(fsyncs, messages, connections, d.messageBytes(), warmup, duration);
    System.out.print(table(settings, run(settings)));
  }
}
