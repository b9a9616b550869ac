package dev.tributary.bus;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bus on Kafka, serving the same API. A category is the topic {@code <prefix><category>};
 * each message is one record, its value the message without its {@code \n}; all messages of one
 * write go to one partition (chosen at random), in order.
 *
 * <p>Chunks map to offset ranges: chunk {@code p<P>-chunk<N>} is partition {@code P}, offsets
 * {@code [N * recordsPerChunk, (N + 1) * recordsPerChunk)}; it is complete once the partition's
 * end offset has passed its range. Its bytes are its records' values, each followed by
 * {@code \n}, so {@code off} counts bytes as on the local bus. Byte positions are found by
 * reading the records once and remembered (a sparse index per chunk, in memory).
 *
 * <p>An acknowledgement commits the offset at the chunk's end for the consumer group
 * {@code <prefix>reader.<reader>} ({@code <prefix>reader.shared} without a reader), and that
 * reader no longer sees chunks below its committed offset. Nothing is deleted: Kafka's retention
 * does that, and a chunk whose first records retention removed is no longer listed.
 */
public final class KafkaBus implements Bus {
  private static final Logger LOG = LoggerFactory.getLogger(KafkaBus.class);
  /** A read answers at most this much (and at least one whole message), whatever its max_size. */
  static final int MAX_ANSWER_BYTES = Messages.MAX_MESSAGE_BYTES;
  private static final int CONSUMERS = 4;
  private static final Duration TIMEOUT = Duration.ofSeconds(30);
  private static final int INDEX_STEP_BYTES = 64 << 10;

  /**
   * @param bootstrap Kafka bootstrap servers
   * @param topicPrefix a category's topic is this plus its name
   * @param recordsPerChunk Kafka offsets per chunk
   * @param clientProperties extra producer, consumer and admin properties
   */
  public record Config(String bootstrap, String topicPrefix, long recordsPerChunk, Map<String, String> clientProperties) {
    public Config {
      if (recordsPerChunk <= 0) throw new IllegalArgumentException("records per chunk must be positive");
      clientProperties = Map.copyOf(clientProperties);
    }

    /** Topics {@code bus.<category>}, 100,000 records per chunk. */
    public static Config defaults(String bootstrap) {
      return new Config(bootstrap, "bus.", 100_000, Map.of());
    }
  }

  private record ChunkKey(TopicPartition partition, long index) {}

  /** Byte position to Kafka offset within one chunk, and how far its size is counted. */
  private static final class ChunkIndex {
    final TreeMap<Long, Long> offsets = new TreeMap<>();
    long countedBytes;
    long countedTo;

    ChunkIndex(long firstOffset) {
      offsets.put(0L, firstOffset);
      countedTo = firstOffset;
    }
  }

  private final Config config;
  private final Admin admin;
  private final KafkaProducer<byte[], byte[]> producer;
  private final BlockingQueue<KafkaConsumer<byte[], byte[]>> consumers = new ArrayBlockingQueue<>(CONSUMERS);
  private final Map<ChunkKey, ChunkIndex> indexes = new ConcurrentHashMap<>();
  private final Set<String> knownTopics = ConcurrentHashMap.newKeySet();
  private final Map<String, Map<TopicPartition, Long>> acked = new ConcurrentHashMap<>();
  /** Creates topics and hands records to the producer, which may block (metadata, a full buffer): never on an event loop. */
  private final java.util.concurrent.ExecutorService sender = java.util.concurrent.Executors.newFixedThreadPool(2,
      Thread.ofPlatform().name("tributary-bus-kafka-sender-", 0).daemon().factory());

