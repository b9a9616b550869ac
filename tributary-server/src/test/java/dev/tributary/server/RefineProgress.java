package dev.tributary.server;

import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * Watches refine's consumer group from outside, as an operator's lag dashboard does: every 250 ms
 * the offsets it committed on its input topic against the topic's end. A stall is a span in which
 * the committed offsets did not move while records waited (a rebalance, a restore, a transaction
 * waiting to be aborted). A sample Kafka does not answer (a broker just killed) neither ends nor
 * starts a stall: the next answered one decides.
 */
final class RefineProgress implements AutoCloseable {
  private final Admin admin;
  private final String topic;
  private final String group;
  private final Thread thread;
  private volatile boolean stopped;
  private long lastCommitted = -1;
  private long lastProgressNanos;
  private volatile long longestStallNanos;
  private volatile long longestStallEndedNanos;

  RefineProgress(Admin admin, String topic, String group) {
    this.admin = admin;
    this.topic = topic;
    this.group = group;
    this.thread = Thread.ofPlatform().daemon().name("refine-progress").unstarted(this::run);
  }

  void start() {
    lastProgressNanos = System.nanoTime();
    thread.start();
  }

  double longestStallSeconds() {
    return longestStallNanos / 1e9;
  }

  /** System.nanoTime() at the last sample of the longest stall. */
  long longestStallEndedNanos() {
    return longestStallEndedNanos;
  }

  private void run() {
    while (!stopped) {
      try {
        sample();
        Thread.sleep(250);
      } catch (InterruptedException e) {
        return;
      } catch (Exception e) {
        // not answered: the next sample decides
      }
    }
  }

  private void sample() throws Exception {
    Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata()
        .get(3, TimeUnit.SECONDS);
    long done = committed.entrySet().stream().filter(e -> e.getKey().topic().equals(topic) && e.getValue() != null)
        .mapToLong(e -> e.getValue().offset()).sum();
    var partitions = admin.describeTopics(java.util.Set.of(topic)).allTopicNames().get(3, TimeUnit.SECONDS).get(topic).partitions();
    Map<TopicPartition, OffsetSpec> latest = partitions.stream()
        .collect(Collectors.toMap(p -> new TopicPartition(topic, p.partition()), p -> OffsetSpec.latest()));
    long end = admin.listOffsets(latest).all().get(3, TimeUnit.SECONDS).values().stream().mapToLong(r -> r.offset()).sum();
    long now = System.nanoTime();
    if (done != lastCommitted || done >= end) {
      lastCommitted = done;
      lastProgressNanos = now;
    } else if (now - lastProgressNanos > longestStallNanos) {
      longestStallNanos = now - lastProgressNanos;
      longestStallEndedNanos = now;
    }
  }

  @Override
  public void close() throws InterruptedException {
    stopped = true;
    thread.interrupt();
    thread.join(5000);
  }
}
