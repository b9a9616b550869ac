package dev.tributary.journal;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * A replicator in a child JVM for the crash test, to be killed with SIGKILL. Launched ahead of its
 * round, it warms up (a schema check and a metadata request load the store's driver and the Kafka
 * client), says "READY", and starts the replicator when a line comes on standard input. It prints
 * "STORED n" after its n-th store write; with a positive {@code blockAfter} it then blocks, after
 * that commit and before its Kafka commit.
 * Arguments: bootstrap servers, the store ({@link StoreKind#format}), topic prefix, group id, blockAfter (0: never block).
 */
public final class ReplicatorChild {
  public static void main(String[] args) throws Exception {
    ReplicatorConfig config = ReplicatorConfig.of(args[0], StoreKind.parse(args[1])).withTopicPrefix(args[2]).withGroupId(args[3]);
    int blockAfter = Integer.parseInt(args[4]);
    JournalStore.open(config.store(), 1, "journal-warm-up", null).close();
    try (var consumer = new KafkaConsumer<>(Map.<String, Object>of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers()),
        new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      consumer.listTopics();
    }
    System.out.println("READY");
    System.out.flush();
    new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
    int[] commits = {0};
    Replicator.start(config, new SimpleMeterRegistry(), () -> {
      System.out.println("STORED " + ++commits[0]);
      System.out.flush();
      if (commits[0] == blockAfter) sleepForever();
    });
    sleepForever();
  }

  private static void sleepForever() {
    try {
      Thread.sleep(Long.MAX_VALUE);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
