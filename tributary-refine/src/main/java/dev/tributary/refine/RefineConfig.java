package dev.tributary.refine;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What refine reads, writes and keeps.
 *
 * @param bootstrapServers Kafka's {@code host:port} list
 * @param inputTopics the raw topics (one, or several of the same partition count)
 * @param outputTopic the refined topic; created with the input's partition count when missing
 * @param dedupWindow an {@code event_id} seen again within this much {@code received_at} time is dropped
 * @param reorderWindow hold events this long to emit them in {@code received_at} order; zero = no reordering
 * @param applicationId the Kafka Streams application id: consumer group, transactional ids and internal topic prefix
 * @param stateDirectory where the RocksDB stores live (a cache of their changelog topics)
 * @param streamsProperties any Kafka Streams / client properties, applied last (they win)
 * @param replicationFactor of the output topic when refine creates it; empty = the broker's {@code default.replication.factor}
 */
public record RefineConfig(String bootstrapServers, List<String> inputTopics, String outputTopic, Duration dedupWindow,
                           Duration reorderWindow, String applicationId, Path stateDirectory,
                           Map<String, String> streamsProperties, Optional<Short> replicationFactor) {

  public static final String DEFAULT_INPUT = "events";
  public static final String DEFAULT_OUTPUT = "events.refined";
  public static final String DEFAULT_APPLICATION_ID = "tributary-refine";
  public static final Duration DEFAULT_DEDUP_WINDOW = Duration.ofHours(24);

  public RefineConfig {
    if (bootstrapServers == null || bootstrapServers.isBlank()) throw new IllegalArgumentException("Kafka bootstrap servers are required");
    inputTopics = List.copyOf(inputTopics);
    if (inputTopics.isEmpty() || inputTopics.stream().anyMatch(String::isBlank)) {
      throw new IllegalArgumentException("at least one input topic is required, got " + inputTopics);
    }
    if (outputTopic == null || outputTopic.isBlank()) throw new IllegalArgumentException("an output topic is required");
    if (inputTopics.contains(outputTopic)) {
      throw new IllegalArgumentException("the output topic '" + outputTopic + "' is also an input topic: refine would read its own output");
    }
    if (dedupWindow.toMillis() < 1) throw new IllegalArgumentException("the dedup window must be at least 1 ms, got " + dedupWindow);
    if (reorderWindow.isNegative()) throw new IllegalArgumentException("the reorder window must not be negative, got " + reorderWindow);
    if (applicationId == null || applicationId.isBlank()) throw new IllegalArgumentException("an application id is required");
    streamsProperties = Map.copyOf(streamsProperties);
    if (replicationFactor.isPresent() && replicationFactor.get() < 1) {
      throw new IllegalArgumentException("the replication factor must be at least 1, got " + replicationFactor.get());
    }
  }

  /** Input {@code events}, output {@code events.refined}, dedup over 24 h, no reordering. */
  public static RefineConfig defaults(String bootstrapServers, Path stateDirectory) {
    return new RefineConfig(bootstrapServers, List.of(DEFAULT_INPUT), DEFAULT_OUTPUT, DEFAULT_DEDUP_WINDOW, Duration.ZERO,
        DEFAULT_APPLICATION_ID, stateDirectory, Map.of(), Optional.empty());
  }

  public boolean reorders() {
    return !reorderWindow.isZero();
  }

  public RefineConfig withTopics(List<String> in, String out) { return new RefineConfig(bootstrapServers, in, out, dedupWindow, reorderWindow, applicationId, stateDirectory, streamsProperties, replicationFactor); }
  public RefineConfig withDedupWindow(Duration d) { return new RefineConfig(bootstrapServers, inputTopics, outputTopic, d, reorderWindow, applicationId, stateDirectory, streamsProperties, replicationFactor); }
  public RefineConfig withReorderWindow(Duration r) { return new RefineConfig(bootstrapServers, inputTopics, outputTopic, dedupWindow, r, applicationId, stateDirectory, streamsProperties, replicationFactor); }
  public RefineConfig withApplicationId(String a) { return new RefineConfig(bootstrapServers, inputTopics, outputTopic, dedupWindow, reorderWindow, a, stateDirectory, streamsProperties, replicationFactor); }
  public RefineConfig withStreamsProperties(Map<String, String> p) { return new RefineConfig(bootstrapServers, inputTopics, outputTopic, dedupWindow, reorderWindow, applicationId, stateDirectory, p, replicationFactor); }
  public RefineConfig withReplicationFactor(Optional<Short> r) { return new RefineConfig(bootstrapServers, inputTopics, outputTopic, dedupWindow, reorderWindow, applicationId, stateDirectory, streamsProperties, r); }
}
