package dev.tributary.status;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What the {@code /status} page says is wrong, and what to do about it: each {@link Alert} is a
 * line the page shows in red ({@code failing}) or amber ({@code warning}) above the charts. Read
 * from the readiness body and the newest samples; nothing here is kept between calls.
 */
final class StatusAlerts {
  static final double SPOOL_FULL_WARNING = 0.8;
  static final double LAG_WARNING_SECONDS = 60;
  private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm 'UTC'").withZone(ZoneOffset.UTC);

  /** One thing that is wrong: {@code level} is {@code failing} or {@code warning}; {@code id} names what it is about. */
  record Alert(String id, String level, String title, String text) { }

  private StatusAlerts() { }

  static List<Alert> of(Map<String, Object> health, StatusSamples samples) {
    List<Alert> alerts = new ArrayList<>();
    if (!"ready".equals(health.get("status"))) {
      alerts.add(new Alert("ready", "failing", "Not ready",
          text(health.get("reason"), "the readiness check says so") + ". Traffic is not sent here until this clears; the log says more."));
    }
    kafka(health, samples, alerts);
    spool(samples, alerts);
    double deadLetters = samples.latest("dead_letters");
    if (deadLetters > 0) {
      alerts.add(new Alert("dead_letters", "failing", count(deadLetters, "dead letter"),
          "Kafka refused these records for good (too large, unknown topic, not allowed). Run `tributary dead-letters list` to see why, "
              + "fix the cause, then `tributary dead-letters replay`."));
    }
    double stopped = samples.latest("replicator_stopped");
    if (stopped > 0) {
      alerts.add(new Alert("replicator", "failing", count(stopped, "journal partition") + " stopped",
          "The replicator met a record it cannot decode and stopped those partitions; the log names the record."));
    }
    degradedChecks(health, alerts);
    return alerts;
  }

  private static void kafka(Map<String, Object> health, StatusSamples samples, List<Alert> alerts) {
    long since = samples.holdingSince("kafka_reachable", v -> v == 0);
    if (samples.latest("kafka_reachable") == 0) {
      String when = since < 0 ? " for more than 15 minutes" : " since " + CLOCK.format(Instant.ofEpochMilli(since));
      Object bootstrap = details(health, "kafka").get("bootstrap");
      alerts.add(new Alert("kafka", "failing", "Kafka unreachable" + when,
          "Events are safe in the spool (" + count(samples.latest("lag_records"), "record") + " waiting) and are forwarded when Kafka is back. "
              + (bootstrap == null ? "Check the brokers" : "Check the brokers at " + bootstrap) + " and the network to them."));
      return;
    }
    double oldest = samples.latest("lag_oldest");
    if (oldest > LAG_WARNING_SECONDS) {
      alerts.add(new Alert("lag", "warning", "Forwarding is behind",
          "The oldest record waiting for Kafka is " + Math.round(oldest) + " s old (" + count(samples.latest("lag_records"), "record")
              + " waiting). Kafka answers but slowly: look at the brokers' load and the forwarder's errors in /metrics."));
    }
  }

  private static void spool(StatusSamples samples, List<Alert> alerts) {
    double used = samples.latest("spool_used");
    double capacity = samples.latest("spool_capacity");
    if (!(capacity > 0) || !(used / capacity > SPOOL_FULL_WARNING)) return;
    alerts.add(new Alert("spool", "failing", String.format(Locale.ROOT, "Spool %.0f %% full", 100 * used / capacity),
        bytes(used) + " of " + bytes(capacity) + ". When it is full capture answers 503. Forwarding frees it: bring Kafka back, "
            + "or give the spool more room (spool_max_bytes) on a disk that has it."));
  }

  /** Checks that are degraded (failing ones are in the readiness reason already), unless an alert above covers them. */
  private static void degradedChecks(Map<String, Object> health, List<Alert> alerts) {
    if (!(health.get("checks") instanceof Map<?, ?> checks)) return;
    checks.forEach((name, check) -> {
      if (!(check instanceof Map<?, ?> body) || !"degraded".equals(body.get("status"))) return;
      if (alerts.stream().anyMatch(a -> a.id().equals(name))) return;
      alerts.add(new Alert(String.valueOf(name), "warning", name + ": degraded", text(body.get("reason"), "no reason given")));
    });
  }

  private static Map<?, ?> details(Map<String, Object> health, String check) {
    return health.get("checks") instanceof Map<?, ?> checks && checks.get(check) instanceof Map<?, ?> body ? body : Map.of();
  }

  private static String text(Object value, String otherwise) {
    return value == null ? otherwise : value.toString();
  }

  private static String count(double n, String noun) {
    long whole = Double.isNaN(n) ? 0 : Math.round(n);
    return String.format(Locale.ROOT, "%,d %s%s", whole, noun, whole == 1 ? "" : "s");
  }

  static String bytes(double n) {
    String[] units = {"bytes", "KiB", "MiB", "GiB", "TiB"};
    int unit = 0;
    while (n >= 1024 && unit < units.length - 1) {
      n /= 1024;
      unit++;
    }
    return unit == 0 ? String.format(Locale.ROOT, "%.0f bytes", n) : String.format(Locale.ROOT, "%.1f %s", n, units[unit]);
  }
}
