package dev.tributary.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.zip.ZipEntry;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The executable jar as it ships: what it holds (no benchmark or test code, natives for linux
 * x86_64 and aarch64 only, Maven metadata that matches the classes), that JDK 22+ prints no
 * native-access warnings, and that {@code dev} works from the jar copied alone into a directory
 * of its own with another home, its Kafka broker's jars fetched from Maven Central on first use.
 * An integration test (failsafe, after {@code package}) because it needs the packaged jar.
 */
class ProductionJarIT {
  private static final Path JAR = Path.of("target", "tributary.jar").toAbsolutePath();
  private static final List<String> FORBIDDEN = List.of("dev/tributary/bench/", "dev/tributary/testkit/", "org/openjdk/jmh/",
      "org/junit/", "junit/", "org/assertj/", "org/awaitility/", "org/sqlite/", "org/duckdb/", "tools/jackson/",
      "software/amazon/awssdk/http/apache5/", "org/apache/hc/");
  private static final String NATIVE_ACCESS_WARNING = "WARNING: A restricted method";
  private static final Path NOTICES = Path.of("..", "THIRD-PARTY.txt").toAbsolutePath().normalize();
  private static final Pattern DEPENDENCY = Pattern.compile("^\\s+([^:\\s]+):([^:\\s]+):jar(?::[^:\\s]+)?:([^:\\s]+):(compile|runtime)\\b.*");
  @TempDir Path dir;

  @Test
  void theJarHoldsNoBenchOrTestCodeAndNativesForLinuxX8664AndAarch64Only() throws IOException {
    assertThat(JAR).as("the executable jar (built by package, before this integration test)").isRegularFile();
    System.out.printf("tributary.jar: %.1f MB%n", Files.size(JAR) / 1e6);
    List<String> names = new ArrayList<>();
    try (JarFile jar = new JarFile(JAR.toFile())) {
      jar.stream().map(ZipEntry::getName).forEach(names::add);
      assertThat(jar.getManifest().getMainAttributes().getValue("Enable-Native-Access")).isEqualTo("ALL-UNNAMED");
      assertThat(version(jar, "com.fasterxml.jackson.core/jackson-databind"))
          .as("the Maven metadata of the bundled jackson-databind").isEqualTo(com.fasterxml.jackson.databind.cfg.PackageVersion.VERSION.toString());
    }
    assertThat(names).as("benchmark, test and unused library classes").noneMatch(n -> FORBIDDEN.stream().anyMatch(n::startsWith));
    List<String> natives = names.stream().filter(ProductionJarIT::isNative).toList();
    assertThat(natives).as("native libraries").isNotEmpty().allMatch(ProductionJarIT::linuxX8664OrAarch64);
    Map<String, Long> perLibrary = natives.stream().collect(Collectors.groupingBy(n -> n.replaceAll(".*/", "")
        .replaceAll("-(linux64|linux-aarch64)", "").replaceAll("_(x86_64|aarch_64)\\.so$", ".so").replaceAll("-\\d[\\d.-]*\\.so$", ".so"), TreeMap::new, Collectors.counting()));
    assertThat(perLibrary).as("each native library for both architectures")
        .containsOnlyKeys("librocksdbjni.so", "libzstd-jni.so", "liblz4-java.so", "libsnappyjava.so", "libnetty_transport_native_epoll.so")
        .allSatisfy((library, count) -> assertThat(count).as(library).isEqualTo(2));
  }

