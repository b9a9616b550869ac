package dev.tributary.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.tributary.testkit.RequiredTool;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The objects {@code kubectl kustomize} renders from a directory of deploy/k8s, as a cluster would receive them. */
final class RenderedManifests {
  static final Path K8S = Path.of("..", "deploy", "k8s").toAbsolutePath().normalize();
  private static final Pattern KUSTOMIZE_VERSION = Pattern.compile("Kustomize Version: v(\\d+)");
  private static final Pattern VARIABLE = Pattern.compile("\\$\\(([A-Za-z_][A-Za-z0-9_]*)\\)");

  final List<JsonNode> objects;

  private RenderedManifests(List<JsonNode> objects) {
    this.objects = objects;
  }

  static RenderedManifests render(String directory) throws IOException, InterruptedException {
    Path kubectl = kubectl().orElse(null);
    if (kubectl == null) RequiredTool.missing("kubectl is not installed (apt-get install kubernetes-client; scripts/test installs it)");
    String version = run(kubectl.toString(), "version", "--client");
    Matcher kustomize = KUSTOMIZE_VERSION.matcher(version);
    if (!kustomize.find() || Integer.parseInt(kustomize.group(1)) < 5) {
      // Debian 12's kubernetes-client is kubectl 1.20 with kustomize v2.0.3: no directories in
      // resources, no labels, replicas or patches fields, all of which deploy/k8s uses.
      RequiredTool.missing("deploy/k8s needs kubectl 1.27 or later (kustomize v5); " + kubectl + " says: " + version.strip());
    }
    return new RenderedManifests(parse(run(kubectl.toString(), "kustomize", K8S.resolve(directory).toString())));
  }

  private static List<JsonNode> parse(String yaml) throws IOException {
    List<JsonNode> objects = new ObjectMapper(new YAMLFactory()).readerFor(JsonNode.class).<JsonNode>readValues(yaml).readAll();
    return objects.stream().filter(o -> !o.isNull()).toList();
  }

  /** Runs a command and returns its stdout; stderr (kustomize's warnings) goes to the test's log. */
  private static String run(String... command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) throw new AssertionError(String.join(" ", command) + " failed:\n" + out);
    return out;
  }

  private static Optional<Path> kubectl() {
    return Arrays.stream(System.getenv().getOrDefault("PATH", "").split(":"))
        .map(dir -> Path.of(dir, "kubectl")).filter(Files::isExecutable).findFirst();
  }

  JsonNode get(String kind, String name) {
    return objects.stream().filter(o -> o.path("kind").asText().equals(kind) && o.path("metadata").path("name").asText().equals(name))
        .findFirst().orElseThrow(() -> new AssertionError("no " + kind + " " + name + " rendered"));
  }

  /** The ConfigMap or Secret a generator named {@code name} (kustomize appends a hash to the name). */
  JsonNode generated(String kind, String name) {
    return objects.stream().filter(o -> o.path("kind").asText().equals(kind) && o.path("metadata").path("name").asText().startsWith(name))
        .findFirst().orElseThrow(() -> new AssertionError("no " + kind + " " + name + " rendered"));
  }

  /** Every workload's pod spec: StatefulSets, Deployments and Jobs. */
  List<JsonNode> workloads() {
    return objects.stream().filter(o -> List.of("StatefulSet", "Deployment", "Job").contains(o.path("kind").asText())).toList();
  }

  static JsonNode podSpec(JsonNode workload) {
    return workload.path("spec").path("template").path("spec");
  }

  static JsonNode onlyContainer(JsonNode workload) {
    JsonNode containers = podSpec(workload).path("containers");
    if (containers.size() != 1) throw new AssertionError(workload.path("metadata").path("name") + " has " + containers.size() + " containers");
    return containers.get(0);
  }

  /** The container's environment as Kubernetes sets it: its ConfigMaps' entries, then its own env. */
  Map<String, String> environment(JsonNode container) {
    Map<String, String> env = new LinkedHashMap<>();
    for (JsonNode from : container.path("envFrom")) {
      JsonNode data = get("ConfigMap", from.path("configMapRef").path("name").asText()).path("data");
      data.fieldNames().forEachRemaining(k -> env.put(k, data.path(k).asText()));
    }
    for (JsonNode e : container.path("env")) env.put(e.path("name").asText(), e.path("value").asText());
    return env;
  }

  /** The container's args with {@code $(VAR)} expanded from its environment, as the kubelet does. */
  List<String> args(JsonNode container) {
    Map<String, String> env = environment(container);
    List<String> args = new ArrayList<>();
    for (JsonNode a : container.path("args")) {
      Matcher m = VARIABLE.matcher(a.asText());
      args.add(m.replaceAll(r -> Matcher.quoteReplacement(env.getOrDefault(r.group(1), r.group()))));
    }
    return args;
  }

  /** The volume of the pod (or of the StatefulSet's claim templates) mounted at {@code mountPath}. */
  static Optional<JsonNode> mountAt(JsonNode container, String mountPath) {
    for (JsonNode m : container.path("volumeMounts")) if (m.path("mountPath").asText().equals(mountPath)) return Optional.of(m);
    return Optional.empty();
  }

  /** The deepest mount holding {@code path}. */
  static Optional<JsonNode> mountHolding(JsonNode container, String path) {
    JsonNode best = null;
    for (JsonNode m : container.path("volumeMounts")) {
      String at = m.path("mountPath").asText();
      if ((path.equals(at) || path.startsWith(at + "/")) && (best == null || at.length() > best.path("mountPath").asText().length())) best = m;
    }
    return Optional.ofNullable(best);
  }

  static JsonNode volume(JsonNode workload, String name) {
    JsonNode v = podVolume(workload, name);
    if (v.isMissingNode()) throw new AssertionError(workload.path("metadata").path("name") + " has no volume " + name);
    return v;
  }

  private static JsonNode podVolume(JsonNode workload, String name) {
    for (JsonNode v : podSpec(workload).path("volumes")) if (v.path("name").asText().equals(name)) return v;
    return MissingNode.getInstance();
  }

  /** Writes the ConfigMap volumes of the container under {@code root} + their mount path, so that a path in an arg resolves there. */
  void materializeConfigMaps(JsonNode workload, JsonNode container, Path root) throws IOException {
    for (JsonNode m : container.path("volumeMounts")) {
      JsonNode configMap = podVolume(workload, m.path("name").asText()).path("configMap");
      if (configMap.isMissingNode()) continue; // a Secret, an emptyDir, or a claim of the StatefulSet
      JsonNode data = get("ConfigMap", configMap.path("name").asText()).path("data");
      Path dir = root.resolve(m.path("mountPath").asText().substring(1));
      Files.createDirectories(dir);
      for (var it = data.fields(); it.hasNext(); ) {
        var e = it.next();
        Files.writeString(dir.resolve(e.getKey()), e.getValue().asText());
      }
    }
  }

  /** The port number a probe or Service names, resolving a named port through the container's ports. */
  static int port(JsonNode container, JsonNode port) {
    if (port.isInt()) return port.asInt();
    for (JsonNode p : container.path("ports")) if (p.path("name").asText().equals(port.asText())) return p.path("containerPort").asInt();
    throw new AssertionError("no port named " + port + " in container " + container.path("name"));
  }
}
