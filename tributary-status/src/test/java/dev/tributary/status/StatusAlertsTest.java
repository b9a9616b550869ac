package dev.tributary.status;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** What the page says is wrong, from a readiness body and samples of gauges the test sets. */
class StatusAlertsTest {
  /** 2027-01-15T08:00:00Z. */
  private static final long T0 = 1_800_000_000_000L;
  private static final Map<String, Object> READY = Map.of("status", "ready", "checks", Map.of("spool", Map.of("status", "ok")));
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final StatusSamples samples = new StatusSamples(registry, StatusSeries.ALL);

  @Test
  void aHealthyCommandHasNothingToSay() {
    gauge("tributary.forwarder.kafka.reachable", 1);
    gauge("tributary.spool.size", 10);
    gauge("tributary.spool.capacity", 100);
    gauge("tributary.forwarder.dead.letters.stored", 0);
    samples.sample(T0);
    assertThat(StatusAlerts.of(READY, samples)).isEmpty();
  }

  @Test
  void kafkaUnreachableSaysSinceWhenThatEventsAreSafeAndWhereToLook() {
    AtomicLong reachable = gauge("tributary.forwarder.kafka.reachable", 1);
    gauge("tributary.forwarder.lag.records", 1234);
    samples.sample(T0);
    reachable.set(0);
    samples.sample(T0 + 60_000);
    samples.sample(T0 + 61_000);
    Map<String, Object> health = Map.of("status", "ready", "checks",
        Map.of("kafka", Map.of("status", "degraded", "reason", "unreachable", "bootstrap", "kafka-1:9092")));

    List<StatusAlerts.Alert> alerts = StatusAlerts.of(health, samples);
    assertThat(alerts).as("the degraded kafka check is the same news: one alert").hasSize(1);
    StatusAlerts.Alert kafka = alerts.get(0);
    assertThat(kafka.level()).isEqualTo("failing");
    assertThat(kafka.title()).isEqualTo("Kafka unreachable since " + clock(T0 + 60_000));
    assertThat(kafka.text()).contains("safe in the spool", "1,234 records waiting", "brokers at kafka-1:9092");
  }

  @Test
  void kafkaUnreachableForLongerThanTheRingsSaysSo() {
    gauge("tributary.forwarder.kafka.reachable", 0);
    for (int i = 0; i < StatusSamples.CAPACITY; i++) samples.sample(T0 + i * 1000L);
    assertThat(StatusAlerts.of(READY, samples)).singleElement().extracting(StatusAlerts.Alert::title)
        .isEqualTo("Kafka unreachable for more than 15 minutes");
  }

  @Test
  void aNearlyFullSpoolDeadLettersAndNotReadyAreRedAndSayWhatToDo() {
    gauge("tributary.spool.size", 850L << 20);
    gauge("tributary.spool.capacity", 1000L << 20);
    gauge("tributary.forwarder.dead.letters.stored", 3);
    gauge("tributary.journal.replicator.stopped.partitions", 1);
    samples.sample(T0);
    Map<String, Object> health = Map.of("status", "not_ready", "reason", "capture: draining",
        "checks", Map.of("capture", Map.of("status", "failing", "reason", "draining"), "disk", Map.of("status", "degraded", "reason", "slow fsync")));

    List<StatusAlerts.Alert> alerts = StatusAlerts.of(health, samples);
    assertThat(alerts).extracting(StatusAlerts.Alert::id).containsExactly("ready", "spool", "dead_letters", "replicator", "disk");
    assertThat(alerts.get(0).text()).startsWith("capture: draining.");
    assertThat(alerts.get(1).title()).isEqualTo("Spool 85 % full");
    assertThat(alerts.get(1).text()).startsWith("850.0 MiB of 1000.0 MiB.").contains("spool_max_bytes");
    assertThat(alerts.get(2).title()).isEqualTo("3 dead letters");
    assertThat(alerts.get(2).text()).contains("tributary dead-letters list");
    assertThat(alerts.get(3).title()).isEqualTo("1 journal partition stopped");
    assertThat(alerts.subList(0, 4)).extracting(StatusAlerts.Alert::level).containsOnly("failing");
    assertThat(alerts.get(4)).isEqualTo(new StatusAlerts.Alert("disk", "warning", "disk: degraded", "slow fsync"));
  }

  @Test
  void forwardingBehindWhileKafkaAnswersIsAWarning() {
    gauge("tributary.forwarder.kafka.reachable", 1);
    gauge("tributary.forwarder.lag.oldest.seconds", 95);
    gauge("tributary.forwarder.lag.records", 40);
    samples.sample(T0);
    assertThat(StatusAlerts.of(READY, samples)).singleElement()
        .satisfies(a -> assertThat(a.level()).isEqualTo("warning"))
        .satisfies(a -> assertThat(a.text()).contains("95 s old", "40 records waiting"));
  }

  private AtomicLong gauge(String name, long value) {
    AtomicLong holder = new AtomicLong(value);
    Gauge.builder(name, holder, AtomicLong::get).strongReference(true).register(registry); // the callers drop the holder
    return holder;
  }

  private static String clock(long millis) {
    return java.time.format.DateTimeFormatter.ofPattern("HH:mm 'UTC'").withZone(java.time.ZoneOffset.UTC)
        .format(java.time.Instant.ofEpochMilli(millis));
  }
}
