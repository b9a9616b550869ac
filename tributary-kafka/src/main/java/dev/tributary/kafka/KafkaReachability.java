package dev.tributary.kafka;

import dev.tributary.spool.Quantity;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Asks Kafka every two seconds whether it answers, and logs once when it goes away and once when
 * it comes back (not once per retry). The producer's own retries say nothing while they wait.
 * Kafka counts as reachable only once the forwarder's (fixed) topic exists: the first probe that
 * gets an answer creates it as configured, before the forwarder sends (the producer's metadata
 * request would have the broker auto-create it with its own defaults).
 */
final class KafkaReachability implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(KafkaReachability.class);
  private static final long PERIOD_MILLIS = 2000;

  private final String bootstrap;
  private final ForwarderConfig config;
  private boolean topicExists;
  private final Admin admin;
  private final LongSupplier lagRecords;
  private final ScheduledExecutorService timer;
  private volatile boolean reachable;
  private volatile boolean known;
  private long lostAtMillis;

  KafkaReachability(ForwarderConfig config, LongSupplier lagRecords) {
    this.bootstrap = config.bootstrapServers();
    this.config = config;
    this.admin = Admin.create(ProducerSettings.admin(config));
    this.lagRecords = lagRecords;
    this.timer = Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform().daemon().name("tributary-kafka-probe").unstarted(r));
    timer.scheduleWithFixedDelay(this::probe, 0, PERIOD_MILLIS, TimeUnit.MILLISECONDS);
  }

  boolean reachable() {
    return reachable;
  }

  /** False until the first probe has answered either way: until then {@link #reachable} means nothing. */
  boolean probed() {
    return known;
  }

  private void probe() {
    try {
      admin.describeCluster(new DescribeClusterOptions().timeoutMs(3000)).clusterId().get(4, TimeUnit.SECONDS);
      if (!topicExists) createTopic();
      update(true, null);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      update(false, e.getCause() != null ? e.getCause() : e);
    }
  }

  private void createTopic() throws Exception {
    if (new TopicRouter(config.topic()).perEvent()) {
      topicExists = true; // one topic per event type: created by the broker as events of a new type come
      return;
    }
    // described first: a principal allowed to write but not to create topics must still forward
    if (admin.listTopics().names().get(4, TimeUnit.SECONDS).contains(config.topic())) {
      topicExists = true;
      return;
    }
    TopicCreation c = config.topicCreation();
    try {
      admin.createTopics(List.of(new NewTopic(config.topic(), c.partitions(), c.replicationFactor()))).all().get(4, TimeUnit.SECONDS);
      log.info("created topic '{}' with {}", config.topic(), c.describe());
    } catch (ExecutionException e) {
      if (!(e.getCause() instanceof TopicExistsException)) {
        throw new IllegalStateException("it answers, but creating topic '" + config.topic() + "' with " + c.describe() + " failed: " + e.getCause());
      }
    }
    topicExists = true;
  }

  private void update(boolean now, Throwable cause) {
    boolean was = reachable;
    boolean first = !known;
    known = true;
    reachable = now;
    if (first && now) {
      log.info("Kafka at {} is reachable", bootstrap);
    } else if ((first || was) && !now) {
      lostAtMillis = System.currentTimeMillis();
      log.warn("Kafka at {} is unreachable ({}); capture goes on, events wait in the spool ({} behind)",
          bootstrap, cause, Quantity.of(lagRecords.getAsLong(), "record"));
    } else if (!was && now) {
      log.info("Kafka at {} is reachable again after {} s; forwarding {} waiting in the spool",
          bootstrap, (System.currentTimeMillis() - lostAtMillis) / 1000, Quantity.of(lagRecords.getAsLong(), "record"));
    }
  }

  @Override
  public void close() {
    timer.shutdownNow();
    admin.close(java.time.Duration.ofSeconds(2));
  }
}
