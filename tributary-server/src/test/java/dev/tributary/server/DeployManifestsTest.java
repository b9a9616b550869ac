package dev.tributary.server;

import static dev.tributary.server.RenderedManifests.onlyContainer;
import static dev.tributary.server.RenderedManifests.podSpec;
import static dev.tributary.server.RenderedManifests.port;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

/**
 * deploy/k8s as {@code kubectl kustomize} renders it, checked against the commands it runs: each
 * container's settings are the ones {@code --print-config} resolves from the rendered ConfigMaps,
 * environment and args, in a child JVM as the pod would start it.
 */
class DeployManifestsTest {
  private static final Pattern DURATION_PART = Pattern.compile("(\\d+)(ms|s|m|h)");

  @TempDir Path dir;

  @ParameterizedTest
  @ValueSource(strings = {"overlays/production", "orphan-drain"})
  void everyContainerRunsTheImageTheOverlayNames(String directory) throws Exception {
    RenderedManifests rendered = RenderedManifests.render(directory);
    assertThat(rendered.workloads()).isNotEmpty();
    for (JsonNode workload : rendered.workloads()) {
      assertThat(onlyContainer(workload).path("image").asText()).as(name(workload)).isEqualTo("registry.example.com/tributary:" + version());
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"overlays/production", "overlays/dev", "orphan-drain"})
  void everyContainersArgsAreAcceptedByTheCommandLine(String directory) throws Exception {
    RenderedManifests rendered = RenderedManifests.render(directory);
    for (JsonNode workload : rendered.workloads()) {
      List<String> args = rendered.args(onlyContainer(workload));
      CommandLine.ParseResult parsed;
      try {
        parsed = Tributary.commandLine().parseArgs(args.toArray(String[]::new));
      } catch (CommandLine.ParameterException e) {
        throw new AssertionError(name(workload) + ": tributary " + String.join(" ", args) + " is refused: " + e.getMessage(), e);
      }
      assertThat(parsed.subcommand()).as(name(workload) + " runs a command").isNotNull();
      assertThat(parsed.subcommand().commandSpec().name()).isEqualTo(args.get(0));
    }
  }

  @Test
  void captureKeepsItsSpoolOnAClaimPerPodAndOutlastsItsDrain() throws Exception {
    RenderedManifests rendered = RenderedManifests.render("overlays/production");
    JsonNode capture = rendered.get("StatefulSet", "tributary-capture");
    JsonNode container = onlyContainer(capture);
    Map<String, String> settings = effectiveSettings(rendered, capture);

    assertThat(settings.get("data_dir")).isEqualTo("/var/lib/tributary");
    String claim = RenderedManifests.mountAt(container, settings.get("data_dir"))
        .orElseThrow(() -> new AssertionError("nothing mounted at data_dir " + settings.get("data_dir"))).path("name").asText();
    JsonNode template = capture.path("spec").path("volumeClaimTemplates").get(0);
    assertThat(template.path("metadata").path("name").asText()).as("the data dir is the pod's own claim").isEqualTo(claim);
    assertThat(template.path("spec").path("storageClassName").asText()).isEqualTo("tributary-spool");
    assertThat(capture.path("spec").path("persistentVolumeClaimRetentionPolicy").path("whenScaled").asText()).isEqualTo("Retain");

    assertThat(settings.get("kafka")).as("serve forwards to Kafka").isNotEmpty();
    Duration drain = duration(settings.get("drain_timeout"));
    Duration preStop = Duration.ofSeconds(container.path("lifecycle").path("preStop").path("sleep").path("seconds").asLong());
    Duration grace = Duration.ofSeconds(podSpec(capture).path("terminationGracePeriodSeconds").asLong());
    assertThat(grace).as("terminationGracePeriodSeconds against preStop %s + drain_timeout %s", preStop, drain)
        .isGreaterThan(preStop.plus(drain));

    String tokens = settings.get("tokens_file");
    JsonNode tokensMount = RenderedManifests.mountHolding(container, tokens).orElseThrow(() -> new AssertionError("tokens_file " + tokens + " is not mounted"));
    JsonNode secret = RenderedManifests.volume(capture, tokensMount.path("name").asText()).path("secret");
    assertThat(secret.path("secretName").asText()).as("tokens come from a Secret").isEqualTo("tributary-tokens");
    assertThat(Path.of(tokens).getFileName().toString()).isEqualTo("tokens.yaml");
  }

