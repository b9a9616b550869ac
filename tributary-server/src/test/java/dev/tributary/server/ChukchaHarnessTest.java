package dev.tributary.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tributary.testkit.RequiredTool;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Chukcha's own Go client and integration harness against two real {@code tributary bus} processes:
 * the README says the client works unchanged. The harness is built at test time from the vendored
 * Chukcha source ({@code ../shared/third-party/chukcha} beside the repository, or
 * {@code -Dtributary.chukcha=DIR}) into {@code target/chukcha}, offline (vendored modules,
 * {@code GOPROXY=off}, the build cache in {@code target}), with {@code src/test/go/tributary_bus_test.go}
 * added to its integration package by {@code go test -overlay}: the harness starts Chukcha servers
 * of its own, so the added tests run its send and receive against the nodes started here instead.
 */
class ChukchaHarnessTest {
  private static final Path TARGET = Path.of("target", "chukcha").toAbsolutePath();
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private static final String TOKEN = "harness-token-4f7c2a91d3e85b60";
  private static Path harness;

  @TempDir Path dir;

  /** In each test rather than once for the class, so that a skip is reported with its reason; built once. */
  @BeforeEach
  void builtHarness() throws Exception {
    if (harness != null) return;
    String go = System.getProperty("tributary.go", "go");
    Path chukcha = Path.of(System.getProperty("tributary.chukcha", "../../shared/third-party/chukcha")).toAbsolutePath().normalize();
    require(Files.isDirectory(chukcha.resolve("integration")), "Chukcha's vendored source is needed at " + chukcha
        + " (or -Dtributary.chukcha=DIR)");
    require(goVersion(go), "Go is needed to build Chukcha's client, but '" + go + " version' failed: install golang-go");
    harness = build(go, chukcha);
  }

