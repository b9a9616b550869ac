package dev.tributary.spool;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real child JVM running {@link SpoolCrashChild} with this JVM's binary and classpath. Its
 * stdout is collected as complete lines only: a line cut short by a kill is not a line.
 */
final class ChildJvm implements AutoCloseable {

  private final Process process;
  private final Path stderr;
  private final List<String> lines = new ArrayList<>();
  private final Thread reader;
  private boolean ended;

  private ChildJvm(Process process, Path stderr) {
    this.process = process;
    this.stderr = stderr;
    this.reader = Thread.ofPlatform().daemon().name("child-stdout-" + process.pid()).start(this::readLines);
  }

  static ChildJvm start(Path stderr, String... args) throws IOException {
    String java = ProcessHandle.current().info().command()
        .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    List<String> command = new ArrayList<>(List.of(java, "-Xmx256m", "-XX:TieredStopAtLevel=1",
        "-cp", System.getProperty("java.class.path"), SpoolCrashChild.class.getName()));
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.appendTo(stderr.toFile())).start();
    return new ChildJvm(p, stderr);
  }

  long pid() {
    return process.pid();
  }

  /** Waits until the child printed a line starting with {@code prefix}; fails if it ends first. */
  String awaitLine(String prefix, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (lines) {
      int seen = 0;
      while (true) {
        for (; seen < lines.size(); seen++) {
          if (lines.get(seen).startsWith(prefix)) return lines.get(seen);
        }
        long left = deadline - System.nanoTime();
        if (ended || left <= 0) {
          throw new AssertionError("child " + pid() + " printed no '" + prefix + "' line (" + (ended ? "it ended" : "timed out")
              + "); its stderr:\n" + stderrTail());
        }
        lines.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
      }
    }
  }

  /** SIGKILL, then every complete line the child wrote before it died. */
  List<String> kill() throws InterruptedException {
    // Through the handle: Process.destroyForcibly() also closes our end of the child's stdout,
    // dropping lines still in the pipe, and the tests need every line the child wrote.
    process.toHandle().destroyForcibly();
    return linesAfterExit();
  }

  List<String> linesAfterExit() throws InterruptedException {
    if (!process.waitFor(30, TimeUnit.SECONDS)) throw new AssertionError("child " + pid() + " did not end");
    reader.join(30_000);
    synchronized (lines) {
      return List.copyOf(lines);
    }
  }

  String stderrTail() {
    try {
      String all = Files.exists(stderr) ? Files.readString(stderr) : "";
      return all.length() > 4000 ? all.substring(all.length() - 4000) : all;
    } catch (IOException e) {
      return "(stderr unreadable: " + e + ")";
    }
  }

  private void readLines() {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    byte[] buffer = new byte[8192];
    try (InputStream in = process.getInputStream()) {
      int n;
      while ((n = in.read(buffer)) >= 0) {
        for (int i = 0; i < n; i++) {
          if (buffer[i] != '\n') {
            line.write(buffer[i]);
            continue;
          }
          synchronized (lines) {
            lines.add(line.toString(StandardCharsets.UTF_8));
            lines.notifyAll();
          }
          line.reset();
        }
      }
    } catch (IOException e) {
      // the child was killed mid-read: what arrived complete is all there is
    } finally {
      synchronized (lines) {
        ended = true;
        lines.notifyAll();
      }
    }
  }

  @Override
  public void close() {
    if (!process.isAlive()) return;
    try {
      kill();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
