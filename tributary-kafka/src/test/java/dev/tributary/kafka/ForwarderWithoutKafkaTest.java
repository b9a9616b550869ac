package dev.tributary.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.tributary.broker.LoopbackPorts;
import dev.tributary.spool.Spool;
import dev.tributary.spool.SpoolConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ForwarderWithoutKafkaTest {
  @TempDir Path dir;

  @Test
  void withKafkaAbsentDrainFailsTheSpoolStaysIntactAndCloseReturns() throws Exception {
    String nowhere = "127.0.0.1:" + LoopbackPorts.unused();
    try (Spool spool = Spool.open(SpoolConfig.defaults(dir.resolve("spool")))) {
      spool.append(SpoolForwarderTest.events(0, 100, "tick")).get();
      SpoolForwarder f = SpoolForwarder.start(spool, ForwarderConfig.defaults(nowhere, dir.resolve("dead")), new SimpleMeterRegistry());
      assertThat(f.drain(Duration.ofSeconds(3))).isFalse();
      assertThat(f.kafkaReachable()).isFalse();
      assertThat(f.lag().records()).isEqualTo(100);
      // a hang guard, not a speed claim: shutdown must not wait for a Kafka that is not there
      assertTimeoutPreemptively(Duration.ofSeconds(60), f::close);
      assertThat(spool.usage().cursors()).filteredOn(c -> c.name().equals(SpoolForwarder.CURSOR))
          .singleElement().extracting(c -> c.records()).isEqualTo(100L);
    }
  }

  @Test
  void anInvalidTopicTemplateIsRefusedAtConfiguration() {
    ForwarderConfig c = ForwarderConfig.defaults("127.0.0.1:9", dir);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> c.withTopic("events/{event}"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("invalid topic 'events/{event}'");
  }
}