  @Test
  void thirdPartyNoticesAndMavenMetadataNameExactlyWhatTheJarBundles() throws IOException {
    Set<String> bundled = new TreeSet<>();
    try (JarFile jar = new JarFile(JAR.toFile())) {
      ZipEntry list = jar.getEntry("META-INF/tributary/dependencies.txt");
      assertThat(list).as("the build's list of bundled libraries").isNotNull();
      for (String line : new String(jar.getInputStream(list).readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
        Matcher m = DEPENDENCY.matcher(line);
        if (m.matches()) bundled.add(m.group(1) + ":" + m.group(2) + ":" + m.group(3));
      }
    }
    try (JarFile jar = new JarFile(JAR.toFile())) {
      Map<String, String> versions = bundled.stream().collect(Collectors.toMap(c -> c.substring(0, c.lastIndexOf(':')),
          c -> c.substring(c.lastIndexOf(':') + 1)));
      for (ZipEntry e : jar.stream().filter(e -> e.getName().matches("META-INF/maven/[^/]+/[^/]+/pom\\.properties")).toList()) {
        Properties p = new Properties();
        p.load(jar.getInputStream(e));
        String key = p.getProperty("groupId") + ":" + p.getProperty("artifactId");
        if (versions.containsKey(key)) assertThat(p.getProperty("version")).as("%s against the bundled %s", e.getName(), key).isEqualTo(versions.get(key));
      }
    }
    Set<String> noticed = Files.readAllLines(NOTICES).stream().filter(l -> l.matches("[\\w.-]+:[\\w.-]+:\\S+"))
        .collect(Collectors.toCollection(TreeSet::new));
    assertThat(bundled).as("libraries in the jar").hasSizeGreaterThan(50);
    assertThat(noticed).as("THIRD-PARTY.txt against the jar's list; run scripts/third-party-notices").isEqualTo(bundled);
  }

  @Test
  void commandsPrintNoNativeAccessWarnings() throws Exception {
    for (List<String> args : List.of(List.of("--help"), List.of("serve", "--help"), List.of("sink", "--help"))) {
      List<String> command = new ArrayList<>(List.of(java(), "-jar", JAR.toString()));
      command.addAll(args);
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
      assertThat(p.exitValue()).as("tributary %s:%n%s", args, out).isZero();
      assertThat(out).as("tributary %s", args).doesNotContain("WARNING");
    }
  }

  @Test
  void devWorksFromTheJarCopiedAloneWithAnotherHome() throws Exception {
    Path bin = Files.createDirectories(dir.resolve("bin"));
    Path home = Files.createDirectories(dir.resolve("home"));
    Path work = Files.createDirectories(dir.resolve("work"));
    Path jar = Files.copy(JAR, bin.resolve("tributary.jar"));
    int port = ServeProcess.freePort();
    Map<String, String> env = Map.of("HOME", home.toString(), "XDG_CACHE_HOME", "");
    List<String> command = List.of(java(), "-Duser.home=" + home, "-jar", jar.toString(), "dev", "--port", String.valueOf(port),
        "--kafka-port", "0");
    try (ServeProcess dev = ServeProcess.command(work, dir.resolve("dev.log"), env, command)) {
      dev.awaitReady(port);
      HttpRequest post = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/events"))
          .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{\"event\":\"copied\",\"event_id\":\"e1\"}")).build();
      assertThat(HttpClient.newHttpClient().send(post, HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
      Path lake = work.resolve("tributary-dev").resolve("lake");
      Awaitility.await("the event in " + lake).atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500))
          .until(() -> LakeFiles.eventIdCounts(lake).containsKey("e1"));
      assertThat(dev.terminate(Duration.ofSeconds(120))).as("exit after SIGTERM:\n%s", dev.output()).isZero();
      assertThat(dev.output()).contains("fetching the Kafka broker's jars (first use only)").doesNotContain(NATIVE_ACCESS_WARNING);
    }
    try (var cached = Files.walk(home.resolve(".cache/tributary/maven/org/apache/kafka"))) {
      assertThat(cached.map(p -> p.getFileName().toString())).as("the broker's jars, cached in the new home").contains("kafka_2.13-"
          + org.apache.kafka.common.utils.AppInfoParser.getVersion() + ".jar");
    }
  }

  private static boolean isNative(String name) {
    return name.matches("(?i).*\\.(so|dll|dylib|jnilib|a)$") || name.matches(".*\\.so\\.\\d.*");
  }

  private static boolean linuxX8664OrAarch64(String name) {
    String n = name.toLowerCase();
    boolean linux = n.contains("linux") || n.contains("native_epoll"); // epoll is Linux's alone
    return n.endsWith(".so") && linux && !n.contains("musl") && !n.contains("android")
        && (n.contains("amd64") || n.contains("x86_64") || n.contains("linux64") || n.contains("aarch64") || n.contains("aarch_64"));
  }

  private static String version(JarFile jar, String groupAndArtifact) throws IOException {
    ZipEntry entry = jar.getEntry("META-INF/maven/" + groupAndArtifact + "/pom.properties");
    assertThat(entry).as("Maven metadata of %s", groupAndArtifact).isNotNull();
    Properties p = new Properties();
    p.load(jar.getInputStream(entry));
    return p.getProperty("version");
  }

  private static String java() {
    return ProcessHandle.current().info().command().orElse("java");
  }
}
