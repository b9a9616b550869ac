package dev.tributary.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tributary.testkit.RequiredTool;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The image of scripts/image, built from the packaged jar, loaded into podman and run as a user
 * would: serve on a volume, an event posted, SIGTERM (podman stop) drains it into the lake, exit 0.
 */
class ContainerImageIT {
  private static final Path JAR = Path.of("target", "tributary.jar").toAbsolutePath();
  private static final Path SCRIPT = Path.of("..", "scripts", "image").toAbsolutePath().normalize();

  @TempDir Path dir;

  @Test
  void theImageServesAsANonRootUserAndDrainsOnSigterm() throws Exception {
    List<String> podman = podman();
    String archive = dir.resolve("tributary-image.tar").toString();
    String built = run(List.of(SCRIPT.toString(), "--jar", JAR.toString(), archive));
    System.out.println(built.strip());
    Matcher loaded = Pattern.compile("Loaded image(?:\\(s\\))?: (\\S+)").matcher(run(with(podman, "load", "-i", archive)));
    assertThat(loaded.find()).as("podman load names the image").isTrue();
    String image = loaded.group(1);
    Process probe = new ProcessBuilder(with(podman, "run", "--rm", image, "--version")).redirectErrorStream(true).start();
    String version = new String(probe.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!probe.waitFor(120, TimeUnit.SECONDS) || probe.exitValue() != 0) RequiredTool.missing("podman cannot run a container here: " + version.strip());
    assertThat(version).startsWith("tributary ");
    assertThat(run(with(podman, "image", "inspect", "--format", "{{.Config.User}} {{.Config.WorkingDir}} {{json .Config.Volumes}}", image)))
        .contains("10001:10001 /var/lib/tributary", "\"/var/lib/tributary\"");

    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx--x--x")); // uid 10001 passes through to data
    Path data = Files.setPosixFilePermissions(Files.createDirectory(dir.resolve("data")), PosixFilePermissions.fromString("rwxrwxrwx"));
    String name = "tributary-it-" + UUID.randomUUID();
    // host network: serve keeps its loopback-only default (no tokens file) and picks a free port itself
    run(with(podman, "run", "-d", "--name", name, "--network", "host", "-v", data + ":/var/lib/tributary", image,
        "serve", "--port", "0", "--data-dir", "/var/lib/tributary"));
    Path log = dir.resolve("container.log");
    try (ServeProcess logs = ServeProcess.command(dir, log, with(podman, "logs", "-f", name))) {
      int port = logs.awaitListening();
      HttpResponse<String> answer = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/events"))
          .header("content-type", "application/json").timeout(Duration.ofSeconds(10))
          .POST(HttpRequest.BodyPublishers.ofString("{\"event\":\"signup\",\"event_id\":\"from-the-image\"}")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);

      run(with(podman, "stop", "-t", "60", name));
      assertThat(run(with(podman, "inspect", "--format", "{{.State.ExitCode}}", name)).strip()).as("exit status after SIGTERM").isEqualTo("0");
      assertThat(logs.output()).contains("drained: every captured event is in the lake");
    } finally {
      new ProcessBuilder(with(podman, "rm", "-f", name)).redirectErrorStream(true).start().waitFor(60, TimeUnit.SECONDS);
    }
    assertThat(LakeFiles.eventIdCounts(data.resolve("lake"))).containsEntry("from-the-image", 1);
    assertThat(Files.getAttribute(data.resolve("spool"), "unix:uid")).as("the spool's owner").isEqualTo(10001);
  }

  /**
   * podman with what lets it run in a sandbox too (as here): the cgroupfs manager, runc when
   * installed (crun refuses hybrid cgroups), and limits no higher than this process's (without
   * CAP_SYS_RESOURCE podman's defaults, nofile and nproc at 1M, are refused).
   */
  private static List<String> podman() throws Exception {
    boolean installed = Arrays.stream(System.getenv().getOrDefault("PATH", "").split(":")).anyMatch(d -> Files.isExecutable(Path.of(d, "podman")));
    if (!installed) RequiredTool.missing("podman is not installed (apt-get install podman runc)");
    List<String> podman = new ArrayList<>(List.of("podman", "--cgroup-manager", "cgroupfs"));
    if (Files.isExecutable(Path.of("/usr/sbin/runc")) || Files.isExecutable(Path.of("/usr/bin/runc"))) podman.addAll(List.of("--runtime", "runc"));
    return podman;
  }

  private static List<String> with(List<String> podman, String... args) throws Exception {
    List<String> command = new ArrayList<>(podman);
    command.add(args[0]);
    if (args[0].equals("run")) {
      String[] limits = run(List.of("bash", "-c", "ulimit -n; ulimit -u")).strip().split("\\s+");
      command.addAll(List.of("--ulimit", "nofile=" + below(limits[0], 65536), "--ulimit", "nproc=" + below(limits[1], 4096)));
    }
    command.addAll(List.of(args).subList(1, args.length));
    return command;
  }

  /** "n:n" for the smaller of a ulimit's value and {@code most}. */
  private static String below(String ulimit, long most) {
    long n = ulimit.equals("unlimited") ? most : Math.min(Long.parseLong(ulimit), most);
    return n + ":" + n;
  }

  private static String run(List<String> command) throws Exception {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(300, TimeUnit.SECONDS) || p.exitValue() != 0) throw new AssertionError(String.join(" ", command) + " failed:\n" + out);
    return out;
  }
}
