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
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.CloseOptions;
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

  private static final Duration TOPIC_RETRY = Duration.ofSeconds(2);

  private final RefineConfig config;
  private final MeterRegistry registry;
  private final CompletableFuture<Throwable> failure = new CompletableFuture<>();
  private final Thread starter;
  /** Null until the inputs exist; then the one Kafka Streams client. Guarded by {@code this} for close. */
  private volatile KafkaStreams streams;
  private volatile KafkaStreamsMetrics streamsMetrics;
  private volatile String waitingFor = "checking the topics";
  private boolean closed;

  private Refiner(RefineConfig config, MeterRegistry registry) {
    this.config = config;
    this.registry = registry;
    this.starter = Thread.ofPlatform().name("refine-start").daemon().unstarted(this::awaitTopicsThenStart);
  }

  /**
   * Starts in the background: waits until Kafka answers and the input topics exist (an
   * orchestrator starts every stage at once, before capture created the raw topic), creates the
   * output topic when missing, with the inputs' partition count, then starts Kafka Streams. Until
   * then {@link #waitingFor()} says what it waits for.
   */
  public static Refiner start(RefineConfig config, MeterRegistry registry) {
    RocksDbLibrary.load(config.stateDirectory());
    Refiner refiner = new Refiner(config, registry);
    RefineMetrics.bindState(registry, refiner::state);
    refiner.starter.start();
    return refiner;
  }

  private void awaitTopicsThenStart() {
    String logged = null;
    try {
      while (true) {
        String missing = prepareTopics(config);
        if (missing == null) break;
        waitingFor = missing;
        if (!missing.equals(logged)) log.warn("refine: {}; retrying every {} s", missing, TOPIC_RETRY.toSeconds());
        logged = missing;
        Thread.sleep(TOPIC_RETRY);
      }
      if (logged != null) log.info("refine: the input topics {} exist now; starting", config.inputTopics());
      startStreams();
    } catch (InterruptedException e) {
      // closed while waiting
    } catch (RuntimeException e) {
      log.error("refine: cannot start Kafka Streams", e);
      failure.complete(e);
    }
  }

  private synchronized void startStreams() {
    if (closed) return;
    KafkaStreams s = new KafkaStreams(RefineTopology.build(config, new RefineMetrics(registry)), properties(config));
    // kafka_stream_*, and the kafka_consumer_* and kafka_producer_* of the clients Streams runs
    streamsMetrics = new KafkaStreamsMetrics(s);
    streamsMetrics.bindTo(registry);
    s.setStateListener((now, before) -> {
      log.info("refine: Kafka Streams {} -> {}", before, now);
      if (now == KafkaStreams.State.ERROR) failure.complete(new IllegalStateException("Kafka Streams stopped in ERROR"));
    });
    StreamThreadFailures failures = new StreamThreadFailures(registry, System::nanoTime);
    s.setUncaughtExceptionHandler(e -> {
      StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse response = failures.respond(e);
      if (response == StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD) {
        log.warn("refine: a stream thread's transaction was lost (a broker failed over); its tasks are redone from the last commit"
            + " by a new thread", e);
        return response;
      }
      log.error("refine: stream thread failed; stopping (a restart resumes from the last commit)", e);
      failure.complete(e);
      return response;
    });
    s.start();
    streams = s;
    waitingFor = null;
    log.info("refine: {} -> {}, dedup window {} s, {}, application id {}, state in {}", config.inputTopics(), config.outputTopic(),
        config.dedupWindow().toSeconds(), config.reorders() ? "reorder window " + config.reorderWindow().toMillis() + " ms" : "no reordering",
        config.applicationId(), config.stateDirectory().toAbsolutePath().normalize());
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

  /** Null once the inputs exist and the output does too; else what refine waits for. */
  private static String prepareTopics(RefineConfig c) throws InterruptedException {
    Map<String, Object> a = new HashMap<>();
    c.streamsProperties().forEach((k, v) -> {
      if (AdminClientConfig.configNames().contains(k)) a.put(k, v);
    });
    a.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, c.bootstrapServers());
    a.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "5000");
    a.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "8000");
    try (Admin admin = Admin.create(a)) {
      int partitions = 0;
      for (String topic : c.inputTopics()) {
        Optional<TopicDescription> d = describe(admin, topic);
        if (d.isEmpty()) return "waiting for input topic '" + topic + "' to exist on " + c.bootstrapServers();
        partitions = Math.max(partitions, d.get().partitions().size());
      }
      String grown = grownSinceStateWasMade(admin, c, partitions);
      if (grown != null) return grown;
      Optional<TopicDescription> out = describe(admin, c.outputTopic());
      if (out.isEmpty()) {
        createOutput(admin, c, partitions);
      } else if (out.get().partitions().size() != partitions) {
        log.warn("refine: output topic '{}' has a partition count of {}, the input {}: records of one input partition are then spread"
            + " by key, and reordering holds per input partition, not per output partition", c.outputTopic(),
            out.get().partitions().size(), partitions);
      }
      return null;
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      return cause instanceof TimeoutException ? "Kafka at " + c.bootstrapServers() + " unreachable (" + cause.getMessage() + ")"
          : "cannot check the topics on " + c.bootstrapServers() + ": " + cause;
    }
  }

  /**
   * Kafka Streams sized the dedup changelog by the input's partition count when it first ran; partitions
   * added to the input since make it stop at once ("Existing internal topic ... has invalid partitions"),
   * at every start. Saying why, and waiting for the operator, beats a crash loop.
   */
  private static String grownSinceStateWasMade(Admin admin, RefineConfig c, int partitions) throws InterruptedException, ExecutionException {
    String changelog = c.applicationId() + "-" + DedupProcessor.STORE + "-changelog";
    Optional<TopicDescription> state = describe(admin, changelog);
    if (state.isEmpty() || state.get().partitions().size() == partitions) return null;
    return "the input topics " + c.inputTopics() + " have " + partitions + " partitions, refine's state (" + changelog + ") "
        + state.get().partitions().size() + ": partitions were added to the input, which moves keys between partitions and breaks"
        + " deduplication; see 'Adding partitions' in docs/refine.md";
  }

  private static Optional<TopicDescription> describe(Admin admin, String topic) throws InterruptedException, ExecutionException {
    try {
      return Optional.of(admin.describeTopics(Set.of(topic)).allTopicNames().get().get(topic));
    } catch (ExecutionException e) {
      if (e.getCause() instanceof UnknownTopicOrPartitionException) return Optional.empty();
      throw e;
    }
  }

  private static void createOutput(Admin admin, RefineConfig c, int partitions) throws InterruptedException, ExecutionException {
    try {
      admin.createTopics(List.of(new NewTopic(c.outputTopic(), Optional.of(partitions), c.replicationFactor()))).all().get();
      log.info("refine: created output topic '{}' with the input's partition count ({}), replication factor {}", c.outputTopic(), partitions,
          c.replicationFactor().map(String::valueOf).orElse("of the broker's default"));
    } catch (ExecutionException e) {
      if (!(e.getCause() instanceof TopicExistsException)) throw e;
    }
  }

  /** CREATED while waiting for the topics, then the Kafka Streams client's state. */
  public KafkaStreams.State state() {
    KafkaStreams s = streams;
    return s == null ? KafkaStreams.State.CREATED : s.state();
  }

  /** What refine waits for before it can start (Kafka, an input topic), or empty once Kafka Streams runs. */
  public Optional<String> waitingFor() {
    return Optional.ofNullable(waitingFor);
  }

  /** Ready: every assigned partition restored and processing. */
  public boolean ready() {
    return state() == KafkaStreams.State.RUNNING;
  }

  /** Completes with the cause when Kafka Streams stops on an error (it then processes nothing more). */
  public CompletableFuture<Throwable> failure() {
    return failure;
  }

  /**
   * Commits what is processed, closes the stores and leaves the group, so that the partitions go
   * to the other instances (or this one restarted) at once rather than after the session timeout;
   * false when {@code timeout} passed first.
   */
  public boolean close(Duration timeout) {
    KafkaStreams s;
    synchronized (this) {
      closed = true;
      s = streams;
    }
    starter.interrupt();
    if (s == null) return true;
    streamsMetrics.close();
    return s.close(CloseOptions.timeout(timeout).withGroupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP));
  }

  @Override
  public void close() {
    close(Duration.ofSeconds(30));
  }
}
