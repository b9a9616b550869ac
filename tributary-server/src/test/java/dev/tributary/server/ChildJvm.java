package dev.tributary.server;

import dev.tributary.spool.Spool;
import dev.tributary.spool.SpoolConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;

/** A child JVM on the test class path: the drain and dead-letters commands as a user runs them, or a live spool owner. */
final class ChildJvm implements AutoCloseable {
  final Process process;
  private final Path log;

  private ChildJvm(Process process, Path log) {
    this.process = process;
    this.log = log;
  }

  static ChildJvm start(Path log, Class<?> main, String... args) throws IOException {
    List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"), "-Xmx256m",
        "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"), main.getName())); // as ./tributary does
    command.addAll(List.of(args));
    return new ChildJvm(new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start(), log);
  }

  void awaitOutput(String text) {
    Awaitility.await("'" + text + "' in " + log).atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50)).until(() -> {
      if (!process.isAlive() && !output().contains(text)) throw new AssertionError("child exited with " + process.exitValue() + ":\n" + output());
      return output().contains(text);
    });
  }

  /** SIGTERM, then the exit status. */
  int terminate() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("no exit within 60 s of SIGTERM:\n" + output());
    }
    return process.exitValue();
  }

  void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor();
  }

  String output() {
    try {
      return Files.readString(log);
    } catch (IOException e) {
      return "(no output: " + e + ")";
    }
  }

  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) kill();
  }

  /** Opens the spool in args[0], appends args[1] events {@code <args[2]>-n}, says "ready", and holds the spool until killed. */
  static final class SpoolOwner {
    public static void main(String[] args) throws Exception {
      Spool spool = Spool.open(SpoolConfig.defaults(Path.of(args[0])));
      int count = Integer.parseInt(args[1]);
      List<byte[]> batch = new ArrayList<>();
      for (int n = 0; n < count; n++) {
        batch.add(KafkaTopics.event(args[2] + "-" + n, 200));
        if (batch.size() == 500 || n == count - 1) {
          spool.append(batch).get();
          batch = new ArrayList<>();
        }
      }
      System.out.println("ready, pid " + ProcessHandle.current().pid());
      System.out.flush();
      Thread.sleep(Long.MAX_VALUE);
    }
  }
}
