package dev.tributary.server;

import dev.tributary.broker.LoopbackPorts;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;

/** A real {@code tributary} child JVM, as a user runs it, for end-to-end and crash tests. */
final class ServeProcess implements AutoCloseable {
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
  private final Process process;
  private final Path log;

  private ServeProcess(Process process, Path log) {
    this.process = process;
    this.log = log;
  }

  static ServeProcess start(Path log, Map<String, String> env, String... args) throws IOException {
    return startIn(null, log, env, args);
  }

  /** As {@link #start}, with {@code workDir} as the working directory (null: this JVM's), as a user's shell has one. */
  static ServeProcess startIn(Path workDir, Path log, Map<String, String> env, String... args) throws IOException {
    List<String> command = new ArrayList<>();
    // As a terminal starts it: a build run in the background (CI, nohup) ignores SIGINT, children
    // inherit that, and the JVM then never sees a Ctrl-C (SecondSignalTest failed so).
    command.add("env");
    command.add("--default-signal=INT");
    command.add(ProcessHandle.current().info().command().orElse("java"));
    command.add("-Xmx256m");
    command.add("--enable-native-access=ALL-UNNAMED"); // as ./tributary and the jar's manifest do
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(Tributary.class.getName());
    command.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    if (workDir != null) pb.directory(workDir.toFile());
    pb.environment().putAll(env);
    return new ServeProcess(pb.start(), log);
  }

  /** Any command (the launcher, say) in {@code workDir}, its output appended to {@code log}. */
  static ServeProcess command(Path workDir, Path log, List<String> command) throws IOException {
    return command(workDir, log, Map.of(), command);
  }

  /** As {@link #command(Path, Path, List)}, with {@code env} over this JVM's environment. */
  static ServeProcess command(Path workDir, Path log, Map<String, String> env, List<String> command) throws IOException {
    ProcessBuilder pb = new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    pb.environment().putAll(env);
    return new ServeProcess(pb.start(), log);
  }

  /** Runs a command to completion and returns its exit code; output goes to {@code log}. */
  static int run(Path log, Map<String, String> env, String... args) throws Exception {
    try (ServeProcess p = start(log, env, args)) {
      if (!p.process.waitFor(60, TimeUnit.SECONDS)) throw new AssertionError("command did not finish: " + List.of(args));
      return p.process.exitValue();
    }
  }

  static int freePort() {
    return LoopbackPorts.unused();
  }

  void awaitReady(int port) {
    awaitReady(port, Duration.ofSeconds(60));
  }

  /** As {@link #awaitReady(int)}, for a machine that starts many JVMs at once. */
  void awaitReady(int port, Duration timeout) {
    Awaitility.await("server ready on port " + port + " (log " + log + ")").atMost(timeout)
        .pollInterval(Duration.ofMillis(50)).until(() -> {
          if (!process.isAlive()) throw new AssertionError("server exited with " + process.exitValue() + ":\n" + output());
          return status(URI.create("http://127.0.0.1:" + port + "/health/ready")) == 200;
        });
  }

  /** Waits for serve's "listening on" line (it was started with {@code --port 0}), then for readiness; returns the port. */
  int awaitListening() {
    int port = awaitListeningPort("serve");
    awaitReady(port);
    return port;
  }

  /** Waits for the "listening on" line of {@code tributary <command>} started with {@code --port 0}; returns the port it chose. */
  int awaitListeningPort(String command) {
    Pattern listening = Pattern.compile("tributary " + command + ": listening on https?://[^:]+:(\\d+)");
    return Awaitility.await("'listening on' in " + log).atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50)).until(() -> {
      if (!process.isAlive()) throw new AssertionError("server exited with " + process.exitValue() + ":\n" + output());
      Matcher m = listening.matcher(output());
      return m.find() ? Integer.parseInt(m.group(1)) : null;
    }, Objects::nonNull);
  }

  private static int status(URI uri) {
    try {
      return HTTP.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  /** Descriptors the process has open (Linux): sockets included, so a leak of connections shows. */
  long openFiles() throws IOException {
    try (var fds = Files.list(Path.of("/proc", String.valueOf(process.pid()), "fd"))) {
      return fds.count();
    }
  }

  /** Resident memory in MiB (Linux), heap and off-heap buffers alike. */
  long residentMib() throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(process.pid()), "status"))) {
      if (line.startsWith("VmRSS:")) return Long.parseLong(line.replaceAll("\\D", "")) / 1024;
    }
    throw new IOException("no VmRSS in /proc/" + process.pid() + "/status");
  }

  boolean alive() {
    return process.isAlive();
  }

  void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor();
  }

  /** Sends {@code signal} (INT, TERM) as kill(1) does, without waiting. */
  void signal(String signal) throws Exception {
    int code = new ProcessBuilder("kill", "-s", signal, String.valueOf(process.pid())).inheritIO().start().waitFor();
    if (code != 0) throw new AssertionError("kill -s " + signal + " " + process.pid() + " exited " + code);
  }

  /** The exit code, once the process ends within {@code timeout}. */
  int awaitExit(Duration timeout) throws InterruptedException {
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) throw new AssertionError("still running after " + timeout + ":\n" + output());
    return process.exitValue();
  }

  /** Sends SIGTERM and waits for the exit code. */
  int terminate(Duration timeout) throws InterruptedException {
    process.destroy();
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("server did not exit within " + timeout + " after SIGTERM:\n" + output());
    }
    return process.exitValue();
  }

  String output() {
    try {
      return Files.readString(log);
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  @Override
  public void close() {
    process.destroyForcibly();
  }
}
