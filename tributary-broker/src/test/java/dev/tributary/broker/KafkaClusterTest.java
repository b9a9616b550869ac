package dev.tributary.broker;

import static dev.tributary.broker.KafkaBrokerTest.consumeAll;
import static dev.tributary.broker.KafkaBrokerTest.produce;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KafkaClusterTest {
  @TempDir Path dir;

  @Test
  void replicatedTopicKeepsServingWhileOneBrokerIsKilled() throws Exception {
    try (KafkaCluster cluster = KafkaCluster.start(dir, 3)) {
      replicatedTopicSurvives(cluster);
    }
  }

  private static void replicatedTopicSurvives(KafkaCluster cluster) throws Exception {
    String bootstrap = cluster.bootstrapServers();
    Properties p = new Properties();
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    try (Admin admin = Admin.create(p)) {
      admin.createTopics(List.of(new NewTopic("replicated", 1, (short) 3))).all().get();
      // createTopics completes once the controller has the topic; the broker the admin asks next
      // may not have it in its metadata yet (UnknownTopicOrPartitionException, seen on CI).
      TopicDescription d = Awaitility.await("the topic in every broker's metadata").atMost(Duration.ofSeconds(30))
          .ignoreException(ExecutionException.class)
          .until(() -> admin.describeTopics(List.of("replicated")).allTopicNames().get().get("replicated"), t -> t != null);
      assertThat(d.partitions().getFirst().replicas()).hasSize(3);
    }
    produce(bootstrap, "replicated", "k", "before");

    cluster.broker(2).kill();
    produce(bootstrap, "replicated", "k", "during");
    cluster.restart(2);

    assertThat(consumeAll(cluster.broker(2).bootstrapServers(), "replicated")).containsExactly("before", "during");
  }
}
