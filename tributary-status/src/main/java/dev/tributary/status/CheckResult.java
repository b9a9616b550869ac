package dev.tributary.status;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * What one health check found: {@link Health#OK}, {@link Health#DEGRADED} (worth showing, but the
 * command still does its job: capture while Kafka is down keeps events in the spool) or
 * {@link Health#FAILING} (not ready, or not live), with the reason in words and details a
 * dashboard or an operator can read.
 */
public record CheckResult(Health health, String reason, Map<String, Object> details) {

  /** The states of a check, written in lower case in the JSON bodies. */
  public enum Health { OK, DEGRADED, FAILING }

  public CheckResult {
    Objects.requireNonNull(health, "health");
    if (health != Health.OK) Objects.requireNonNull(reason, "a check that is not ok says why");
    details = details == null ? Map.of() : new LinkedHashMap<>(details);
  }

  public static CheckResult ok(Map<String, Object> details) {
    return new CheckResult(Health.OK, null, details);
  }

  public static CheckResult degraded(String reason, Map<String, Object> details) {
    return new CheckResult(Health.DEGRADED, reason, details);
  }

  public static CheckResult failing(String reason, Map<String, Object> details) {
    return new CheckResult(Health.FAILING, reason, details);
  }

  /** The check's JSON object: {@code {"status":"ok"|"degraded"|"failing","reason":…,…details}}. */
  Map<String, Object> body() {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("status", health.name().toLowerCase(java.util.Locale.ROOT));
    if (reason != null) body.put("reason", reason);
    body.putAll(details);
    return body;
  }
}
