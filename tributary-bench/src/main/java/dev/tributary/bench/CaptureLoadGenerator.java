package dev.tributary.bench;

import dev.tributary.spool.ProgressLine;
import io.vertx.core.AsyncResult;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Recorder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An open-loop load generator for the capture API. Request {@code i} is due at {@code start + i /
 * rate}, whether or not earlier requests were answered, and its latency runs from when it was
 * due to when its answer is complete: a server that stalls is charged for every request that
 * queued behind the stall (coordinated omission corrected). At most {@code maxInFlight}
 * requests await answers; a due request that finds no room waits for one and is counted as
 * delayed, and requests still unsent a second after the run's last due time are counted as
 * errors, never dropped silently. Requests due during warmup but still unsent when it ends are
 * skipped (they are not measured anyway), so the measured part does not start behind a backlog
 * that only an overloaded warmup built.
 *
 * <p>One scheduler thread times the requests; one Vert.x event loop sends them, so the load
 * generator uses at most about one core beside the server it measures.
 */
public final class CaptureLoadGenerator implements AutoCloseable {

  static final String NOT_SENT = "not sent (in-flight cap)";
  static final String TIMEOUT = "timeout";
  private static final long SEND_GRACE_NANOS = TimeUnit.SECONDS.toNanos(1);
  private static final Logger log = LoggerFactory.getLogger(CaptureLoadGenerator.class);

  private final Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
  private final PrintWriter progressTo;
  private final Duration progressInterval;

  /** A generator that reports only its results. */
  public CaptureLoadGenerator() {
    this(null, null);
  }

  /** A generator that also prints each run's progress on {@code progressTo} every {@code interval}. */
  public CaptureLoadGenerator(PrintWriter progressTo, Duration interval) {
    this.progressTo = progressTo;
    this.progressInterval = interval;
  }

  /** Runs one load to the end and reports it. Blocks for about warmup + duration. */
  public LoadResult run(LoadOptions options) throws InterruptedException {
    HttpClientAgent client = vertx.createHttpClient(
        new HttpClientOptions().setKeepAlive(true).setTcpNoDelay(true),
        new PoolOptions().setHttp1MaxSize(options.connections()));
    try {
      log.info("load: {} against {}", options.describe(), options.target());
      Run run = new Run(options, client, vertx.getOrCreateContext());
      try (ProgressLine progress = progressTo == null ? null : ProgressLine.start(progressTo,
          String.format("tributary bench capture at %,.0f req/s", options.requestsPerSecond()), progressInterval, run::reading)) {
        return run.execute();
      }
    } finally {
      client.close().toCompletionStage().toCompletableFuture().join();
    }
  }

  /** Runs {@code search} with loads shaped like {@code base}, one after another on this generator. */
  public RateSearch.Outcome findMaxSustainedRate(LoadOptions base, RateSearch search) {
    return search.find(base, options -> {
      try {
        return run(options);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted during the rate search", e);
      }
    });
  }

  @Override
  public void close() {
    vertx.close().toCompletionStage().toCompletableFuture().join();
  }

  /** The state of one load: counters filled in by answers arriving on the event loop. */
  private static final class Run {
    private final LoadOptions options;
    private final HttpClientAgent client;
    private final Context context;
    private final EventBodies bodies;
    private final RequestOptions request;
    private final Semaphore inFlight;
    private final Recorder latencies = new Recorder(3);
    private final Recorder sendLags = new Recorder(3);
    /** The latencies since the last progress line. */
    private final Recorder recentLatencies = new Recorder(3);
    /** Requests scheduled so far (sent, or skipped as warmup backlog), for the progress thread. */
    private volatile long scheduled;
    private final LongAdder ok = new LongAdder();
    private final Map<String, LongAdder> errors = new ConcurrentHashMap<>();
    private final AtomicLong lastAnswer = new AtomicLong(Long.MIN_VALUE);
    private long delayedByCap;

    Run(LoadOptions options, HttpClientAgent client, Context context) {
      this.options = options;
      this.client = client;
      this.context = context;
      this.inFlight = new Semaphore(options.maxInFlight());
      int port = options.target().getPort() == -1 ? 80 : options.target().getPort();
      String path = options.target().getRawPath().isEmpty() ? "/" : options.target().getRawPath();
      this.bodies = new EventBodies(EventBodies.Shape.of(path), options.eventBytes(), options.eventsPerRequest());
      this.request = new RequestOptions().setMethod(HttpMethod.POST)
          .setHost(options.target().getHost()).setPort(port).setURI(path)
          .setConnectTimeout(options.requestTimeout().toMillis())
          .setIdleTimeout(options.requestTimeout().toMillis())
          .putHeader("Content-Type", bodies.contentType());
      options.bearerToken().ifPresent(t -> request.putHeader("Authorization", "Bearer " + t));
    }

