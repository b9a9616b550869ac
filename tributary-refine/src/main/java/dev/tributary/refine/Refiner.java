package dev.tributary.refine;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running refine stage: one Kafka Streams client, exactly-once v2, reading the raw topics and
 * writing the refined one. Start as many as wanted with the same application id: Kafka spreads
 * the partitions, with their state, over them.
 */
public final class Refiner implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Refiner.class);

  private final KafkaStreams streams;
  private final KafkaStreamsMetrics streamsMetrics;
  private final CompletableFuture<Throwable> failure = new CompletableFuture<>();

  private Refiner(KafkaStreams streams, KafkaStreamsMetrics streamsMetrics) {
    this.streams = streams;
    this.streamsMetrics = streamsMetrics;
  }

  /**
   * Checks the topics (the inputs must exist; a missing output is created with the inputs'
   * partition count) and starts. Throws {@link IllegalStateException} when an input is missing or
   * Kafka cannot be reached.
   */
  public static Refiner start(RefineConfig config, MeterRegistry registry) {
    prepareTopics(config);
    RocksDbLibrary.load(config.stateDirectory());
    RefineMetrics metrics = new RefineMetrics(registry);
    KafkaStreams streams = new KafkaStreams(RefineTopology.build(config, metrics), properties(config));
    // kafka_stream_*, and the kafka_consumer_* and kafka_producer_* of the clients Streams runs
    KafkaStreamsMetrics streamsMetrics = new KafkaStreamsMetrics(streams);
    streamsMetrics.bindTo(registry);
    Refiner refiner = new Refiner(streams, streamsMetrics);
    RefineMetrics.bindState(registry, streams::state);
    streams.setStateListener((now, before) -> {
      log.info("refine: Kafka Streams {} -> {}", before, now);
      if (now == KafkaStreams.State.ERROR) refiner.failure.complete(new IllegalStateException("Kafka Streams stopped in ERROR"));
    });
    streams.setUncaughtExceptionHandler(e -> {
      log.error("refine: stream thread failed; stopping (a restart resumes from the last commit)", e);
      refiner.failure.complete(e);
      return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
    });
    streams.start();
    log.info("refine: {} -> {}, dedup window {} s, {}, application id {}, state in {}", config.inputTopics(), config.outputTopic(),
        config.dedupWindow().toSeconds(), config.reorders() ? "reorder window " + config.reorderWindow().toMillis() + " ms" : "no reordering",
        config.applicationId(), config.stateDirectory().toAbsolutePath().normalize());
    return refiner;
  }

  static Properties properties(RefineConfig c) {
    Properties p = new Properties();
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, c.applicationId());
    p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, c.bootstrapServers());
    p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    p.put(StreamsConfig.DEFAULT_KEY_SERDE_CLASS_CONFIG, Serdes.ByteArraySerde.class.getName());
    p.put(StreamsConfig.DEFAULT_VALUE_SERDE_CLASS_CONFIG, Serdes.ByteArraySerde.class.getName());
    p.put(StreamsConfig.DEFAULT_TIMESTAMP_EXTRACTOR_CLASS_CONFIG, ReceivedAtExtractor.class.getName());
    p.put(StreamsConfig.STATE_DIR_CONFIG, c.stateDirectory().toAbsolutePath().toString());
    p.put(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG, BoundedRocksDb.class.getName());
    // Refine has no global stores, so this changes nothing but Streams' WARN at every start that it
    // is off (it becomes the default, and the key goes away, in Kafka 5.0). The partition assignor
    // reads its own copy of the settings from the main consumer's, hence the second.
    p.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG, "true");
    p.put(StreamsConfig.mainConsumerPrefix(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG), "true");
    // lz4, not the forwarder's zstd: refine compresses every record it writes, and with zstd that
    // cost a fifth of its CPU (34k against 43k records per CPU-second in the bench).
    p.put(StreamsConfig.producerPrefix(ProducerConfig.COMPRESSION_TYPE_CONFIG), "lz4");
    p.putAll(c.streamsProperties());
    return p;
  }

  private static void prepareTopics(RefineConfig c) {
    Map<String, Object> a = new HashMap<>();
    c.streamsProperties().forEach((k, v) -> {
      if (AdminClientConfig.configNames().contains(k)) a.put(k, v);
    });
    a.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, c.bootstrapServers());
    a.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000");
    a.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "15000");
    try (Admin admin = Admin.create(a)) {
      int partitions = 0;
      for (String topic : c.inputTopics()) {
        TopicDescription d = describe(admin, topic)
            .orElseThrow(() -> new IllegalStateException("input topic '" + topic + "' does not exist on " + c.bootstrapServers()
                + "; create it (with as many partitions as refine should spread over) or start capture with --kafka first"));
        partitions = Math.max(partitions, d.partitions().size());
      }
      Optional<TopicDescription> out = describe(admin, c.outputTopic());
      if (out.isEmpty()) {
        createOutput(admin, c.outputTopic(), partitions);
      } else if (out.get().partitions().size() != partitions) {
        log.warn("refine: output topic '{}' has a partition count of {}, the input {}: records of one input partition are then spread"
            + " by key, and reordering holds per input partition, not per output partition", c.outputTopic(),
            out.get().partitions().size(), partitions);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while checking the topics", e);
    }
  }

  private static Optional<TopicDescription> describe(Admin admin, String topic) throws InterruptedException {
    try {
      return Optional.of(admin.describeTopics(Set.of(topic)).allTopicNames().get().get(topic));
    } catch (ExecutionException e) {
      if (e.getCause() instanceof UnknownTopicOrPartitionException) return Optional.empty();
      throw new IllegalStateException("cannot describe topic '" + topic + "': " + e.getCause().getMessage(), e.getCause());
    }
  }

  private static void createOutput(Admin admin, String topic, int partitions) throws InterruptedException {
    try {
      admin.createTopics(List.of(new NewTopic(topic, Optional.of(partitions), Optional.empty()))).all().get();
      log.info("refine: created output topic '{}' with the input's partition count ({})", topic, partitions);
    } catch (ExecutionException e) {
      if (!(e.getCause() instanceof TopicExistsException)) {
        throw new IllegalStateException("cannot create output topic '" + topic + "': " + e.getCause().getMessage(), e.getCause());
      }
    }
  }

  public KafkaStreams.State state() {
    return streams.state();
  }

  /** Ready: every assigned partition restored and processing. */
  public boolean ready() {
    return streams.state() == KafkaStreams.State.RUNNING;
  }

  /** Completes with the cause when Kafka Streams stops on an error (it then processes nothing more). */
  public CompletableFuture<Throwable> failure() {
    return failure;
  }

  /** Commits what is processed and closes the stores; false when {@code timeout} passed first. */
  public boolean close(Duration timeout) {
    streamsMetrics.close();
    return streams.close(timeout);
  }

  @Override
  public void close() {
    close(Duration.ofSeconds(30));
  }
}
