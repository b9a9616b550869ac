package dev.tributary.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.tributary.testkit.RequiredTool;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shipped alert rules, deploy/prometheus/tributary-rules.yml, as Prometheus itself reads them:
 * {@code promtool check rules} accepts them, {@code promtool test rules} runs their unit tests
 * (tributary-rules.test.yml: every alert fires after its {@code for} on sick series and stays quiet
 * on healthy ones), the Kubernetes PrometheusRule carries the very same groups, and serve exports
 * every metric its groups read (SinkCommandTest, RefineCommandTest and StatusShapeTest check the lake's, refine's and the
 * journal replicator's).
 */
class AlertRulesTest {

  @Test
  void promtoolAcceptsTheRules() throws Exception {
    assertPromtool("check", "rules", AlertRules.FILE.toString());
  }

  @Test
  void everyAlertFiresOnSickSeriesAndStaysQuietOnHealthyOnes() throws Exception {
    assertPromtool("test", "rules", AlertRules.DIR.resolve("tributary-rules.test.yml").toString());
  }

  @Test
  void thePrometheusRuleOfDeployK8sCarriesTheSameGroups() throws Exception {
    Path monitoring = RenderedManifests.K8S.resolve("base/monitoring.yaml");
    JsonNode rule = new ObjectMapper(new YAMLFactory()).readValues(new YAMLFactory().createParser(monitoring.toFile()), JsonNode.class)
        .readAll().stream().filter(o -> o.path("kind").asText().equals("PrometheusRule")).findFirst().orElse(MissingNode.getInstance());
    assertThat(rule.path("spec").path("groups")).as("spec.groups of the PrometheusRule in " + monitoring
        + ": copy the groups of " + AlertRules.FILE + " there").isEqualTo(AlertRules.groups());
  }

  @Test
  void serveExportsEveryMetricItsRuleGroupsRead(@TempDir Path dir) throws Exception {
    // Kafka unreachable on purpose: the forwarder's metrics are there all the same
    try (ServeProcess serve = ServeProcess.start(dir.resolve("serve.log"), Map.of(), "serve", "--port", "0",
        "--data-dir", dir.resolve("data").toString(), "--kafka", "127.0.0.1:" + ServeProcess.freePort())) {
      int port = serve.awaitListening();
      String metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
          HttpResponse.BodyHandlers.ofString()).body();
      AlertRules.assertExported("tributary-forwarder", metrics);
      AlertRules.assertExported("tributary-spool", metrics);
    }
  }

  private static void assertPromtool(String... args) throws Exception {
    Path promtool = Arrays.stream(System.getenv().getOrDefault("PATH", "").split(":"))
        .map(dir -> Path.of(dir, "promtool")).filter(Files::isExecutable).findFirst().orElse(null);
    if (promtool == null) RequiredTool.missing("promtool is not installed (apt-get install prometheus; scripts/test installs it)");
    List<String> command = new ArrayList<>(List.of(promtool.toString()));
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).directory(AlertRules.DIR.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).as(String.join(" ", command) + " finished").isTrue();
    assertThat(p.exitValue()).as(String.join(" ", command) + " says:\n" + out).isZero();
  }
}
