package dev.tributary.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tributary.testkit.KafkaExtension;
import dev.tributary.testkit.PostgresExtension;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every long-running command serves the same status paths with the same body shape, so one probe
 * configuration, one dashboard and one operator's habit fit them all: {@code /health/live} and
 * {@code /health/ready} answer {@code {"status":…,"checks":{name:{"status":"ok"|"degraded"|"failing",…}}}},
 * with a {@code reason} when not ready; {@code /metrics} answers Prometheus text; an unknown path
 * gets a 404 that names the status paths.
 */
class StatusShapeTest {
  @RegisterExtension static final KafkaExtension kafka = KafkaExtension.broker();
  @RegisterExtension static final PostgresExtension postgres = new PostgresExtension();
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Set<String> CHECK_STATES = Set.of("ok", "degraded", "failing");

  @TempDir Path dir;

  /**
   * A command line (given the data directory and the port), the checks it reports, whether it
   * should become ready, and a request of its API whose count {@code /metrics} then shows (or null).
   */
  record Case(String name, BiFunction<Path, Integer, List<String>> args, Set<String> checks, boolean ready, String counted) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<Case> commands() {
    return Stream.of(
        new Case("serve --kafka", (d, p) -> List.of("serve", "--port", "" + p, "--data-dir", d.resolve("serve").toString(),
            "--kafka", kafka.bootstrapServers(), "--topic", "status.raw"), Set.of("capture", "kafka"), true, null),
        new Case("sink", (d, p) -> List.of("sink", "--port", "" + p, "--kafka", kafka.bootstrapServers(), "--topics", "status.raw",
            "--lake", d.resolve("lake").toString()), Set.of("sink"), true, null),
        new Case("refine", (d, p) -> List.of("refine", "--port", "" + p, "--kafka", kafka.bootstrapServers(), "--input", "status.raw",
            "--output", "status.refined", "--state-dir", d.resolve("refine").toString()), Set.of("streams"), true, null),
        new Case("bus", (d, p) -> List.of("bus", "--port", "" + p, "--data-dir", d.resolve("bus").toString()), Set.of(), true,
            "/listCategories"),
        new Case("journal replicate", (d, p) -> List.of("journal", "replicate", "--port", "" + p, "--kafka", kafka.bootstrapServers(),
            "--postgres", postgres.createDatabase()), Set.of("replicator"), true, null),
        new Case("sink without Kafka", (d, p) -> List.of("sink", "--port", "" + p, "--kafka", "127.0.0.1:1", "--topics", "status.raw",
            "--lake", d.resolve("lake").toString()), Set.of("sink"), false, null),
        new Case("refine without Kafka", (d, p) -> List.of("refine", "--port", "" + p, "--kafka", "127.0.0.1:1", "--input", "status.raw",
            "--state-dir", d.resolve("refine").toString()), Set.of("streams"), false, null));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("commands")
  void healthMetricsAndUnknownPathsHaveOneShape(Case command) throws Exception {
    int port = ServeProcess.freePort();
    try (ServeProcess process = ServeProcess.start(dir.resolve("command.log"), Map.of(),
        command.args().apply(dir, port).toArray(String[]::new))) {
      URI base = URI.create("http://127.0.0.1:" + port);
      HttpResponse<String> ready = Awaitility.await(command + " answering /health/ready (log " + dir.resolve("command.log") + ")")
          .atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
          .until(() -> get(base.resolve("/health/ready")), r -> command.ready() ? r.statusCode() == 200
              : r.statusCode() == 503 && r.body().contains("unreachable"));

      JsonNode body = JSON.readTree(ready.body());
      assertShape(body, command.ready() ? "ready" : "not_ready", command.checks());
      if (!command.ready()) {
        String check = command.checks().iterator().next();
        assertThat(body.path("reason").asText()).as(ready.body()).startsWith(check + ": Kafka at 127.0.0.1:1 unreachable");
        assertThat(body.path("checks").path(check).path("status").asText()).isEqualTo("failing");
      } else {
        assertThat(body.has("reason")).as("a ready answer gives no reason: %s", ready.body()).isFalse();
      }

      HttpResponse<String> live = get(base.resolve("/health/live"));
      assertThat(live.statusCode()).as(live.body()).isEqualTo(200);
      assertShape(JSON.readTree(live.body()), "live", null);

      if (command.counted() != null) assertThat(get(base.resolve(command.counted())).statusCode()).isEqualTo(200);
      HttpResponse<String> metrics = get(base.resolve("/metrics"));
      assertThat(metrics.statusCode()).isEqualTo(200);
      assertThat(metrics.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/plain; version=0.0.4"));
      assertThat(metrics.body()).contains("# HELP", "# TYPE")
          .containsPattern("(?m)^tributary_build_info\\{command=\"" + command.name().replaceFirst(" (--kafka|without Kafka)$", "") + "\",")
          .containsPattern("(?m)^jvm_memory_used_bytes\\{").containsPattern("(?m)^process_cpu_usage ")
          .as("every timer a histogram, which sums across instances; no summaries").doesNotContainPattern("(?m)^# TYPE \\w+ summary$");
      assertThat(MetricsReference.documented()).as("the metrics reference, " + MetricsReference.DOC + ", lists what " + command + " exports")
          .containsAll(MetricsReference.exported(metrics.body()));
      if (command.counted() != null) {
        assertThat(metrics.body()).contains("operation=\"" + command.counted().substring(1) + "\",status=\"200\"} 1.0");
      }
      if (command.name().equals("journal replicate")) AlertRules.assertExported("tributary-journal", metrics.body());

      HttpResponse<String> missing = get(base.resolve("/no/such/path"));
      assertThat(missing.statusCode()).isEqualTo(404);
      assertThat(missing.body()).contains("/health/live", "/health/ready", "/metrics");

      HttpResponse<String> post = HTTP.send(HttpRequest.newBuilder(base.resolve("/health/ready"))
          .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(post.statusCode()).isEqualTo(405);
      assertThat(post.headers().firstValue("Allow")).hasValue("GET");
      assertThat(process.terminate(Duration.ofSeconds(60))).as("exit status after SIGTERM:\n%s", process.output()).isIn(0, 1);
    }
  }

  /** {@code {"status":status,"checks":{…}}} whose checks are {@code expectedChecks} (when given), each with a known status. */
  private static void assertShape(JsonNode body, String status, Set<String> expectedChecks) {
    assertThat(body.path("status").asText()).as(body.toString()).isEqualTo(status);
    JsonNode checks = body.path("checks");
    assertThat(checks.isObject()).as("checks is an object: %s", body).isTrue();
    List<String> names = new ArrayList<>();
    checks.fieldNames().forEachRemaining(names::add);
    if (expectedChecks != null) assertThat(names).as(body.toString()).containsExactlyInAnyOrderElementsOf(expectedChecks);
    for (String name : names) {
      JsonNode check = checks.path(name);
      assertThat(check.path("status").asText()).as("%s in %s", name, body).isIn(CHECK_STATES);
      if (!check.path("status").asText().equals("ok")) assertThat(check.path("reason").asText()).as("%s says why", name).isNotBlank();
    }
  }

  private static HttpResponse<String> get(URI uri) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
  }
}