  private KafkaBus(Config config) {
    this.config = config;
    Properties common = new Properties();
    common.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrap());
    Properties adminProps = new Properties();
    adminProps.putAll(common);
    config.clientProperties().forEach(adminProps::put);
    this.admin = Admin.create(adminProps);
    Properties producerProps = new Properties();
    producerProps.putAll(common);
    producerProps.put(ProducerConfig.ACKS_CONFIG, "all");
    producerProps.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    producerProps.put(ProducerConfig.LINGER_MS_CONFIG, "5");
    // One produce request in flight: a write spans several, and with more in flight a refused first
    // one (a partition just created, a leader that moved) could be overtaken by a later one, which
    // brokers before Kafka 4.5 then hold against the first one's retries for good (KAFKA-15591):
    // the write hangs, its later messages stored without its first. Batches of 256 KiB carry a
    // whole 64 x 1 KiB write in one request, so the single request costs no throughput (see
    // docs/benchmarks.md, "The bus on Kafka").
    producerProps.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, "1");
    producerProps.put(ProducerConfig.BATCH_SIZE_CONFIG, Integer.toString(256 << 10));
    producerProps.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Integer.toString(Messages.MAX_BODY_BYTES + (1 << 20)));
    config.clientProperties().forEach(producerProps::put);
    this.producer = new KafkaProducer<>(producerProps, new ByteArraySerializer(), new ByteArraySerializer());
    for (int i = 0; i < CONSUMERS; i++) {
      Properties consumerProps = new Properties();
      consumerProps.putAll(common);
      consumerProps.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
      // a read that reaches the end of a partition should answer, not wait for more records
      consumerProps.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "20");
      consumerProps.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, Integer.toString(MAX_ANSWER_BYTES + (64 << 10)));
      config.clientProperties().forEach(consumerProps::put);
      consumers.add(new KafkaConsumer<>(consumerProps, new ByteArrayDeserializer(), new ByteArrayDeserializer()));
    }
  }

  public static KafkaBus open(Config config) {
    KafkaBus bus = new KafkaBus(config);
    LOG.info("bus on Kafka at {}: topics {}<category>, {} records per chunk", config.bootstrap(), config.topicPrefix(), config.recordsPerChunk());
    return bus;
  }

  private String topic(String category) {
    return config.topicPrefix() + Names.category(category);
  }

  @Override
  public CompletableFuture<Void> write(String category, byte[] body, int length) {
    String topic = topic(category);
    Messages.check(body, length);
    return CompletableFuture.runAsync(() -> ensureTopic(topic), sender).thenComposeAsync(v -> {
      int partitions = producer.partitionsFor(topic).size();
      int partition = ThreadLocalRandom.current().nextInt(partitions);
      List<CompletableFuture<Void>> sent = new ArrayList<>();
      for (int start = 0, nl; start < length; start = nl + 1) {
        nl = indexOf(body, start, length);
        byte[] value = java.util.Arrays.copyOfRange(body, start, nl);
        CompletableFuture<Void> done = new CompletableFuture<>();
        producer.send(new ProducerRecord<>(topic, partition, null, value), (meta, e) -> {
          if (e == null) done.complete(null); else done.completeExceptionally(e);
        });
        sent.add(done);
      }
      return CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new));
    }, sender);
  }

  private static int indexOf(byte[] body, int from, int length) {
    for (int i = from; i < length; i++) if (body[i] == '\n') return i;
    return length;
  }

  private void ensureTopic(String topic) {
    if (knownTopics.contains(topic)) return;
    try {
      admin.createTopics(List.of(new NewTopic(topic, java.util.Optional.empty(), java.util.Optional.empty()))).all()
          .get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      LOG.info("created topic {}", topic);
    } catch (ExecutionException e) {
      if (!(e.getCause() instanceof TopicExistsException)) throw new IllegalStateException("cannot create topic " + topic, e.getCause());
    } catch (InterruptedException | TimeoutException e) {
      throw new IllegalStateException("cannot create topic " + topic, e);
    }
    knownTopics.add(topic);
  }

  @Override
  public List<String> listCategories() throws IOException {
    Set<String> topics = await(admin.listTopics().names());
    return topics.stream().filter(t -> t.startsWith(config.topicPrefix()) && Names.isCategory(t.substring(config.topicPrefix().length())))
        .map(t -> t.substring(config.topicPrefix().length())).sorted().toList();
  }

  @Override
  public List<ChunkInfo> listChunks(String category, String reader) throws IOException {
    String topic = topic(category);
    if (reader != null) Names.reader(reader);
    Map<TopicPartition, long[]> ranges = ranges(topic);
    Map<TopicPartition, Long> ackedTo = acked(reader, topic);
    List<ChunkInfo> list = new ArrayList<>();
    for (var e : ranges.entrySet()) {
      long start = e.getValue()[0];
      long end = e.getValue()[1];
      long from = Math.max(ceilDiv(start, config.recordsPerChunk()), ackedTo.getOrDefault(e.getKey(), 0L) / config.recordsPerChunk());
      for (long k = from; end > 0 && k <= (end - 1) / config.recordsPerChunk(); k++) {
        long chunkEnd = (k + 1) * config.recordsPerChunk();
        list.add(new ChunkInfo(chunkName(e.getKey(), k), end >= chunkEnd, countBytes(new ChunkKey(e.getKey(), k), Math.min(end, chunkEnd))));
      }
    }
    return list;
  }

  private static long ceilDiv(long a, long b) {
    return -Math.floorDiv(-a, b);
  }

  private static String chunkName(TopicPartition p, long index) {
    return new Names.ChunkName("p" + p.partition(), index).fileName();
  }

  /** Each partition's [log start, end) offsets; empty when the topic does not exist. */
  private Map<TopicPartition, long[]> ranges(String topic) throws IOException {
    KafkaConsumer<byte[], byte[]> consumer = borrow();
    try {
      List<TopicPartition> partitions;
      try {
        partitions = consumer.partitionsFor(topic, TIMEOUT).stream().map(i -> new TopicPartition(topic, i.partition())).toList();
      } catch (UnknownTopicOrPartitionException e) {
        return Map.of();
      }
      Map<TopicPartition, Long> begin = consumer.beginningOffsets(partitions, TIMEOUT);
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions, TIMEOUT);
      Map<TopicPartition, long[]> ranges = new TreeMap<>(java.util.Comparator.comparingInt(TopicPartition::partition));
      for (TopicPartition p : partitions) ranges.put(p, new long[] {begin.get(p), end.get(p)});
      return ranges;
    } finally {
      consumers.add(consumer);
    }
  }

  /** Where {@code chunk} is, or 404: its partition and offset range must exist, in full, and not be acknowledged by the reader. */
  private ChunkKey locate(String category, String chunk, String reader, long[] rangeOut) throws IOException {
    String topic = topic(category);
    Names.ChunkName name = Names.chunk(chunk);
    if (reader != null) Names.reader(reader);
    long[] range = name.instance().matches("p[0-9]{1,9}")
        ? ranges(topic).get(new TopicPartition(topic, Integer.parseInt(name.instance().substring(1)))) : null;
    long first = name.index() * config.recordsPerChunk();
    TopicPartition tp = new TopicPartition(topic, range == null ? 0 : Integer.parseInt(name.instance().substring(1)));
    if (range == null || first < range[0] || first >= range[1]
        || acked(reader, topic).getOrDefault(tp, 0L) >= first + config.recordsPerChunk()) {
      throw BusException.notFound("chunk " + chunk + " not found in category " + category);
    }
    rangeOut[0] = range[0];
    rangeOut[1] = range[1];
    return new ChunkKey(tp, name.index());
  }

  @Override
  public ReadResult read(String category, String chunk, long off, int maxSize, String reader) throws IOException {
    long[] range = new long[2];
    ChunkKey key = locate(category, chunk, reader, range);
    long chunkEnd = Math.min(range[1], (key.index() + 1) * config.recordsPerChunk());
    ChunkIndex index = index(key);
    Map.Entry<Long, Long> from;
    synchronized (index) {
      from = index.offsets.floorEntry(off);
    }
    int limit = Math.min(maxSize, MAX_ANSWER_BYTES);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    long position = from.getKey();
    KafkaConsumer<byte[], byte[]> consumer = borrow();
    try {
      consumer.assign(List.of(key.partition()));
      consumer.seek(key.partition(), from.getValue());
      long deadline = System.nanoTime() + TIMEOUT.toNanos();
      while (consumer.position(key.partition()) < chunkEnd) {
        if (System.nanoTime() > deadline) throw new IOException("Kafka did not return records of " + chunk + " within " + TIMEOUT);
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
          if (r.offset() >= chunkEnd) break;
          int length = r.value().length + 1;
          if (position < off) {
            position += length;
            if (position > off) throw BusException.badRequest("off " + off + " is not at the start of a message of chunk " + chunk);
            remember(index, position, r.offset() + 1);
            continue;
          }
          if (out.size() + length > limit) {
            if (out.size() == 0) {
              throw BusException.badRequest("the buffer is too small to contain a single message: the message at byte " + off
                  + " of chunk " + chunk + " is longer than max_size " + maxSize);
            }
            return new ReadResult.Bytes(out.toByteArray());
          }
          out.write(r.value());
          out.write('\n');
          position += length;
          remember(index, position, r.offset() + 1);
        }
      }
      return out.size() == 0 ? ReadResult.EMPTY : new ReadResult.Bytes(out.toByteArray());
    } finally {
      consumer.unsubscribe();
      consumers.add(consumer);
    }
  }

  private static void remember(ChunkIndex index, long position, long nextOffset) {
    synchronized (index) {
      Map.Entry<Long, Long> before = index.offsets.floorEntry(position);
      if (position - before.getKey() >= INDEX_STEP_BYTES) index.offsets.put(position, nextOffset);
      if (nextOffset > index.countedTo && position > index.countedBytes) {
        index.countedTo = nextOffset;
        index.countedBytes = position;
      }
    }
  }

  private ChunkIndex index(ChunkKey key) {
    return indexes.computeIfAbsent(key, k -> new ChunkIndex(k.index() * config.recordsPerChunk()));
  }

  /** The chunk's bytes up to offset {@code end}, counting on from where the last count stopped. */
  private long countBytes(ChunkKey key, long end) throws IOException {
    ChunkIndex index = index(key);
    long counted;
    long to;
    synchronized (index) {
      counted = index.countedBytes;
      to = index.countedTo;
    }
    if (to >= end) return counted;
    KafkaConsumer<byte[], byte[]> consumer = borrow();
    try {
      consumer.assign(List.of(key.partition()));
      consumer.seek(key.partition(), to);
      long deadline = System.nanoTime() + TIMEOUT.toNanos();
      while (consumer.position(key.partition()) < end) {
        if (System.nanoTime() > deadline) throw new IOException("Kafka did not return records of " + key + " within " + TIMEOUT);
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
          if (r.offset() >= end) break;
          counted += r.value().length + 1;
          remember(index, counted, r.offset() + 1);
        }
      }
      return counted;
    } finally {
      consumer.unsubscribe();
      consumers.add(consumer);
    }
  }

  @Override
  public void ack(String category, String chunk, long size, String reader) throws IOException {
    long[] range = new long[2];
    ChunkKey key;
    try {
      key = locate(category, chunk, reader, range);
    } catch (BusException e) {
      if (e.status() == 404 && ackedAlready(category, chunk, reader)) return; // a repeated ack is accepted
      throw e;
    }
    long chunkEnd = (key.index() + 1) * config.recordsPerChunk();
    if (range[1] < chunkEnd) {
      throw BusException.conflict("chunk " + chunk + " is still being written: only a complete chunk can be acknowledged");
    }
    long bytes = countBytes(key, chunkEnd);
    if (size < bytes) {
      throw BusException.conflict("size " + size + " is short of chunk " + chunk + "'s size " + bytes
          + ": read the chunk to its end before acknowledging it");
    }
    String group = group(reader);
    Map<TopicPartition, Long> ackedTo = acked(reader, key.partition().topic());
    synchronized (ackedTo) {
      if (ackedTo.getOrDefault(key.partition(), 0L) >= chunkEnd) return;
      await(admin.alterConsumerGroupOffsets(group, Map.of(key.partition(), new OffsetAndMetadata(chunkEnd))).all());
      ackedTo.put(key.partition(), chunkEnd);
    }
  }

  private boolean ackedAlready(String category, String chunk, String reader) throws IOException {
    Names.ChunkName name = Names.chunk(chunk);
    if (!name.instance().matches("p[0-9]{1,9}")) return false;
    String topic = topic(category);
    long ackedTo = acked(reader, topic).getOrDefault(new TopicPartition(topic, Integer.parseInt(name.instance().substring(1))), 0L);
    return ackedTo >= (name.index() + 1) * config.recordsPerChunk();
  }

  private String group(String reader) {
    return config.topicPrefix() + "reader." + (reader == null ? "shared" : reader);
  }

  /** The reader's committed offsets in {@code topic}, read from Kafka once per process. */
  private Map<TopicPartition, Long> acked(String reader, String topic) throws IOException {
    String key = group(reader) + "/" + topic;
    Map<TopicPartition, Long> known = acked.get(key);
    if (known != null) return known;
    Map<TopicPartition, OffsetAndMetadata> committed = await(admin.listConsumerGroupOffsets(group(reader)).partitionsToOffsetAndMetadata());
    Map<TopicPartition, Long> offsets = new HashMap<>();
    committed.forEach((tp, o) -> {
      if (tp.topic().equals(topic) && o != null) offsets.put(tp, o.offset());
    });
    acked.putIfAbsent(key, java.util.Collections.synchronizedMap(offsets));
    return acked.get(key);
  }

  private KafkaConsumer<byte[], byte[]> borrow() throws IOException {
    try {
      KafkaConsumer<byte[], byte[]> c = consumers.poll(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      if (c == null) throw new IOException("all Kafka consumers busy for " + TIMEOUT);
      return c;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }

  private static <T> T await(org.apache.kafka.common.KafkaFuture<T> future) throws IOException {
    try {
      return future.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      throw new IOException("Kafka: " + e.getCause().getMessage(), e.getCause());
    } catch (TimeoutException e) {
      throw new IOException("Kafka did not answer within " + TIMEOUT, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }

  @Override
  public void close() {
    sender.shutdown();
    producer.close(TIMEOUT);
    admin.close(TIMEOUT);
    for (KafkaConsumer<byte[], byte[]> c : consumers) c.close(org.apache.kafka.clients.consumer.CloseOptions.timeout(TIMEOUT));
  }
}
