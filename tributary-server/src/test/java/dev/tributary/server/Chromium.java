package dev.tributary.server;

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
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.awaitility.Awaitility;

/**
 * A headless Chromium (Debian's {@code chromium} package, which {@code scripts/test} installs)
 * with a fresh profile, opening pages through its DevTools HTTP endpoint; no driver library is
 * needed for that. Its log, console messages of the pages included, goes to {@code chromium.log}.
 */
final class Chromium implements AutoCloseable {
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private final Process process;
  private final Path log;
  private final int devToolsPort;

  private Chromium(Process process, Path log, int devToolsPort) {
    this.process = process;
    this.log = log;
    this.devToolsPort = devToolsPort;
  }

  /** Starts Chromium with its profile and log in {@code dir}; skips the test (fails on CI) when it is not installed. */
  static Chromium start(Path dir) throws IOException {
    Path executable = onPath("chromium");
    if (executable == null) RequiredTool.missing("chromium is not installed (apt-get install chromium; scripts/test installs it)");
    Path profile = Files.createDirectories(dir.resolve("chromium-profile"));
    Path log = dir.resolve("chromium.log");
    // Without the flags that turn off Chromium's own traffic (updates, sync, field trials) its
    // connections are refused on a machine without internet; QUIC and the GPU are not needed.
    ProcessBuilder pb = new ProcessBuilder(executable.toString(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
        "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--enable-logging=stderr", "--v=0", "--user-data-dir=" + profile, "--remote-debugging-port=0", "about:blank")
        .redirectErrorStream(true).redirectOutput(log.toFile());
    // Its singleton socket goes to a directory in TMPDIR that it leaves behind when ended: keep it in dir.
    pb.environment().put("TMPDIR", Files.createDirectories(dir.resolve("tmp")).toString());
    Process process = pb.start();
    Path portFile = profile.resolve("DevToolsActivePort");
    int port = Awaitility.await("Chromium's DevTools port in " + portFile + " (log " + log + ")").atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(50)).until(() -> {
          if (!process.isAlive()) throw new AssertionError("chromium exited with " + process.exitValue() + ":\n" + Files.readString(log));
          List<String> lines = Files.exists(portFile) ? Files.readAllLines(portFile) : List.of();
          return lines.size() == 2 ? Integer.valueOf(lines.get(0)) : null; // the second line is written last
        }, Objects::nonNull);
    return new Chromium(process, log, port);
  }

  /** Opens {@code page} in a new tab. */
  void open(URI page) throws Exception {
    newTab(page);
  }

  /** Opens {@code page} in a new tab, to be driven over the DevTools protocol. */
  DevToolsTab tab(URI page) throws Exception {
    return new DevToolsTab(URI.create(new ObjectMapper().readTree(newTab(page)).get("webSocketDebuggerUrl").asText()));
  }

  /** The new tab's description: its id and DevTools WebSocket address among others. */
  private String newTab(URI page) throws Exception {
    URI newTab = URI.create("http://127.0.0.1:" + devToolsPort + "/json/new?" + URLEncoder.encode(page.toString(), StandardCharsets.UTF_8));
    HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(newTab).PUT(HttpRequest.BodyPublishers.noBody()).build(),
        HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 200) throw new AssertionError("Chromium did not open " + page + ": " + response.body());
    return response.body();
  }

  /** The pages' console messages (CORS refusals, the SDKs' errors) so far. */
  String console() throws IOException {
    try (Stream<String> lines = Files.lines(log)) {
      return lines.filter(l -> l.contains(":CONSOLE")).collect(Collectors.joining("\n"));
    }
  }

  private static Path onPath(String command) {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
      Path candidate = Path.of(dir.isEmpty() ? "." : dir, command);
      if (Files.isExecutable(candidate)) return candidate;
    }
    return null;
  }

  /** Ends Chromium and the renderer and helper processes it started. */
  @Override
  public void close() throws InterruptedException {
    List<ProcessHandle> children = process.descendants().toList();
    process.destroy();
    if (!process.waitFor(10, TimeUnit.SECONDS)) process.destroyForcibly().waitFor();
    children.forEach(ProcessHandle::destroyForcibly);
  }
}
