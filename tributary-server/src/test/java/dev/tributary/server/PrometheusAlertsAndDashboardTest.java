package dev.tributary.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tributary.testkit.KafkaExtension;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shipped alert rules and Grafana dashboard on Debian's Prometheus, scraping real Tributary
 * processes. The rules Prometheus evaluates here are deploy/prometheus/tributary-rules.yml with every
 * span of time divided by {@value #TIME_FACTOR} ({@link TimeScaledRules}: {@code for: 2m} becomes
 * 2 s, {@code [10m]} 10 s, an age threshold of 60 s becomes 1 s), expressions, labels and
 * annotations as shipped: the alerts fire and resolve here as they do in production, in seconds
 * instead of minutes. The real timings are proven by {@code promtool test rules} in AlertRulesTest.
 */
class PrometheusAlertsAndDashboardTest {
  @RegisterExtension static final KafkaExtension kafka = KafkaExtension.broker();
  static final int TIME_FACTOR = 60;
  static final Path DASHBOARD = Path.of("..", "deploy", "grafana", "tributary-dashboard.json").toAbsolutePath().normalize();
  private static final Set<String> OUTAGE_ALERTS = Set.of("TributaryKafkaUnreachable", "TributaryForwardLagGrowing", "TributaryForwardLagOld");
  /** Metric names of Tributary and of the JVM and process binders in a PromQL expression. */
  private static final Pattern EXPORTED_NAME = Pattern.compile("\\b(?:tributary|jvm|process)_[a-z_]+");
  @TempDir static Path prometheusDir;
  static PrometheusServer prometheus;
  @TempDir Path dir;

  @BeforeAll
  static void startPrometheus() throws IOException {
    Path rules = prometheusDir.resolve("tributary-rules.scaled.yml");
    TimeScaledRules.write(AlertRules.FILE, rules, TIME_FACTOR);
    prometheus = PrometheusServer.start(prometheusDir, rules);
  }

  @AfterAll
  static void stopPrometheus() throws InterruptedException {
    if (prometheus != null) prometheus.close();
  }

  @Test
  void kafkaUnreachableAndForwardLagAlertsFireWhileTheBrokerIsDownAndResolveOnceItIsBack() throws Exception {
    try (ServeProcess serve = ServeProcess.start(dir.resolve("serve.log"), Map.of(), "serve", "--port", "0",
        "--data-dir", dir.resolve("data").toString(), "--kafka", kafka.bootstrapServers(), "--topic", "alerts")) {
      int port = serve.awaitListening();
      prometheus.scrape("tributary-outage", port);
      prometheus.awaitUp("tributary-outage", 1);
      SteadyClient client = new SteadyClient(URI.create("http://127.0.0.1:" + port + "/v1/events"), ConcurrentHashMap.newKeySet());
      Thread clientThread = Thread.ofPlatform().name("steady-client").start(client);
      try {
        awaitRules("under load, Kafka up", Duration.ofSeconds(30), Map.of());
        long killed = System.nanoTime();
        kafka.firstBroker().kill();
        awaitRules("Kafka killed, clients still sending", Duration.ofSeconds(45), Map.of("firing", OUTAGE_ALERTS));
        long fired = System.nanoTime();
        assertThat(client.failedAttempts.get()).as("requests capture did not answer 200 during the outage").isZero();
        kafka.firstBroker().restart();
        long restarted = System.nanoTime();
        awaitRules("Kafka back", Duration.ofSeconds(45), Map.of());
        System.out.printf("alerts firing %d ms after the broker was killed, resolved %d ms after it was back (times / %d)%n",
            (fired - killed) / 1_000_000, (System.nanoTime() - restarted) / 1_000_000, TIME_FACTOR);
      } finally {
        client.stop.set(true);
        clientThread.join(Duration.ofSeconds(10));
        prometheus.removeTargets("tributary-outage");
        if (!kafka.firstBroker().isRunning()) kafka.firstBroker().restart(); // the dashboard test needs it
      }
      System.out.printf("%d requests acknowledged across the outage%n", client.requestsAcknowledged.get());
    }
  }