    LoadResult execute() throws InterruptedException {
      long warmup = options.warmupRequests();
      long total = warmup + options.measuredRequests();
      double interval = 1e9 / options.requestsPerSecond();
      long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(10);
      long measureStart = start + Math.round(warmup * interval);
      long giveUp = start + Math.round(total * interval) + SEND_GRACE_NANOS;
      for (long i = 0; i < total; i++) {
        scheduled = i;
        boolean measured = i >= warmup;
        if (!measured && System.nanoTime() >= measureStart) {
          i = warmup - 1; // skip the warmup backlog
          continue;
        }
        long due = start + Math.round(i * interval);
        parkUntil(due);
        if (!inFlight.tryAcquire()) {
          if (measured) delayedByCap++;
          long deadline = measured ? giveUp : measureStart;
          if (!inFlight.tryAcquire(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
            if (measured) {
              count(NOT_SENT, total - i);
              break;
            }
            i = warmup - 1;
            continue;
          }
        }
        scheduled = i + 1; // before it is sent: its answer may come before the next line of this loop
        send(i, due, measured);
      }
      scheduled = total;
      awaitAnswers();
      return result(measureStart);
    }

    private void send(long index, long due, boolean measured) {
      Buffer body = Buffer.buffer(bodies.request(index));
      context.runOnContext(v -> {
        if (measured) sendLags.recordValue(Math.max(0, System.nanoTime() - due));
        client.request(request)
            .compose(req -> req.send(body))
            .compose(resp -> resp.body().map(ignored -> resp.statusCode()))
            .onComplete(answer -> answered(due, measured, answer));
      });
    }

    private void answered(long due, boolean measured, AsyncResult<Integer> answer) {
      long now = System.nanoTime();
      try {
        if (!measured) return;
        if (answer.failed()) {
          count(describe(answer.cause()), 1);
        } else if (answer.result() / 100 == 2) {
          latencies.recordValue(now - due);
          recentLatencies.recordValue(now - due);
          ok.increment();
          lastAnswer.accumulateAndGet(now, Math::max);
        } else {
          count(String.valueOf(answer.result()), 1);
        }
      } finally {
        inFlight.release();
      }
    }

    private static String describe(Throwable failure) {
      String name = failure.getClass().getSimpleName();
      return name.contains("Timeout") ? TIMEOUT : name;
    }

    private void count(String cause, long n) {
      if (n > 0) errors.computeIfAbsent(cause, k -> new LongAdder()).add(n);
    }

    /** Every request sent gets an answer or times out; wait for all of them before reporting. */
    private void awaitAnswers() throws InterruptedException {
      long patience = 2 * options.requestTimeout().toNanos() + TimeUnit.SECONDS.toNanos(5);
      if (!inFlight.tryAcquire(options.maxInFlight(), patience, TimeUnit.NANOSECONDS)) {
        int missing = options.maxInFlight() - inFlight.availablePermits();
        log.warn("{} requests still without answer or timeout after {} ms; counted as timeouts",
            missing, patience / 1_000_000);
        count(TIMEOUT, missing);
      }
    }

    private LoadResult result(long measureStart) {
      long answered = ok.sum();
      double seconds = options.duration().toNanos() / 1e9;
      if (answered > 0) seconds = Math.max(seconds, (lastAnswer.get() - measureStart) / 1e9);
      Map<String, Long> errorCounts = new TreeMap<>();
      errors.forEach((k, v) -> errorCounts.put(k, v.sum()));
      return new LoadResult(options, options.measuredRequests(), answered, Map.copyOf(errorCounts), delayedByCap,
          answered / seconds, LoadResult.Latency.of(latencies.getIntervalHistogram()),
          LoadResult.Latency.of(sendLags.getIntervalHistogram()));
    }

    /**
     * Requests scheduled of all, then what answered and the latency lately; read on the progress
     * thread. The answers are counted before the schedule is read, so a line never shows more
     * answered than scheduled (requests answer while it is being read).
     */
    ProgressLine.Reading reading() {
      long answered = ok.sum();
      long errorCount = errors.values().stream().mapToLong(LongAdder::sum).sum();
      long scheduledNow = scheduled;
      ProgressLine.Reading r = ProgressLine.Reading.of(scheduledNow, options.warmupRequests() + options.measuredRequests(), "requests");
      if (scheduledNow < options.warmupRequests()) return r.and("warming up");
      var recent = recentLatencies.getIntervalHistogram();
      return r.and(String.format("%,d answered 2xx, %,d errors, p99 %s since the last line", answered, errorCount,
          recent.getTotalCount() == 0 ? "-" : String.format("%.1f ms", recent.getValueAtPercentile(99) / 1e6)));
    }

    private static void parkUntil(long due) {
      for (long wait = due - System.nanoTime(); wait > 0; wait = due - System.nanoTime()) {
        LockSupport.parkNanos(wait);
      }
    }
  }
}