  @Test
  void refineClosesWithinItsGracePeriodOnAMountedStateDir() throws Exception {
    RenderedManifests rendered = RenderedManifests.render("overlays/production");
    JsonNode refine = rendered.get("Deployment", "tributary-refine");
    Map<String, String> settings = effectiveSettings(rendered, refine);
    assertThat(RenderedManifests.mountHolding(onlyContainer(refine), settings.get("state_dir"))).as("state_dir is on a volume").isPresent();
    assertThat(Duration.ofSeconds(podSpec(refine).path("terminationGracePeriodSeconds").asLong())).isGreaterThan(duration(settings.get("close_timeout")));
  }

  @ParameterizedTest
  @ValueSource(strings = {"StatefulSet/tributary-capture", "Deployment/tributary-refine", "Deployment/tributary-sink"})
  void probesAndServicesReachThePortTheCommandServes(String workloadName) throws Exception {
    RenderedManifests rendered = RenderedManifests.render("overlays/production");
    String[] kindAndName = workloadName.split("/");
    JsonNode workload = rendered.get(kindAndName[0], kindAndName[1]);
    JsonNode container = onlyContainer(workload);
    Map<String, String> settings = effectiveSettings(rendered, workload);
    int served = Integer.parseInt(settings.get("port"));

    assertThat(settings.get("bind")).as("the kubelet probes the pod's address").isEqualTo("0.0.0.0");
    assertThat(container.path("readinessProbe").path("httpGet").path("path").asText()).isEqualTo("/health/ready");
    assertThat(container.path("livenessProbe").path("httpGet").path("path").asText()).isEqualTo("/health/live");
    for (String probe : List.of("readinessProbe", "livenessProbe", "startupProbe")) {
      JsonNode get = container.path(probe).path("httpGet");
      if (!get.isMissingNode()) assertThat(port(container, get.path("port"))).as(probe).isEqualTo(served);
    }

    List<JsonNode> services = servicesOf(rendered, workload);
    assertThat(services).as("Services selecting " + workloadName).isNotEmpty();
    for (JsonNode service : services) {
      for (JsonNode p : service.path("spec").path("ports")) {
        assertThat(port(container, p.path("targetPort"))).as(name(service)).isEqualTo(served);
      }
    }
    JsonNode monitor = rendered.get("ServiceMonitor", "tributary");
    List<String> scrapedPorts = new ArrayList<>();
    monitor.path("spec").path("endpoints").forEach(e -> scrapedPorts.add(e.path("port").asText()));
    assertThat(services).as("a Service the ServiceMonitor scrapes, on a port it names").anySatisfy(service -> {
      assertThat(labelsMatch(monitor.path("spec").path("selector").path("matchLabels"), service.path("metadata").path("labels"))).isTrue();
      assertThat(service.path("spec").path("ports").findValuesAsText("name")).containsAnyElementsOf(scrapedPorts);
    });
  }

  @Test
  void theOrphanDrainForwardsTheSpoolOfACapturePodsClaim() throws Exception {
    RenderedManifests rendered = RenderedManifests.render("orphan-drain");
    JsonNode job = rendered.get("Job", "tributary-orphan-drain");
    JsonNode container = onlyContainer(job);
    List<String> args = rendered.args(container);
    String spool = args.get(args.indexOf("--spool") + 1);
    JsonNode mount = RenderedManifests.mountHolding(container, spool).orElseThrow(() -> new AssertionError("--spool " + spool + " is not mounted"));
    assertThat(mount.path("mountPath").asText()).as("mounted where serve's data_dir was").isEqualTo("/var/lib/tributary");
    assertThat(spool).isEqualTo("/var/lib/tributary/spool");
    String claim = RenderedManifests.volume(job, mount.path("name").asText()).path("persistentVolumeClaim").path("claimName").asText();
    String node = args.get(args.indexOf("--node-id") + 1);
    assertThat(claim).as("the claim of the capture pod the Kafka headers name").isEqualTo("spool-" + node);
    assertThat(node).startsWith("tributary-capture-");
  }