  @Test
  void everyDashboardQueryRunsOnPrometheusAndReadsMetricsTributaryExports() throws Exception {
    JsonNode dashboard = new ObjectMapper().readTree(DASHBOARD.toFile());
    List<JsonNode> panels = panels(dashboard);
    assertThat(panels.stream().map(p -> p.path("id").asInt(-1)).toList()).as("panel ids of " + DASHBOARD).doesNotHaveDuplicates()
        .doesNotContain(-1);
    Map<String, String> queries = queries(dashboard, panels);
    assertThat(queries).as("queries of " + DASHBOARD).isNotEmpty();
    for (JsonNode panel : panels) {
      if (panel.path("type").asText().equals("row")) continue;
      assertThat(panel.path("datasource").path("uid").asText()).as("data source of panel '%s': the one picked at import", panel.path("title"))
          .isEqualTo("${datasource}");
      for (JsonNode target : panel.path("targets")) {
        assertThat(target.path("expr").asText()).as("panel '%s' follows the job and instance picked", panel.path("title"))
            .contains("job=~\"$job\"", "instance=~\"$instance\"");
      }
    }

    kafka.firstBroker().createTopicIfMissing("dashboard.raw", 1);
    int refinePort = ServeProcess.freePort();
    try (ServeProcess serve = ServeProcess.start(dir.resolve("serve.log"), Map.of(), "serve", "--port", "0", "--data-dir",
            dir.resolve("data").toString(), "--kafka", kafka.bootstrapServers(), "--topic", "dashboard.raw", "--lake-too");
        ServeProcess refine = ServeProcess.start(dir.resolve("refine.log"), Map.of(), "refine", "--kafka", kafka.bootstrapServers(),
            "--input", "dashboard.raw", "--output", "dashboard.refined", "--port", String.valueOf(refinePort),
            "--state-dir", dir.resolve("refine").toString())) {
      int servePort = serve.awaitListening();
      prometheus.scrape("tributary-serve", servePort);
      for (int i = 0; i < 20; i++) assertThat(post(servePort, "{\"event\":\"page_view\",\"n\":" + i + "}")).isEqualTo(200);
      refine.awaitReady(refinePort);
      prometheus.scrape("tributary-refine", refinePort);
      prometheus.awaitUp("tributary-serve", 1);
      prometheus.awaitUp("tributary-refine", 1);

      Set<String> exported = new HashSet<>();
      prometheus.get("label/__name__/values").path("data").forEach(n -> exported.add(n.asText()));
      Set<String> known = new LinkedHashSet<>(exported);
      known.addAll(AlertRules.metricsNamed());
      for (Map.Entry<String, String> q : queries.entrySet()) {
        assertThat(AlertRules.metricsIn(q.getValue())).as("%s: %s reads metrics no Tributary process exports nor the rules name "
            + "(exported: %s)", q.getKey(), q.getValue(), exported.stream().filter(n -> n.startsWith("tributary_")).sorted().toList())
            .allMatch(known::contains);
      }
      // A query on metrics that are all there must show something: an empty one has a wrong label or function.
      Awaitility.await("every dashboard query answered, with data where its metrics are exported").atMost(Duration.ofSeconds(30))
          .pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
            for (Map.Entry<String, String> q : queries.entrySet()) {
              if (q.getValue().startsWith("label_values(")) continue;
              String promql = runnable(q.getValue());
              JsonNode answer = prometheus.query(promql);
              assertThat(answer.path("status").asText()).as("%s: %s answered %s", q.getKey(), promql, answer).isEqualTo("success");
              if (exported.containsAll(namesIn(promql))) {
                assertThat(answer.path("data").path("result")).as("%s: %s (all of its metrics exported) answered %s", q.getKey(), promql, answer)
                    .isNotEmpty();
              }
            }
          });
    } finally {
      prometheus.removeTargets("tributary-serve");
      prometheus.removeTargets("tributary-refine");
    }
  }

  /**
   * Waits until every rule is healthy (evaluated without error) and the alerts in {@code expected}
   * (state to names) are in that state while every other one is inactive; says what Prometheus reports if not.
   */
  private static void awaitRules(String when, Duration atMost, Map<String, Set<String>> expected) {
    Awaitility.await(when).atMost(atMost).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
      Map<String, String> states = new LinkedHashMap<>();
      Map<String, String> wanted = new LinkedHashMap<>();
      for (JsonNode rule : prometheus.rules()) {
        String name = rule.path("name").asText();
        List<String> values = rule.path("alerts").valueStream().map(a -> a.path("value").asText()).toList();
        states.put(name, rule.path("state").asText() + " " + rule.path("health").asText() + rule.path("lastError").asText("")
            + (values.isEmpty() ? "" : " " + values));
        wanted.put(name, expected.entrySet().stream().filter(e -> e.getValue().contains(name)).map(Map.Entry::getKey)
            .findFirst().orElse("inactive") + " ok");
      }
      assertThat(states.keySet()).as("rules Prometheus loaded").containsAll(OUTAGE_ALERTS);
      Map<String, String> actual = new LinkedHashMap<>();
      states.forEach((name, state) -> actual.put(name, state.replaceFirst(" \\[.*", "")));
      assertThat(actual).as("%s: rules as Prometheus reports them (state, health, values): %s", when, states).isEqualTo(wanted);
    });
  }

  private static List<JsonNode> panels(JsonNode dashboard) {
    List<JsonNode> panels = new ArrayList<>();
    for (JsonNode panel : dashboard.path("panels")) {
      panels.add(panel);
      panel.path("panels").forEach(panels::add);
    }
    return panels;
  }

  /** Each query of the dashboard (panel targets and template variables), by where it is. */
  private static Map<String, String> queries(JsonNode dashboard, List<JsonNode> panels) {
    Map<String, String> queries = new LinkedHashMap<>();
    for (JsonNode variable : dashboard.path("templating").path("list")) {
      if (variable.path("type").asText().equals("query")) {
        queries.put("variable " + variable.path("name").asText(), variable.path("query").path("query").asText(variable.path("query").asText()));
      }
    }
    for (JsonNode panel : panels) {
      for (JsonNode target : panel.path("targets")) {
        queries.put("panel '" + panel.path("title").asText() + "' target " + target.path("refId").asText(), target.path("expr").asText());
      }
    }
    return queries;
  }

  /** The query as Grafana sends it: template variables replaced by what matches every job and instance. */
  private static String runnable(String expr) {
    String promql = expr.replace("$__rate_interval", "1m").replace("$__interval", "1m").replaceAll("\\$\\{?(job|instance)}?", ".+");
    assertThat(promql).as("template variables left in %s", expr).doesNotContain("$");
    return promql;
  }

  private static Set<String> namesIn(String promql) {
    Set<String> names = new LinkedHashSet<>();
    Matcher m = EXPORTED_NAME.matcher(promql);
    while (m.find()) names.add(m.group());
    return names;
  }

  private static int post(int port, String body) throws Exception {
    return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/events"))
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.discarding()).statusCode();
  }
}
