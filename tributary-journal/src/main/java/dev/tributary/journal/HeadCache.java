package dev.tributary.journal;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Per topic, one consumer tails every partition from the store's pointers on, reading headers only,
 * and keeps for each journal with unreplicated actions its {@link HeadInfo} (kafka-journal's
 * HeadCache). A journal's entry goes once the store's pointer passes its last action, so an absent
 * entry means the store holds everything. A read asks for the head up to its Mark; when the tail has
 * not reached the Mark within a second, the reader falls back to reading the head itself.
 *
 * <p>Memory is bounded: when a partition's head holds more than 10,000 journals (the replicator is
 * far behind), its entries are dropped and the partition answers nothing until the store's pointer
 * passes the point where they were dropped; entries kept from there on are complete again.
 *
 * <p>An entry may cover actions the store already applied: folding them again changes nothing that a
 * read emits (appends are de-duplicated by sequence number, deletes and purges are idempotent).
 */
final class HeadCache implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(HeadCache.class);
  private static final Duration WAIT = Duration.ofSeconds(1);
  private static final Duration POINTER_REFRESH = Duration.ofMillis(100);
  private static final int MAX_JOURNALS_PER_PARTITION = 10_000;

  private final String bootstrapServers;
  private final JournalStore store;
  private final int maxJournalsPerPartition;
  private final Map<String, String> kafkaProperties;
  private final Map<String, TopicTail> topics = new ConcurrentHashMap<>();
  private volatile boolean closed;

  HeadCache(String bootstrapServers, Map<String, String> kafkaProperties, JournalStore store) {
    this(bootstrapServers, kafkaProperties, store, MAX_JOURNALS_PER_PARTITION);
  }

  HeadCache(String bootstrapServers, JournalStore store, int maxJournalsPerPartition) {
    this(bootstrapServers, Map.of(), store, maxJournalsPerPartition);
  }

  private HeadCache(String bootstrapServers, Map<String, String> kafkaProperties, JournalStore store, int maxJournalsPerPartition) {
    this.bootstrapServers = bootstrapServers;
    this.kafkaProperties = kafkaProperties;
    this.store = store;
    this.maxJournalsPerPartition = maxJournalsPerPartition;
  }

  /** The head of {@code key} up to {@code mark}, or empty when the caller must read it from Kafka. */
  Optional<HeadInfo> get(JournalKey key, PartitionOffset mark) {
    if (closed) return Optional.empty();
    TopicTail tail = topics.computeIfAbsent(key.topic(), TopicTail::new);
    return tail.get(key.id(), mark);
  }

  @Override
  public void close() {
    closed = true;
    topics.values().forEach(TopicTail::close);
  }

  private static final class PartitionHeads {
    final Map<String, Entry> entries = new HashMap<>();
    /** Journals with a record the cache cannot decode: their reads go to Kafka and meet the error there. */
    final java.util.Set<String> undecodable = new java.util.HashSet<>();
    long position = -1;
    boolean broken;
    /** Entries for records up to here were dropped: no answers until the store's pointer passes it. */
    long blindUntil = -1;
  }

  private record Entry(HeadInfo info, long lastOffset) {}

  private final class TopicTail {
    private final String topic;
    private final Map<Integer, PartitionHeads> partitions = new ConcurrentHashMap<>();
    private final Thread thread;
    private volatile boolean stopping;

    TopicTail(String topic) {
      this.topic = topic;
      this.thread = Thread.ofPlatform().daemon().name("journal-head-cache-" + topic).start(this::run);
    }

    Optional<HeadInfo> get(String id, PartitionOffset mark) {
      PartitionHeads heads = partitions.computeIfAbsent(mark.partition(), p -> new PartitionHeads());
      long deadline = System.nanoTime() + WAIT.toNanos();
      synchronized (heads) {
        while (heads.position <= mark.offset() && !heads.broken) {
          long left = deadline - System.nanoTime();
          if (left <= 0 || stopping) return Optional.empty();
          try {
            heads.wait(Math.max(1, left / 1_000_000));
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
          }
        }
        if (heads.broken || heads.blindUntil >= 0) return Optional.empty();
        if (heads.undecodable.contains(id)) return Optional.empty();
        Entry e = heads.entries.get(id);
        return Optional.of(e == null ? HeadInfo.EMPTY : e.info());
      }
    }

    private void run() {
      Map<String, Object> config = KafkaClientProperties.of(kafkaProperties, Map.of(
          ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
          ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
          ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
          ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 50));
      while (!stopping) {
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
          tail(consumer);
        } catch (RuntimeException e) {
          if (stopping) return;
          log.warn("journal head cache for {} failed, restarting it: {}", topic, e.toString());
          partitions.values().forEach(h -> {
            synchronized (h) {
              h.broken = true;
              h.entries.clear();
              h.undecodable.clear();
              h.blindUntil = -1;
              h.position = -1;
            }
          });
          sleep();
        }
      }
    }

    private void tail(KafkaConsumer<byte[], byte[]> consumer) {
      List<TopicPartition> tps = consumer.partitionsFor(topic, Duration.ofSeconds(10)).stream()
          .map(p -> new TopicPartition(topic, p.partition())).toList();
      consumer.assign(tps);
      Map<Integer, Long> pointers = store.pointers(topic, tps.size());
      for (TopicPartition tp : tps) {
        Long p = pointers.get(tp.partition());
        if (p != null && p >= 0) consumer.seek(tp, p + 1);
        else consumer.seekToBeginning(List.of(tp));
        PartitionHeads heads = partitions.computeIfAbsent(tp.partition(), x -> new PartitionHeads());
        synchronized (heads) {
          heads.broken = false;
        }
      }
      long refreshed = 0;
      while (!stopping) {
        var records = consumer.poll(Duration.ofMillis(50));
        for (TopicPartition tp : tps) {
          PartitionHeads heads = partitions.get(tp.partition());
          synchronized (heads) {
            for (ConsumerRecord<byte[], byte[]> r : records.records(tp)) add(heads, r);
            heads.position = consumer.position(tp);
            heads.notifyAll();
          }
        }
        if (System.nanoTime() - refreshed > POINTER_REFRESH.toNanos()) {
          evictReplicated(tps.size());
          refreshed = System.nanoTime();
        }
      }
    }

    private void add(PartitionHeads heads, ConsumerRecord<byte[], byte[]> r) {
      if (r.key() == null) return;
      String id = new String(r.key(), StandardCharsets.UTF_8);
      Action action;
      try {
        action = JournalRecords.action(r);
      } catch (IllegalArgumentException e) {
        heads.undecodable.add(id);
        return;
      }
      // A reader's Mark alone changes nothing: no entry for it, or every read would fill the cache.
      if (action instanceof Action.Mark && !heads.entries.containsKey(id)) return;
      heads.entries.compute(id,
          (k, e) -> new Entry((e == null ? HeadInfo.EMPTY : e.info()).apply(action, r.offset()), r.offset()));
      if (heads.entries.size() > maxJournalsPerPartition) {
        heads.entries.clear();
        heads.blindUntil = r.offset();
      }
    }

    private void evictReplicated(int partitionCount) {
      Map<Integer, Long> pointers = store.pointers(topic, partitionCount);
      pointers.forEach((partition, pointer) -> {
        PartitionHeads heads = partitions.get(partition);
        if (heads == null) return;
        synchronized (heads) {
          heads.entries.values().removeIf(e -> e.lastOffset() <= pointer);
          if (heads.blindUntil >= 0 && pointer >= heads.blindUntil) heads.blindUntil = -1;
        }
      });
    }

    private void sleep() {
      try {
        Thread.sleep(1000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        stopping = true;
      }
    }

    void close() {
      stopping = true;
      try {
        thread.join(5000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