  @Test
  void devHasOneOfEachAndASampleTokensSecret() throws Exception {
    RenderedManifests rendered = RenderedManifests.render("overlays/dev");
    for (JsonNode workload : rendered.workloads()) {
      assertThat(workload.path("spec").path("replicas").asInt()).as(name(workload)).isEqualTo(1);
      assertThat(onlyContainer(workload).path("image").asText()).as("the image scripts/image builds").isEqualTo("tributary:" + version());
    }
    JsonNode secret = rendered.generated("Secret", "tributary-tokens");
    String secretName = secret.path("metadata").path("name").asText();
    assertThat(RenderedManifests.volume(rendered.get("StatefulSet", "tributary-capture"), "tokens").path("secret").path("secretName").asText())
        .isEqualTo(secretName);
    assertThat(secret.path("data").has("tokens.yaml")).isTrue();
  }

  /** `tributary <args> --print-config` in a child JVM with the container's environment and its ConfigMaps' files. */
  private Map<String, String> effectiveSettings(RenderedManifests rendered, JsonNode workload) throws IOException, InterruptedException {
    JsonNode container = onlyContainer(workload);
    Path root = Files.createTempDirectory(dir, "pod");
    rendered.materializeConfigMaps(workload, container, root);
    List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"), "-Xmx128m",
        "-cp", System.getProperty("java.class.path"), Tributary.class.getName()));
    List<String> args = rendered.args(container);
    for (int i = 0; i < args.size(); i++) {
      boolean configPath = i > 0 && args.get(i - 1).equals("--config");
      command.add(configPath ? root.resolve(args.get(i).substring(1)).toString() : args.get(i));
    }
    command.add("--print-config");
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    pb.environment().clear();
    pb.environment().putAll(rendered.environment(container));
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) throw new AssertionError(String.join(" ", command) + " failed:\n" + out);
    Map<String, String> settings = new LinkedHashMap<>();
    for (String line : out.split("\n")) {
      int colon = line.indexOf(": ");
      if (line.startsWith("#") || colon < 0) continue;
      String value = line.substring(colon + 2).replaceFirst(" {3}# .*$", "").trim();
      settings.put(line.substring(0, colon), value.equals("\"\"") ? "" : value);
    }
    return settings;
  }

  private static List<JsonNode> servicesOf(RenderedManifests rendered, JsonNode workload) {
    JsonNode podLabels = workload.path("spec").path("template").path("metadata").path("labels");
    return rendered.objects.stream().filter(o -> o.path("kind").asText().equals("Service"))
        .filter(s -> labelsMatch(s.path("spec").path("selector"), podLabels)).toList();
  }

  private static boolean labelsMatch(JsonNode selector, JsonNode labels) {
    if (selector.isEmpty()) return false;
    for (var it = selector.fields(); it.hasNext(); ) {
      var e = it.next();
      if (!labels.path(e.getKey()).asText().equals(e.getValue().asText())) return false;
    }
    return true;
  }

  /** A duration as --print-config shows it: 60s, 1m30s, 500ms. */
  private static Duration duration(String text) {
    Matcher m = DURATION_PART.matcher(text);
    Duration total = Duration.ZERO;
    int end = 0;
    while (m.find() && m.start() == end) {
      long n = Long.parseLong(m.group(1));
      total = total.plus(switch (m.group(2)) {
        case "ms" -> Duration.ofMillis(n);
        case "s" -> Duration.ofSeconds(n);
        case "m" -> Duration.ofMinutes(n);
        default -> Duration.ofHours(n);
      });
      end = m.end();
    }
    if (end != text.length() || end == 0) throw new AssertionError("not a duration: '" + text + "'");
    return total;
  }

  /** The version `tributary --version` prints, which scripts/image tags the image with. */
  private static String version() {
    return Tributary.commandLine().getCommandSpec().version()[0].replaceFirst("^tributary ", "");
  }

  private static String name(JsonNode object) {
    return object.path("kind").asText() + " " + object.path("metadata").path("name").asText();
  }
}
