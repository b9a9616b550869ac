package dev.tributary.kafka;

import dev.tributary.spool.Spool;
import dev.tributary.spool.SpoolClosedException;
import dev.tributary.spool.SpoolConfig;
import dev.tributary.spool.SpoolCursor;
import dev.tributary.spool.SpoolRecord;
import dev.tributary.spool.SpoolUsage;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import java.io.Closeable;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Forwards the spool to Kafka through the cursor {@value #CURSOR}, on a thread of its own.
 *
 * <p>The cursor is acknowledged only up to the highest offset below which Kafka confirmed every
 * record ({@link ContiguousAckTracker}), so a crash re-sends at most the unconfirmed window. A
 * broker outage only pauses the idempotent producer (it retries inside, with no delivery timeout),
 * and the broker drops the duplicates of what it re-sends. Any other failure of a send closes the
 * producer and starts a new one from the cursor, after a backoff that doubles up to the configured
 * cap; it sends again only the records the failed producer left unconfirmed (counted in
 * {@code tributary.forwarder.resent}: the only possible duplicates). Records Kafka will never take
 * go to the dead letters.
 */
public final class SpoolForwarder implements Closeable {
  public static final String CURSOR = "forwarder";
  private static final Logger log = LoggerFactory.getLogger(SpoolForwarder.class);
  private static final int POLL_RECORDS = 10_000;
  private static final long POLL_BYTES = 4L << 20;
  private static final Duration POLL_WAIT = Duration.ofMillis(100);
  private static final long ACK_EVERY_MILLIS = 100;
  private static final long MIN_BACKOFF_MILLIS = 100;
  /** Records tracked at once (confirmed or not) from the oldest unconfirmed one: bounds the tracker's memory. */
  private static final long MAX_TRACKED_RECORDS = 1_000_000;
  /**
   * The oldest record unconfirmed this long while Kafka answers probes means the producer is stuck
   * (it can be: seen retrying OUT_OF_ORDER_SEQUENCE_NUMBER forever on a just-created topic).
   */
  private static final Duration STALL = Duration.ofSeconds(30);
  /** From the linger of a healthy forwarder up to an hour-long Kafka outage. */
  private static final Duration[] DELAY_BUCKETS = Stream.of(5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000, 30_000, 60_000,
      300_000, 900_000, 3_600_000).map(Duration::ofMillis).toArray(Duration[]::new);

  private final Spool spool;
  private final ForwarderConfig config;
  private final TopicRouter router;
  private final SpoolCursor cursor;
  private final Spool deadLetterSpool;
  private final DeadLetters deadLetters;
  private final KafkaReachability reachability;
  private final Counter sent;
  private final Counter deadLettered;
  private final Counter resent;
  private final Counter restarts;
  private final Timer delay;
  private final MeterRegistry registry;
  private final Thread thread;
  private final Object sleeper = new Object();
  private volatile boolean stopping;
  private volatile boolean draining;
  private volatile long acknowledgedEnd;
  private Producer<byte[], byte[]> producer;
  private KafkaClientMetrics producerMetrics;
  private ContiguousAckTracker tracker;
  private long lastAcked = -1;
  private long lastAckAtMillis;
  private long backoffMillis;
  private boolean failing;
  private long unreachableSeenNanos = System.nanoTime();
  private final long stallNanos;
  private final AlreadyConfirmed alreadyConfirmed = new AlreadyConfirmed();

  private SpoolForwarder(Spool spool, ForwarderConfig config, MeterRegistry registry) throws IOException {
    this.spool = spool;
    this.config = config;
    this.registry = registry;
    this.router = new TopicRouter(config.topic());
    this.stallNanos = STALL.plus(config.linger().multipliedBy(2)).toNanos();
    this.deadLetterSpool = Spool.open(SpoolConfig.defaults(config.deadLetterDirectory()));
    SpoolCursor opened = null;
    try {
      this.deadLetters = DeadLetters.over(deadLetterSpool);
      opened = spool.cursor(CURSOR);
      this.reachability = new KafkaReachability(config, this::lagRecords);
    } catch (IOException | RuntimeException e) {
      if (opened != null) opened.close();
      deadLetterSpool.close();
      throw e;
    }
    this.cursor = opened;
    this.acknowledgedEnd = cursor.committed();
    this.sent = Counter.builder("tributary.forwarder.sent").description("records Kafka confirmed").register(registry);
    this.deadLettered = Counter.builder("tributary.forwarder.dead.letters").description("records set aside because Kafka will never take them").register(registry);
    this.resent = Counter.builder("tributary.forwarder.resent").description("unconfirmed records sent again after a producer restart: the only possible duplicates").register(registry);
    this.restarts = Counter.builder("tributary.forwarder.producer.restarts").description("producers closed after a failed send").register(registry);
    this.delay = Timer.builder("tributary.forwarder.delay")
        .description("from a record's append to the spool to Kafka confirming it: seconds normally, the outage's length after one")
        .serviceLevelObjectives(DELAY_BUCKETS).register(registry);
    Gauge.builder("tributary.forwarder.lag.records", this, f -> f.lag().records())
        .description("spool records Kafka has not confirmed yet").register(registry);
    Gauge.builder("tributary.forwarder.lag.bytes", this, f -> f.lag().bytes()).baseUnit("bytes")
        .description("bytes of spool records Kafka has not confirmed yet").register(registry);
    Gauge.builder("tributary.forwarder.lag.oldest.seconds", this, f -> f.lag().oldestAgeMillis() / 1000.0)
        .description("age of the oldest spool record Kafka has not confirmed").register(registry);
    // NaN (no sample) before the first probe, so that a fresh start does not read as an outage.
    Gauge.builder("tributary.forwarder.kafka.reachable", this, f -> !f.kafkaProbed() ? Double.NaN : f.kafkaReachable() ? 1 : 0)
        .description("1 while Kafka answers, 0 while it does not").register(registry);
    Gauge.builder("tributary.forwarder.dead.letters.stored", deadLetters, DeadLetters::count)
        .description("records in the dead-letter spool, waiting for 'tributary dead-letters replay'").register(registry);
    this.thread = Thread.ofPlatform().name("tributary-forwarder").daemon().unstarted(this::run);
  }

  /** Starts forwarding {@code spool} to Kafka; the dead-letter spool is opened in {@code config.deadLetterDirectory()}. */
  public static SpoolForwarder start(Spool spool, ForwarderConfig config, MeterRegistry registry) throws IOException {
    SpoolForwarder f = new SpoolForwarder(spool, config, registry);
    f.thread.start();
    log.info("forwarding spool to Kafka at {} (topic {}, linger {} ms, compression {}) from offset {}",
        config.bootstrapServers(), config.topic(), config.linger().toMillis(), config.compression(), f.acknowledgedEnd);
    return f;
  }

  /** Whether Kafka answered its last probe (every 2 s); false before the first one, see {@link #kafkaProbed}. */
  public boolean kafkaReachable() {
    return reachability.reachable();
  }

  /** Whether the first probe of Kafka has answered, either way (it runs at start and takes up to 4 s). */
  public boolean kafkaProbed() {
    return reachability.probed();
  }

  /** How far forwarding is behind the spool: records, bytes and age of the oldest not yet confirmed. */
  public SpoolUsage.CursorLag lag() {
    return spool.usage().cursors().stream().filter(c -> c.name().equals(CURSOR)).findFirst()
        .orElse(new SpoolUsage.CursorLag(CURSOR, acknowledgedEnd, 0, 0, 0));
  }

  private long lagRecords() {
    return lag().records();
  }

  /** The records set aside; shares this forwarder's dead-letter spool. */
  public DeadLetters deadLetters() {
    return deadLetters;
  }

  /**
   * Waits until everything appended so far is forwarded (confirmed by Kafka or set aside), for at
   * most {@code timeout}. True when the spool is fully forwarded. Meant for shutdown, once nothing
   * is appended any more.
   */
  public boolean drain(Duration timeout) throws InterruptedException {
    draining = true;
    long deadline = System.nanoTime() + timeout.toNanos();
    while (acknowledgedEnd < spool.nextOffset()) {
      if (System.nanoTime() > deadline || !thread.isAlive()) return false;
      Thread.sleep(20);
    }
    return true;
  }

  /** Stops forwarding, waiting briefly for records in flight; what is not confirmed is sent again next time. */
  @Override
  public void close() {
    stopping = true;
    synchronized (sleeper) {
      sleeper.notifyAll();
    }
    try {
      thread.join(TimeUnit.SECONDS.toMillis(15));
      if (thread.isAlive()) {
        thread.interrupt();
        thread.join(TimeUnit.SECONDS.toMillis(5));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    reachability.close();
    deadLetters.close();
    deadLetterSpool.close();
    List.of("tributary.forwarder.lag.records", "tributary.forwarder.lag.bytes", "tributary.forwarder.lag.oldest.seconds",
        "tributary.forwarder.kafka.reachable", "tributary.forwarder.dead.letters.stored")
        .forEach(name -> registry.find(name).meters().forEach(registry::remove));
  }

  private void run() {
    try {
      while (!stopping) {
        if (producer == null) startProducer();
        checkStalled();
        Throwable failure = tracker.failure();
        if (failure != null) {
          restartProducer(failure);
        } else if (!reachability.reachable()) {
          // Hold new records back while Kafka is away: sends of them would only time out waiting
          // for metadata and restart the producer. Records already handed to it wait inside it.
          acknowledge(draining);
          synchronized (sleeper) {
            if (!stopping) sleeper.wait(POLL_WAIT.toMillis());
          }
        } else if (tracker.awaitRoom(config.maxInFlightBytes(), MAX_TRACKED_RECORDS, POLL_WAIT.toMillis())) {
          List<SpoolRecord> batch = cursor.poll(POLL_RECORDS, POLL_BYTES, POLL_WAIT);
          for (SpoolRecord r : batch) {
            if (tracker.failure() != null || stopping) break;
            send(r);
          }
          acknowledge(batch.isEmpty() || draining);
        } else {
          acknowledge(draining);
        }
      }
      if (producer != null) {
        closeProducer(Duration.ofSeconds(5));
        acknowledge(true);
      }
    } catch (SpoolClosedException e) {
      log.info("spool closed; forwarder stops");
    } catch (InterruptedException e) {
      log.info("forwarder interrupted; stops");
    } catch (IOException | RuntimeException e) {
      log.error("forwarder stopped by an unexpected error; unforwarded records stay in the spool", e);
    } finally {
      if (producer != null) closeProducer(Duration.ZERO);
      cursor.close();
    }
  }

  /**
   * The producer retries inside without a deadline so that an outage ends without duplicates; the
   * price is that nothing else would notice it stuck while Kafka is fine.
   */
  private void checkStalled() {
    long now = System.nanoTime();
    if (!reachability.reachable()) {
      unreachableSeenNanos = now;
    } else if (now - Math.max(tracker.oldestPendingSentNanos(), unreachableSeenNanos) > stallNanos) {
      tracker.fail(new TimeoutException("a record unconfirmed for " + TimeUnit.NANOSECONDS.toSeconds(stallNanos)
          + " s while Kafka answers; the producer is stuck"));
    }
  }

  private void startProducer() {
    producer = new KafkaProducer<>(ProducerSettings.producer(config), new ByteArraySerializer(), new ByteArraySerializer());
    producerMetrics = new KafkaClientMetrics(producer);
    producerMetrics.bindTo(registry);
    tracker = new ContiguousAckTracker();
  }

  /** Closes the producer and removes its kafka_producer_* meters, which the next producer registers anew. */
  private void closeProducer(Duration timeout) {
    producerMetrics.close();
    producer.close(timeout);
    producer = null;
  }

  private void send(SpoolRecord r) {
    ContiguousAckTracker t = tracker;
    if (alreadyConfirmed.contains(r.offset())) {
      t.confirm(t.sent(r.offset(), 0));
      return;
    }
    long ticket = t.sent(r.offset(), r.payload().length);
    ProducerRecord<byte[], byte[]> record;
    try {
      record = OutgoingRecord.of(r.offset(), r.payload(), router, config.nodeId());
    } catch (IllegalArgumentException e) {
      setAside(t, ticket, r, config.topic(), e);
      return;
    }
    try {
      producer.send(record, (metadata, error) -> completed(t, ticket, r, record.topic(), error));
    } catch (RuntimeException e) {
      completed(t, ticket, r, record.topic(), e);
    }
  }

  private void completed(ContiguousAckTracker t, long ticket, SpoolRecord r, String topic, Exception error) {
    if (error == null) {
      if (t.confirm(ticket)) {
        sent.increment();
        delay.record(Math.max(0, System.currentTimeMillis() - r.appendedAtMillis()), TimeUnit.MILLISECONDS);
      }
    } else if (neverAccepted(error)) {
      setAside(t, ticket, r, topic, error);
    } else {
      Counter.builder("tributary.forwarder.errors").description("failed sends, retried, by error type")
          .tag("error", error.getClass().getSimpleName()).register(registry).increment();
      t.fail(error);
    }
  }

  /** Errors a retry cannot fix: the record goes to the dead letters instead of blocking the rest. */
  static boolean neverAccepted(Throwable error) {
    return error instanceof RecordTooLargeException || error instanceof InvalidTopicException
        || error instanceof TopicAuthorizationException;
  }

  private void setAside(ContiguousAckTracker t, long ticket, SpoolRecord r, String topic, Throwable reason) {
    synchronized (t) {
      if (t.isAbandoned()) return;
      // not on the spool's writer thread, which completes the append: it would wait for this lock
      deadLetters.add(r.offset(), topic, reason, r.payload()).whenCompleteAsync((offset, error) -> {
        if (error != null) {
          t.fail(error);
        } else if (t.confirm(ticket)) {
          deadLettered.increment();
          log.warn("spool record {} set aside as dead letter {} (topic {}): {}", r.offset(), offset, topic, reason.toString());
        }
      });
    }
  }

  private void restartProducer(Throwable failure) throws IOException, InterruptedException {
    acknowledge(true);
    long unconfirmed = tracker.unconfirmed();
    long[] ahead = tracker.abandon();
    closeProducer(Duration.ZERO);
    cursor.rewind();
    alreadyConfirmed.remember(ahead);
    restarts.increment();
    resent.increment(unconfirmed);
    backoffMillis = Math.min(config.maxBackoff().toMillis(), Math.max(MIN_BACKOFF_MILLIS, backoffMillis * 2));
    if (!failing) {
      log.warn("Kafka producer failed ({}); starting a new one and sending the {} unconfirmed records from spool offset {} again",
          failure.toString(), unconfirmed, cursor.committed());
    } else {
      log.debug("Kafka producer failed again ({}); next attempt in {} ms", failure.toString(), backoffMillis);
    }
    failing = true;
    synchronized (sleeper) {
      if (!stopping) sleeper.wait(backoffMillis);
    }
  }

  /** Acknowledges the cursor up to the contiguously confirmed offset, at most every 100 ms unless {@code now}. */
  private void acknowledge(boolean now) throws IOException {
    long upTo = tracker.contiguousOffset();
    long millis = System.currentTimeMillis();
    if (upTo <= lastAcked || (!now && millis - lastAckAtMillis < ACK_EVERY_MILLIS)) return;
    cursor.acknowledge(upTo);
    lastAcked = upTo;
    lastAckAtMillis = millis;
    acknowledgedEnd = cursor.committed();
    if (failing) {
      failing = false;
      backoffMillis = 0;
      log.info("Kafka producer confirms records again; forwarded up to spool offset {}", upTo);
    }
  }
}
