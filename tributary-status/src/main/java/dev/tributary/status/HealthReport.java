package dev.tributary.status;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * A set of named checks and the one body shape every command answers {@code /health/live} and
 * {@code /health/ready} with:
 * <pre>{"status":"ready","checks":{"spool":{"status":"ok",…},"kafka":{"status":"degraded","reason":"unreachable",…}}}
 * {"status":"not_ready","reason":"capture: draining","checks":{…}}</pre>
 * The answer is 200 unless a check is failing, then 503 with every failing check's reason.
 */
final class HealthReport {
  private final String good;
  private final String bad;
  private final Map<String, Supplier<CheckResult>> checks = new java.util.concurrent.ConcurrentSkipListMap<>();

  HealthReport(String good, String bad) {
    this.good = good;
    this.bad = bad;
  }

  void add(String name, Supplier<CheckResult> check) {
    if (checks.putIfAbsent(name, check) != null) throw new IllegalArgumentException("a check named '" + name + "' exists already");
  }

  /** Runs every check; a check that throws, or gives nothing, is failing, with the exception as its reason. */
  Answer answer() {
    Map<String, CheckResult> results = new LinkedHashMap<>();
    checks.forEach((name, check) -> results.put(name, run(check)));
    String failing = results.entrySet().stream().filter(e -> e.getValue().health() == CheckResult.Health.FAILING)
        .map(e -> e.getKey() + ": " + e.getValue().reason()).collect(Collectors.joining("; "));
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("status", failing.isEmpty() ? good : bad);
    if (!failing.isEmpty()) body.put("reason", failing);
    Map<String, Object> checkBodies = new LinkedHashMap<>();
    results.forEach((name, result) -> checkBodies.put(name, result.body()));
    body.put("checks", checkBodies);
    return new Answer(failing.isEmpty() ? 200 : 503, body);
  }

  private static CheckResult run(Supplier<CheckResult> check) {
    try {
      CheckResult result = check.get();
      return result != null ? result : CheckResult.failing("the check gave no result", Map.of());
    } catch (RuntimeException e) {
      return CheckResult.failing("the check failed: " + e, Map.of());
    }
  }

  record Answer(int status, Map<String, Object> body) { }
}
