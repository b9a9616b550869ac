package dev.tributary.bus;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A real child JVM running a main class of the tests with this JVM's binary and classpath. */
final class ChildJvm implements AutoCloseable {
  private final Process process;
  private final Path stderr;
  private final BufferedReader stdout;

  private ChildJvm(Process process, Path stderr) {
    this.process = process;
    this.stderr = stderr;
    this.stdout = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
  }

  static ChildJvm start(Class<?> main, Path stderr, String... args) throws IOException {
    String java = ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    List<String> command = new ArrayList<>(List.of(java, "-Xmx256m", "-XX:TieredStopAtLevel=1", "-cp",
        System.getProperty("java.class.path"), main.getName()));
    command.addAll(List.of(args));
    return new ChildJvm(new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.appendTo(stderr.toFile())).start(), stderr);
  }

  /** The first stdout line starting with {@code prefix}; fails with the child's stderr if it ends first. */
  String awaitLine(String prefix) throws IOException {
    for (String line; (line = stdout.readLine()) != null; ) {
      if (line.startsWith(prefix)) return line;
    }
    throw new AssertionError("child printed no '" + prefix + "' line; its stderr:\n" + Files.readString(stderr));
  }

  /** SIGKILL, and waits for the child to be gone. */
  void kill() throws InterruptedException {
    process.toHandle().destroyForcibly();
    if (!process.waitFor(30, TimeUnit.SECONDS)) throw new AssertionError("child " + process.pid() + " did not end");
  }

  @Override
  public void close() {
    process.toHandle().destroyForcibly();
  }
}