  /** Builds the harness's test binary into target/chukcha, offline: vendored modules, no proxy, the build cache in target. */
  private static Path build(String go, Path chukcha) throws Exception {
    Files.createDirectories(TARGET);
    Path overlay = TARGET.resolve("overlay.json");
    JSON.writeValue(overlay.toFile(), Map.of("Replace", Map.of(chukcha.resolve("integration/tributary_bus_test.go").toString(),
        Path.of("src/test/go/tributary_bus_test.go").toAbsolutePath().toString())));
    Path binary = TARGET.resolve("integration.test");
    Path log = TARGET.resolve("build.log");
    ProcessBuilder build = new ProcessBuilder(go, "test", "-c", "-vet=off", "-overlay", overlay.toString(), "-o", binary.toString(),
        "./integration").directory(chukcha.toFile()).redirectErrorStream(true).redirectOutput(log.toFile());
    build.environment().putAll(Map.of("GOFLAGS", "-mod=vendor", "GOPROXY", "off", "GOTOOLCHAIN", "local", "GOWORK", "off", "GOENV", "off",
        "CGO_ENABLED", "0", "GOCACHE", TARGET.resolve("go-cache").toString(), "GOPATH", TARGET.resolve("go-path").toString()));
    Process p = build.start();
    if (!p.waitFor(5, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      throw new AssertionError("building Chukcha's harness took over 5 minutes:\n" + Files.readString(log));
    }
    assertThat(p.exitValue()).as("go test -c of Chukcha's harness:\n" + Files.readString(log)).isZero();
    return binary;
  }

  private static void require(boolean present, String why) {
    if (!present) RequiredTool.missing("ChukchaHarnessTest: " + why);
  }

  private static boolean goVersion(String go) throws InterruptedException {
    try {
      Process p = new ProcessBuilder(go, "version").redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
    } catch (IOException e) {
      return false;
    }
  }

  /** The harness's own check: the sum of what it receives while it sends equals the sum of what it sent. */
  @Test
  void harnessReceivesWhatItSendsWhileSending() throws Exception {
    runAgainstTwoNodes("TestTributaryBusConcurrently");
  }

  @Test
  void chukchasClientReadsEachMessageOnceAcrossARestartFromSavedState() throws Exception {
    runAgainstTwoNodes("TestTributaryBusEachMessageOnce");
  }

  /**
   * With a tokens file, the client unchanged: the token goes in the node's address as user info,
   * which Go's HTTP client sends as Basic auth, so it never appears in a request's URL.
   */
  @Test
  void chukchasClientWorksUnchangedAgainstABusWithTokensGivenInTheAddress() throws Exception {
    Path tokens = Files.writeString(dir.resolve("tokens.yaml"), "apps:\n  harness:\n    tokens: [\"" + TOKEN + "\"]\n"
        + "    bus: {write: [numbers], read: [numbers], ack: [numbers]}\n");
    runAgainstTwoNodes("TestTributaryBusConcurrently", tokens);
  }

  private void runAgainstTwoNodes(String goTest) throws Exception {
    runAgainstTwoNodes(goTest, null);
  }

  /** Two nodes named and configured as the harness's own (20 MiB chunks, rotated every 50 ms), without replication; {@code tokens} may be null. */
  private void runAgainstTwoNodes(String goTest, Path tokens) throws Exception {
    // The harness's dbInitFn: a chunk written before the node started, whose message must be read too.
    Path moscowData = Files.createDirectories(dir.resolve("moscow/numbers"));
    Files.writeString(moscowData.resolve("moscow-chunk000000001"), "12345\n");
    try (ServeProcess moscow = startNode("moscow", tokens); ServeProcess voronezh = startNode("voronezh", tokens)) {
      List<String> nodes = List.of("http://127.0.0.1:" + moscow.awaitListeningPort("bus"),
          "http://127.0.0.1:" + voronezh.awaitListeningPort("bus"));
      String output = runHarness(goTest, tokens == null ? nodes
          : nodes.stream().map(node -> node.replace("http://", "http://harness:" + TOKEN + "@")).toList());
      assertThat(output).contains("--- PASS: " + goTest);

      // Chukcha's client acknowledges each chunk it read to the end once a newer one exists: about
      // 75 chunks were written, and at most the last one read and the open one are left per node.
      List<String> moscowChunks = chunks(nodes.get(0));
      assertThat(moscowChunks).hasSizeLessThanOrEqualTo(2).doesNotContain("moscow-chunk000000001");
      assertThat(chunks(nodes.get(1))).hasSizeLessThanOrEqualTo(2);
      for (ServeProcess node : List.of(moscow, voronezh)) {
        assertThat(node.terminate(Duration.ofSeconds(30))).isZero();
        assertThat(node.output()).doesNotContain("Exception", "ERROR");
      }
    }
  }

  private ServeProcess startNode(String instance, Path tokens) throws IOException {
    List<String> args = new java.util.ArrayList<>(List.of("bus", "--port", "0", "--data-dir", dir.resolve(instance).toString(),
        "--instance", instance, "--max-chunk-size", "20MiB", "--rotate-interval", "50ms"));
    if (tokens != null) args.addAll(List.of("--tokens-file", tokens.toString()));
    return ServeProcess.start(dir.resolve(instance + ".log"), Map.of(), args.toArray(String[]::new));
  }

  /** Runs one test of the harness binary to its end and returns its output; fails on a non-zero exit. */
  private String runHarness(String goTest, List<String> nodes) throws Exception {
    Path log = dir.resolve(goTest + ".log");
    ProcessBuilder pb = new ProcessBuilder(harness.toString(), "-test.run", "^" + goTest + "$", "-test.v", "-test.timeout", "150s")
        .directory(dir.toFile()).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().put("TRIBUTARY_BUS_ADDRS", String.join(",", nodes));
    Process p = pb.start();
    try {
      boolean done = p.waitFor(3, TimeUnit.MINUTES);
      String output = Files.readString(log);
      assertThat(done && p.exitValue() == 0).as("%s %s:\n%s", goTest, done ? "exited " + p.exitValue() : "did not finish in 3 minutes",
          withoutProgress(output)).isTrue();
      return output;
    } finally {
      p.destroyForcibly();
    }
  }

  /** The harness logs its running sum after every read; the rest is what says what went wrong. */
  private static String withoutProgress(String output) {
    return output.lines().filter(line -> !line.contains("Got sum")).collect(Collectors.joining("\n"));
  }

  private static List<String> chunks(String node) throws Exception {
    HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(node + "/listChunks?category=numbers"))
            .header("Authorization", "Bearer " + TOKEN).build(),
        HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    assertThat(response.statusCode()).isEqualTo(200);
    List<Map<String, Object>> chunks = JSON.readValue(response.body(), new TypeReference<>() { });
    return chunks.stream().map(c -> (String) c.get("name")).toList();
  }
}
