package dev.tributary.journal;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Copies the journal topics into the eventual store (PostgreSQL or Cassandra). Consumes every topic with the configured prefix as a
 * consumer group (cooperative rebalancing: run several for more throughput or for standby). Per poll,
 * each journal's actions are compacted ({@link Compaction}) and applied, then every partition's new
 * pointer (in PostgreSQL all in one transaction; in Cassandra each write idempotent, see
 * {@link CassandraStore}); only then is the offset committed to Kafka. The store's pointer is the truth: an assigned partition resumes after it, and records at or below it (delivered
 * again after a crash or a rebalance) are skipped, so nothing is lost or applied twice.
 *
 * <p>A record it cannot decode stops its partition (paused, logged as an error, counted in
 * {@code tributary.journal.replicator.undecodable}, listed by {@link #stoppedPartitions()}); the other
 * partitions go on. It is never skipped: fix or remove the record, then restart the replicator.
 */
public final class Replicator implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Replicator.class);
  private static final Duration POLL = Duration.ofMillis(200);
  private static final Duration RETRY = Duration.ofSeconds(1);

  private final ReplicatorConfig config;
  private final JournalStore store;
  private final MeterRegistry registry;
  private final Runnable afterStoreCommit;
  private final KafkaConsumer<byte[], byte[]> consumer;
  private final KafkaClientMetrics consumerMetrics;
  private final Map<TopicPartition, String> stopped = new ConcurrentHashMap<>();
  private final Map<TopicPartition, OffsetAndMetadata> processed = new HashMap<>();
  private final java.util.Set<TopicPartition> assigned = ConcurrentHashMap.newKeySet();
  private final Counter applied;
  private final Counter redelivered;
  private final Thread thread;
  private volatile boolean running = true;
  private volatile Throwable failure;

  private Replicator(ReplicatorConfig config, MeterRegistry registry, Runnable afterStoreCommit) {
    this.config = config;
    this.registry = registry;
    this.afterStoreCommit = afterStoreCommit;
    this.store = JournalStore.open(config.store(), 1, "journal-replicator", registry);
    this.consumer = new KafkaConsumer<>(KafkaClientProperties.of(config.kafkaProperties(), Map.of(
        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers(),
        ConsumerConfig.GROUP_ID_CONFIG, config.groupId(),
        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
        ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
        ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 1000,
        ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, CooperativeStickyAssignor.class.getName(),
        // A replicator that died hands its partitions over after 10 s rather than the default 45.
        ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 10_000,
        ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, 1_000,
        ConsumerConfig.METADATA_MAX_AGE_CONFIG, 3000)), new ByteArrayDeserializer(), new ByteArrayDeserializer());
    this.consumerMetrics = new KafkaClientMetrics(consumer); // kafka_consumer_*, the lag of each partition among them
    consumerMetrics.bindTo(registry);
    this.applied = Counter.builder("tributary.journal.replicator.records").description("journal records written to the store")
        .register(registry);
    this.redelivered = Counter.builder("tributary.journal.replicator.redelivered")
        .description("journal records read again that the store already had, skipped").register(registry);
    Gauge.builder("tributary.journal.replicator.stopped.partitions", stopped, Map::size)
        .description("partitions stopped on a record that cannot be decoded").register(registry);
    this.thread = Thread.ofPlatform().name("journal-replicator").start(this::run);
  }

  /** Starts replicating on a thread of its own; {@link #close()} stops it. */
  public static Replicator start(ReplicatorConfig config, MeterRegistry registry) {
    return new Replicator(config, registry, () -> {});
  }

  /** For crash tests: {@code afterStoreCommit} runs between the store's writes and the Kafka commit. */
  static Replicator start(ReplicatorConfig config, MeterRegistry registry, Runnable afterStoreCommit) {
    return new Replicator(config, registry, afterStoreCommit);
  }

  /** Partitions stopped on a record that cannot be decoded, with the error. */
  public Map<TopicPartition, String> stoppedPartitions() {
    return Map.copyOf(stopped);
  }

  /** The partitions this replicator holds now (the group's share). */
  public java.util.Set<TopicPartition> assignedPartitions() {
    return java.util.Set.copyOf(assigned);
  }

  /** The error that ended replication, or null while it runs (or after a clean close). */
  public Throwable failure() {
    return failure;
  }

  private void run() {
    try {
      consumer.subscribe(Pattern.compile(Pattern.quote(config.topicPrefix()) + ".*"), new Rebalance());
      while (running) {
        ConsumerRecords<byte[], byte[]> records = consumer.poll(POLL);
        if (!records.isEmpty()) replicate(records);
      }
    } catch (WakeupException e) {
      // close() asked to stop
    } catch (RuntimeException e) {
      failure = e;
      log.error("journal replicator stopped: {}", e.toString(), e);
    } finally {
      String committed = "none to commit";
      try {
        if (!processed.isEmpty()) {
          consumer.commitSync(processed);
          committed = "committed to Kafka " + offsets(processed);
        }
      } catch (RuntimeException e) {
        committed = "not committed to Kafka (the store has them)";
        log.warn("journal replicator could not commit its last offsets to Kafka (the store has them): {}", e.toString());
      }
      consumerMetrics.close();
      consumer.close(Duration.ofSeconds(5));
      store.close();
      log.info("journal replicator stopped: {} records applied to {}, {} delivered again and skipped; offsets {}",
          (long) applied.count(), config.store(), (long) redelivered.count(), committed);
    }
  }

  private static String offsets(Map<TopicPartition, OffsetAndMetadata> offsets) {
    return offsets.entrySet().stream().sorted(Map.Entry.comparingByKey(Comparator.comparing(TopicPartition::toString)))
        .map(e -> e.getKey() + "@" + e.getValue().offset()).toList().toString();
  }

  private void replicate(ConsumerRecords<byte[], byte[]> records) {
    Map<TopicPartition, List<ActionRecord>> decoded = new LinkedHashMap<>();
    int total = 0;
    for (TopicPartition tp : records.partitions()) {
      if (stopped.containsKey(tp)) continue;
      List<ActionRecord> list = new ArrayList<>();
      for (ConsumerRecord<byte[], byte[]> r : records.records(tp)) {
        try {
          list.add(JournalRecords.decode(r));
        } catch (IllegalArgumentException e) {
          stop(tp, e.getMessage());
          break;
        }
      }
      if (!list.isEmpty()) decoded.put(tp, list);
      total += list.size();
    }
    if (decoded.isEmpty()) return;
    int done;
    try {
      done = store.apply(decoded);
    } catch (JournalStoreException e) {
      log.warn("journal replicator could not write to the store, retrying the poll in {} s: {}", RETRY.toSeconds(), e.getMessage());
      decoded.forEach((tp, list) -> consumer.seek(tp, list.getFirst().offset()));
      sleep(RETRY);
      return;
    }
    applied.increment(done);
    redelivered.increment(total - done);
    afterStoreCommit.run();
    Map<TopicPartition, OffsetAndMetadata> commit = new HashMap<>();
    decoded.forEach((tp, list) -> commit.put(tp, new OffsetAndMetadata(list.getLast().offset() + 1)));
    processed.putAll(commit);
    consumer.commitAsync(commit, (offsets, e) -> {
      if (e != null) log.debug("journal replicator: Kafka commit failed (the store has the offsets): {}", e.toString());
    });
  }

  private void stop(TopicPartition tp, String error) {
    stopped.put(tp, error);
    consumer.pause(List.of(tp));
    Counter.builder("tributary.journal.replicator.undecodable").description("records that cannot be decoded, each stopping its partition")
        .tags("topic", tp.topic(), "partition", String.valueOf(tp.partition())).register(registry).increment();
    log.error("journal replicator stopped partition {}: {}. Nothing after it is replicated until the record is dealt with.", tp, error);
  }

  private static void sleep(Duration d) {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private final class Rebalance implements ConsumerRebalanceListener {
    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
      for (TopicPartition tp : partitions) {
        var pointer = store.pointer(tp.topic(), tp.partition());
        if (pointer.isPresent()) consumer.seek(tp, pointer.getAsLong() + 1);
        else consumer.seekToBeginning(List.of(tp));
      }
      assigned.addAll(partitions);
      if (!partitions.isEmpty()) log.info("journal replicator assigned {}", partitions);
    }

    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
      Map<TopicPartition, OffsetAndMetadata> commit = new HashMap<>();
      assigned.removeAll(partitions);
      for (TopicPartition tp : partitions) {
        OffsetAndMetadata o = processed.remove(tp);
        if (o != null) commit.put(tp, o);
        stopped.remove(tp);
      }
      if (!commit.isEmpty()) {
        try {
          consumer.commitSync(commit);
        } catch (RuntimeException e) {
          log.warn("journal replicator could not commit revoked partitions (the store has their offsets): {}", e.toString());
        }
      }
    }

    @Override
    public void onPartitionsLost(Collection<TopicPartition> partitions) {
      assigned.removeAll(partitions);
      partitions.forEach(tp -> {
        processed.remove(tp);
        stopped.remove(tp);
      });
    }
  }

  @Override
  public void close() {
    running = false;
    consumer.wakeup();
    try {
      thread.join(30_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
