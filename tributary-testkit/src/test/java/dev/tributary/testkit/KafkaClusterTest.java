package dev.tributary.testkit;

import static dev.tributary.testkit.KafkaBrokerTest.consumeAll;
import static dev.tributary.testkit.KafkaBrokerTest.produce;
import static org.assertj.core.api.Assertions.assertThat;

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
import org.junit.jupiter.api.extension.RegisterExtension;

class KafkaClusterTest {
  @RegisterExtension static final KafkaExtension kafka = KafkaExtension.cluster(3);

  @Test
  void replicatedTopicKeepsServingWhileOneBrokerIsKilled() throws Exception {
    String bootstrap = kafka.bootstrapServers();
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

    kafka.cluster().broker(2).kill();
    produce(bootstrap, "replicated", "k", "during");
    kafka.cluster().restart(2);

    assertThat(consumeAll(kafka.cluster().broker(2).bootstrapServers(), "replicated")).containsExactly("before", "during");
  }
}
