package dev.tributary.lake;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.FencedInstanceIdException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code tributary sink}: a member of a Kafka consumer group ({@code read_committed}) that lands
 * every record of its partitions exactly once in the lake, in a local directory or on S3.
 *
 * <p>One thread owns the consumer. Per record: place it (event partition, or {@code _errors}),
 * skip it if a published file of its Kafka partition already covers its offset (while replaying),
 * else append it to that partition's open file for the directory. Files complete by record rules
 * (bytes, records, received_at span: the same on any replay) or by a <em>cut</em> (wall-clock age,
 * revoke, shutdown) that is committed to Kafka before its files are published. Offsets are
 * committed only up to the first offset of a partition's oldest open file. See docs/lake.md for
 * the argument, case by case.
 */
public final class KafkaLakeSink implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(KafkaLakeSink.class);
  private static final Duration MAX_POLL_WAIT = Duration.ofMillis(500);
  private static final Duration COMMIT_INTERVAL = Duration.ofSeconds(1);
  private static final Duration RETRY_PAUSE = Duration.ofSeconds(1);
  private static final Duration TOPICS_TIMEOUT = Duration.ofSeconds(3);
  /** How soon a newly assigned partition's lag is a meter: Micrometer's default is a minute. */
  private static final Duration METER_REFRESH = Duration.ofSeconds(10);

  /**
   * Where one partition stands: the next offset to land, the committed offset (every record below
   * it is in a published file), and the received_at up to which the lake is complete (null until known).
   */
  public record PartitionStatus(String topic, int partition, long position, long committedOffset, Instant completeUpTo) {}

  private final KafkaSinkConfig config;
  private final LakeTable table;
  private final String token = HexFormat.of().formatHex(new SecureRandom().generateSeed(4));
  private final KafkaConsumer<byte[], byte[]> consumer;
  private final KafkaClientMetrics consumerMetrics;
  private final ScheduledExecutorService consumerMetricsRefresh = Executors.newSingleThreadScheduledExecutor(
      Thread.ofPlatform().name("kafka-lake-sink-meters").daemon().factory());
  private final MeterRegistry registry;
  private final Counter cuts;
  private final Map<TopicPartition, PartitionSink> assigned = new HashMap<>();
  private final Map<TopicPartition, PartitionStatus> status = new ConcurrentHashMap<>();
  private final Map<TopicPartition, Gauge> gauges = new HashMap<>();
  private final Thread thread;
  private final CountDownLatch stopped = new CountDownLatch(1);
  private volatile boolean stopping;
  private volatile boolean ready;
  /** Set by the group's assignment (empty or not: a member may get no partition), cleared when the membership is lost. */
  private volatile boolean joined;
  /** What the sink waits for before it subscribes (Kafka to answer, its topics to exist); null once subscribed. */
  private volatile String waitingFor;
  private long lastCommitNanos;

  private KafkaLakeSink(KafkaSinkConfig config, LakeStore store, MeterRegistry registry) {
    this.config = config;
    this.table = new LakeTable(store, KafkaSinkConfig.TABLE, config.pathFormat(), config.format(), new LakeWriter.Rolls(config.maxFileBytes(),
        config.maxFileRecords(), config.maxFileAge(), config.maxFileAge()), LakeMeters.register(registry));
    this.registry = registry;
    this.cuts = Counter.builder(LakeMeters.PREFIX + "cuts")
        .description("completions by wall clock, revoke or shutdown, recorded in Kafka before publishing").register(registry);
    this.consumer = new KafkaConsumer<>(consumerProperties(config));
    this.waitingFor = "connecting to Kafka at " + config.bootstrap();
    // kafka_consumer_*; the lag of each partition appears at the first refresh after its first fetch
    this.consumerMetrics = new KafkaClientMetrics(consumer, Tags.empty(), consumerMetricsRefresh, METER_REFRESH);
    consumerMetrics.bindTo(registry);
    this.thread = Thread.ofPlatform().name("kafka-lake-sink").unstarted(this::run);
  }

  /** Connects to the lake and starts the sink thread, which joins the group and follows its partitions. */
  public static KafkaLakeSink start(KafkaSinkConfig config, MeterRegistry registry) throws IOException {
    LakeStore store = config.target().open(null);
    KafkaLakeSink sink;
    try {
      sink = new KafkaLakeSink(config, store, registry);
    } catch (RuntimeException e) {
      store.close();
      throw e;
    }
    log.info("sink: group {} reading {} into {} (files complete at {} bytes, {} records or {} s), writer token {}",
        config.group(), config.topics(), config.target().describe(), config.maxFileBytes(), config.maxFileRecords(),
        config.maxFileAge().toSeconds(), sink.token);
    sink.thread.start();
    return sink;
  }

  /** True once the sink has joined its group and while no failure is being recovered from. */
  public boolean ready() {
    return ready;
  }

  /** What keeps the sink from subscribing: Kafka unreachable, its topics missing; empty once it has subscribed. */
  public java.util.Optional<String> waitingFor() {
    return java.util.Optional.ofNullable(waitingFor);
  }

  public boolean running() {
    return thread.isAlive();
  }

  /** The partitions this member holds, in topic and partition order. */
  public List<PartitionStatus> status() {
    return status.values().stream()
        .sorted(Comparator.comparing(PartitionStatus::topic).thenComparingInt(PartitionStatus::partition)).toList();
  }

  /**
   * Stops polling, completes and publishes the open files, commits and leaves the group. Returns
   * false when that did not finish within {@code timeout}.
   */
  public boolean stop(Duration timeout) throws InterruptedException {
    stopping = true;
    consumer.wakeup();
    return stopped.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  @Override
  public void close() {
    try {
      stop(Duration.ofSeconds(60));
      thread.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static Properties consumerProperties(KafkaSinkConfig config) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrap());
    p.put(ConsumerConfig.GROUP_ID_CONFIG, config.group());
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "5000");
    // a /regex/ subscription sees new topics at metadata refreshes: every 30 s rather than Kafka's 5 min
    if (KafkaSinkConfig.topicPattern(config.topics()) != null) p.put(ConsumerConfig.METADATA_MAX_AGE_CONFIG, "30000");
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    p.putAll(config.consumerProperties());
    // a mistyped --topics must not create a topic: the sink waits for the topics it reads instead
    p.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, "false");
    return p;
  }

  private void run() {
    try {
      Pattern pattern = KafkaSinkConfig.topicPattern(config.topics());
      if (!awaitTopics(pattern)) return;
      if (pattern != null) consumer.subscribe(pattern, new Rebalance());
      else consumer.subscribe(topicList(), new Rebalance());
      while (!stopping) {
        try {
          step();
          ready = joined;
        } catch (WakeupException e) {
          // stop() woke the poll; the loop condition ends it
        } catch (FencedInstanceIdException e) {
          log.error("another sink started with the same group.instance.id and took this member's place; stopping", e);
          assigned.values().forEach(PartitionSink::abandon);
          assigned.clear();
          return;
        } catch (IOException | KafkaException | UncheckedIOException e) {
          log.error("sink failed; abandoning open files and reading again from the committed offsets", e);
          table.meters().failures().increment();
          ready = false;
          restartAll();
          pause();
        }
      }
      shutdown();
    } catch (RuntimeException e) {
      log.error("sink stopped by an unexpected error; open files are abandoned, their records will be read again", e);
      assigned.values().forEach(PartitionSink::abandon);
    } finally {
      consumerMetrics.close();
      consumerMetricsRefresh.shutdownNow();
      try {
        consumer.close(org.apache.kafka.clients.consumer.CloseOptions.timeout(Duration.ofSeconds(30)));
      } catch (RuntimeException e) {
        log.warn("closing the Kafka consumer failed: {}", e.toString());
      }
      table.store().close();
      ready = false;
      stopped.countDown();
    }
  }

  /**
   * Subscribing to a topic that does not exist yet joins the group with no partition (ready with
   * nothing to do) and sees the topic only at a metadata refresh: wait for Kafka and the topics
   * first, saying why once per change. False when stopped meanwhile.
   */
  private boolean awaitTopics(Pattern pattern) {
    String logged = null;
    while (!stopping) {
      String missing;
      try {
        Set<String> existing = consumer.listTopics(TOPICS_TIMEOUT).keySet();
        missing = pattern != null ? (existing.stream().anyMatch(t -> pattern.matcher(t).matches()) ? null
            : "waiting for a topic matching /" + pattern + "/ to exist on " + config.bootstrap())
            : missingTopics(existing);
      } catch (WakeupException e) {
        return false;
      } catch (org.apache.kafka.common.errors.TimeoutException e) {
        missing = "Kafka at " + config.bootstrap() + " unreachable (no answer within " + TOPICS_TIMEOUT.toSeconds() + " s)";
      } catch (KafkaException e) {
        missing = "cannot list the topics on " + config.bootstrap() + ": " + e.getMessage();
      }
      if (missing == null) {
        waitingFor = null;
        if (logged != null) log.info("sink: the topics are there now; joining group {}", config.group());
        return true;
      }
      waitingFor = missing;
      if (!missing.equals(logged)) log.warn("sink: {}; retrying", missing);
      logged = missing;
      pause();
    }
    return false;
  }

  private String missingTopics(Set<String> existing) {
    List<String> missing = topicList().stream().filter(t -> !existing.contains(t)).toList();
    return missing.isEmpty() ? null : "waiting for topics " + String.join(", ", missing) + " to exist on " + config.bootstrap()
        + " (the sink never creates a topic it reads)";
  }

  private List<String> topicList() {
    return Stream.of(config.topics().split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
  }

  private void step() throws IOException {
    ConsumerRecords<byte[], byte[]> records = consumer.poll(pollWait());
    long now = System.nanoTime();
    for (TopicPartition tp : records.partitions()) {
      PartitionSink p = assigned.get(tp);
      if (p == null) continue; // revoked inside this poll
      for (ConsumerRecord<byte[], byte[]> r : records.records(tp)) p.place(r, now);
    }
    List<PartitionSink> due = assigned.values().stream().filter(p -> p.writer.nextDeadlineNanos() <= now).toList();
    if (!due.isEmpty()) cut(due);
    if (now - lastCommitNanos >= COMMIT_INTERVAL.toNanos()) commit(assigned.values());
    updateStatus();
  }

  private void shutdown() {
    try {
      try {
        cut(List.copyOf(assigned.values()));
      } catch (WakeupException e) {
        // stop()'s wakeup came while the loop was outside poll, and fired at the cut's first commit
        // instead, which it kept from being sent: the cut is taken again at the same offsets.
        cut(List.copyOf(assigned.values()));
      }
      log.info("sink stopped: open files published and offsets committed");
    } catch (IOException | KafkaException e) {
      log.error("sink could not publish its open files at shutdown; their records will be read again", e);
      assigned.values().forEach(PartitionSink::abandon);
    }
  }

  /**
   * Completes every open file of {@code parts} at their current offset: the cut is committed
   * first (fenced by the group generation, so a member that lost a partition cannot record one),
   * then the files are published, then the offsets after them committed.
   */
  private void cut(Collection<PartitionSink> parts) throws IOException {
    Map<TopicPartition, OffsetAndMetadata> cuts = new HashMap<>();
    Map<TopicPartition, Long> at = new HashMap<>();
    for (PartitionSink p : parts) {
      if (p.writer.openFiles() == 0) continue;
      long cut = p.cutHere();
      at.put(p.tp, cut);
      cuts.put(p.tp, new OffsetAndMetadata(p.committed(), PartitionSink.CUT + cut));
    }
    if (!cuts.isEmpty()) {
      try {
        consumer.commitSync(cuts);
      } catch (CommitFailedException | org.apache.kafka.common.errors.RebalanceInProgressException e) {
        log.warn("could not record a cut for {} ({}): this member may have lost them; their open files are abandoned",
            cuts.keySet(), e.toString());
        for (PartitionSink p : parts) {
          if (at.containsKey(p.tp)) assigned.put(p.tp, p.restart());
        }
        for (TopicPartition tp : at.keySet()) consumer.seek(tp, assigned.get(tp).committed());
        return;
      }
      this.cuts.increment(cuts.size());
    }
    for (PartitionSink p : parts) {
      Long cut = at.get(p.tp);
      if (cut != null) p.completeAtCut(cut);
    }
    commit(parts);
  }

  private void commit(Collection<PartitionSink> parts) {
    Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
    for (PartitionSink p : parts) {
      long safe = p.safeOffset();
      if (safe > p.committed()) offsets.put(p.tp, new OffsetAndMetadata(safe, p.metadataFor(safe)));
    }
    lastCommitNanos = System.nanoTime();
    if (offsets.isEmpty()) return;
    try {
      consumer.commitSync(offsets);
      offsets.forEach((tp, o) -> {
        PartitionSink p = assigned.get(tp);
        if (p != null) p.committed(o.offset());
      });
    } catch (CommitFailedException | org.apache.kafka.common.errors.RebalanceInProgressException e) {
      // the published files stay; whoever holds the partitions next skips what they cover
      log.warn("committing {} failed ({}); the group is rebalancing", offsets.keySet(), e.toString());
    }
  }

  private void restartAll() {
    for (Map.Entry<TopicPartition, PartitionSink> e : assigned.entrySet()) {
      PartitionSink fresh = e.getValue().restart();
      e.setValue(fresh);
      try {
        consumer.seek(e.getKey(), fresh.committed());
      } catch (RuntimeException seekFailed) {
        log.warn("cannot seek {} back to {}: {}", e.getKey(), fresh.committed(), seekFailed.toString());
      }
    }
  }

  private void updateStatus() {
    long now = System.currentTimeMillis();
    for (PartitionSink p : assigned.values()) {
      boolean caughtUp = consumer.currentLag(p.tp).orElse(1) == 0;
      long upTo = p.completeUpToMillis(caughtUp, now);
      PartitionStatus old = status.get(p.tp);
      Instant completeUpTo = upTo < 0 ? (old == null ? null : old.completeUpTo()) : Instant.ofEpochMilli(upTo);
      status.put(p.tp, new PartitionStatus(p.tp.topic(), p.tp.partition(), p.next(), p.committed(), completeUpTo));
    }
  }

  private Duration pollWait() {
    long next = Long.MAX_VALUE;
    for (PartitionSink p : assigned.values()) next = Math.min(next, p.writer.nextDeadlineNanos());
    long untilDue = next - System.nanoTime();
    return Duration.ofNanos(Math.max(TimeUnit.MILLISECONDS.toNanos(1), Math.min(untilDue, MAX_POLL_WAIT.toNanos())));
  }

  private void pause() {
    try {
      Thread.sleep(RETRY_PAUSE);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      stopping = true;
    }
  }

  /** Runs inside {@code poll}, on the sink thread. */
  private final class Rebalance implements ConsumerRebalanceListener {

    /**
     * Commits what is published and abandons the open files: the next owner reads their records
     * again and, as files complete only at record-determined boundaries, writes the same files a
     * member that had kept the partition would have (finishing them here would add a boundary).
     */
    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> revoked) {
      List<PartitionSink> parts = new ArrayList<>();
      for (TopicPartition tp : revoked) {
        PartitionSink p = assigned.get(tp);
        if (p != null) parts.add(p);
      }
      commit(parts);
      parts.forEach(PartitionSink::abandon);
      if (!parts.isEmpty()) log.info("revoked {}; committed what is published, abandoned the open files", revoked);
      forget(revoked);
    }

    @Override
    public void onPartitionsLost(Collection<TopicPartition> lost) {
      joined = false;
      log.warn("lost partitions {} (this member was out of the group); their open files are abandoned", lost);
      for (TopicPartition tp : lost) {
        PartitionSink p = assigned.get(tp);
        if (p != null) p.abandon();
      }
      forget(lost);
    }

    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> added) {
      joined = true;
      if (added.isEmpty()) return;
      Set<TopicPartition> tps = Set.copyOf(added);
      Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(tps);
      Map<TopicPartition, Long> ends = consumer.endOffsets(tps);
      for (TopicPartition tp : tps) {
        long from = consumer.position(tp);
        OffsetAndMetadata c = committed.get(tp);
        long cut = c == null ? -1 : PartitionSink.cutOf(c.metadata());
        assigned.put(tp, new PartitionSink(tp, table, token, from, ends.getOrDefault(tp, Long.MAX_VALUE), cut));
        gauges.put(tp, Gauge.builder(LakeMeters.PREFIX + "complete.up.to.timestamp", () -> completeUpToSeconds(tp))
            .tags("topic", tp.topic(), "partition", Integer.toString(tp.partition())).baseUnit("seconds")
            .description("Unix time of the received_at up to which this partition is in the lake").register(registry));
        log.info("assigned {} from offset {}{}", tp, from, cut > from ? " (replaying to the recorded cut at " + cut + ")" : "");
      }
      updateStatus();
    }

    private void forget(Collection<TopicPartition> tps) {
      for (TopicPartition tp : tps) {
        assigned.remove(tp);
        status.remove(tp);
        Gauge g = gauges.remove(tp);
        if (g != null) registry.remove(g);
      }
    }
  }

  private double completeUpToSeconds(TopicPartition tp) {
    PartitionStatus s = status.get(tp);
    return s == null || s.completeUpTo() == null ? Double.NaN : s.completeUpTo().toEpochMilli() / 1000.0;
  }
}
