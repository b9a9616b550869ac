package dev.tributary.testkit;

import dev.tributary.broker.LoopbackPorts;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real S3-compatible server for tests: S3Proxy (filesystem back end, AWS v2/v4 signatures)
 * in its own JVM on a free loopback port, storing each bucket as a directory under a directory of
 * its own. Clients use {@link #endpoint()}, path-style access, region {@code us-east-1} and the
 * credentials {@link #ACCESS_KEY} / {@link #SECRET_KEY}.
 *
 * <p>The directory holds {@code s3proxy.conf}, {@code s3proxy.log} (the JVM's output) and
 * {@code buckets/}.
 */
public final class S3Server implements AutoCloseable {
  public static final String ACCESS_KEY = "tributary";
  public static final String SECRET_KEY = "tributary-secret";
  private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

  private final Path dir;
  private final int port;
  private final Process process;

  private S3Server(Path dir, int port, Process process) {
    this.dir = dir;
    this.port = port;
    this.process = process;
  }

  /** Starts S3Proxy with its data in {@code dir} and waits until it accepts connections. */
  public static S3Server start(Path dir) {
    try {
      Files.createDirectories(dir.resolve("buckets"));
      int port = LoopbackPorts.unused();
      Path conf = dir.resolve("s3proxy.conf");
      Files.writeString(conf, String.join("\n",
          "s3proxy.endpoint=http://127.0.0.1:" + port,
          "s3proxy.authorization=aws-v2-or-v4",
          "s3proxy.identity=" + ACCESS_KEY,
          "s3proxy.credential=" + SECRET_KEY,
          "jclouds.provider=filesystem-nio2",
          "jclouds.identity=" + ACCESS_KEY,
          "jclouds.credential=" + SECRET_KEY,
          "jclouds.filesystem.basedir=" + dir.resolve("buckets").toAbsolutePath(), ""));
      List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
          "-Xms32m", "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp", ChildClasspath.s3proxy(),
          WatchedS3ProxyMain.class.getName(), conf.toAbsolutePath().toString());
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("s3proxy.log").toFile())).start();
      S3Server server = new S3Server(dir, port, p);
      server.awaitListening();
      return server;
    } catch (IOException e) {
      throw new UncheckedIOException("could not start S3Proxy", e);
    }
  }

  public URI endpoint() {
    return URI.create("http://127.0.0.1:" + port);
  }

  /** Creates a bucket (a directory of the filesystem back end). */
  public void createBucket(String bucket) {
    try {
      Files.createDirectories(dir.resolve("buckets").resolve(bucket));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Where the objects of {@code bucket} are stored: key {@code a/b} is the file {@code a/b} below it. */
  public Path bucketDir(String bucket) {
    return dir.resolve("buckets").resolve(bucket);
  }

  private void awaitListening() {
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) throw new IllegalStateException("S3Proxy exited during start; see " + dir.resolve("s3proxy.log"));
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
        return;
      } catch (IOException notYet) {
        try {
          Thread.sleep(100);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException("interrupted while S3Proxy starts", e);
        }
      }
    }
    close();
    throw new IllegalStateException("S3Proxy did not listen within " + START_TIMEOUT.toSeconds() + " s; see "
        + dir.resolve("s3proxy.log"));
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
  }

  /** Stops the server and deletes its directory. */
  public void closeAndDelete() {
    close();
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path f : files.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(f);
    } catch (IOException e) {
      throw new UncheckedIOException("could not delete S3Proxy data in " + dir, e);
    }
  }
}
