package dev.tributary.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tributary.testkit.RequiredTool;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;

/**
 * Debian's Prometheus ({@code apt-get install prometheus}) as a child process with its own data
 * directory, scraping and evaluating every second. Its targets are files of {@code targets/} (file
 * service discovery), so a test adds the processes it starts. It listens on a port the kernel picks
 * ({@code 127.0.0.1:0}) and says which in its log: no port is picked first and bound later.
 */
final class PrometheusServer implements AutoCloseable {
  private static final Pattern LISTENING = Pattern.compile("msg=\"Listening on\" address=127\\.0\\.0\\.1:(\\d+)");
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private static final ObjectMapper JSON = new ObjectMapper();
  private final Process process;
  private final Path dir;
  private final Path log;
  private final URI api;

  private PrometheusServer(Process process, Path dir, Path log, int port) {
    this.process = process;
    this.dir = dir;
    this.log = log;
    this.api = URI.create("http://127.0.0.1:" + port + "/api/v1/");
  }

  /** Starts Prometheus in {@code dir} evaluating {@code rules}; skips (fails on CI) when it is not installed. */
  static PrometheusServer start(Path dir, Path rules) throws IOException {
    Path binary = Arrays.stream(System.getenv().getOrDefault("PATH", "").split(":"))
        .map(d -> Path.of(d, "prometheus")).filter(Files::isExecutable).findFirst().orElse(null);
    if (binary == null) RequiredTool.missing("prometheus is not installed (apt-get install prometheus; scripts/test installs it)");
    Files.createDirectories(dir.resolve("targets"));
    Path config = dir.resolve("prometheus.yml");
    Files.writeString(config, """
        global: {scrape_interval: 1s, scrape_timeout: 1s, evaluation_interval: 1s}
        rule_files: ['%s']
        scrape_configs:
          - job_name: tributary
            file_sd_configs: [{files: ['%s'], refresh_interval: 1s}]
        """.formatted(rules, dir.resolve("targets").resolve("*.json")));
    Path log = dir.resolve("prometheus.log");
    Process process = new ProcessBuilder(binary.toString(), "--config.file=" + config, "--storage.tsdb.path=" + dir.resolve("data"),
        "--web.listen-address=127.0.0.1:0", "--storage.tsdb.retention.time=1h")
        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
    int port = Awaitility.await("'Listening on' in " + log).atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50)).until(() -> {
      if (!process.isAlive()) throw new AssertionError("prometheus exited with " + process.exitValue() + ":\n" + Files.readString(log));
      Matcher m = LISTENING.matcher(Files.readString(log));
      return m.find() ? Integer.parseInt(m.group(1)) : null;
    }, Objects::nonNull);
    PrometheusServer server = new PrometheusServer(process, dir, log, port);
    Awaitility.await("prometheus ready (" + log + ")").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
        .ignoreExceptions().until(() -> server.get("status/runtimeinfo").path("status").asText().equals("success"));
    return server;
  }

  /** Scrapes {@code 127.0.0.1:<port>/metrics} of each port with label {@code job}, until {@link #removeTargets}. */
  void scrape(String job, int... ports) throws IOException {
    StringBuilder targets = new StringBuilder();
    for (int port : ports) targets.append(targets.isEmpty() ? "" : ",").append("\"127.0.0.1:").append(port).append('"');
    Path file = dir.resolve("targets").resolve(job + ".json");
    Path temporary = dir.resolve(job + ".json.tmp");
    Files.writeString(temporary, "[{\"targets\":[" + targets + "],\"labels\":{\"job\":\"" + job + "\"}}]");
    Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  void removeTargets(String job) throws IOException {
    Files.deleteIfExists(dir.resolve("targets").resolve(job + ".json"));
  }

  /** Waits until Prometheus scrapes every target of {@code job} successfully. */
  void awaitUp(String job, int targets) {
    Awaitility.await(targets + " targets of " + job + " up").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
        .until(() -> {
          List<JsonNode> up = get("targets?state=active").path("data").path("activeTargets").valueStream()
              .filter(t -> t.path("labels").path("job").asText().equals(job) && t.path("health").asText().equals("up")).toList();
          return up.size() == targets;
        });
  }

  /** The answer of {@code /api/v1/query} to {@code promql} at the latest evaluation time. */
  JsonNode query(String promql) throws IOException, InterruptedException {
    return get("query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8));
  }

  /** Every rule of {@code /api/v1/rules}: name, state (inactive, pending, firing), health, lastError. */
  List<JsonNode> rules() throws IOException, InterruptedException {
    return get("rules").path("data").path("groups").valueStream().flatMap(g -> g.path("rules").valueStream()).toList();
  }

  JsonNode get(String path) throws IOException, InterruptedException {
    HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(api.resolve(path)).timeout(Duration.ofSeconds(5)).build(),
        HttpResponse.BodyHandlers.ofString());
    return JSON.readTree(response.body());
  }

  String log() {
    try {
      return Files.readString(log);
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(30, TimeUnit.SECONDS)) process.destroyForcibly().waitFor();
  }
}
