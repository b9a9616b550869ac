package dev.tributary.testkit;

import dev.tributary.broker.LoopbackPorts;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A private PostgreSQL cluster for one test run: {@code initdb} into a temporary directory and
 * {@code pg_ctl start} on a free loopback port, with its Unix socket inside that directory, so it
 * never meets the machine's own server. Trust authentication for user {@code postgres}; fsync off
 * (the tests kill processes, never the machine). Stopped and deleted on {@link #close()}.
 *
 * <p>PostgreSQL refuses to run as root: as root, the directory is given to the {@code postgres}
 * user and the binaries run through {@code runuser -u postgres}. The binaries are found on the
 * PATH or under {@code /usr/lib/postgresql/<version>/bin}.
 */
public final class PostgresServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(PostgresServer.class);
  private static final AtomicInteger databases = new AtomicInteger();

  private final Path bin;
  private final Path dir;
  private final int port;
  private final boolean asPostgresUser;

  private PostgresServer(Path bin, Path dir, int port, boolean asPostgresUser) {
    this.bin = bin;
    this.dir = dir;
    this.port = port;
    this.asPostgresUser = asPostgresUser;
  }

  /** Initialises and starts a new cluster; fails with what to install when PostgreSQL is missing. */
  public static PostgresServer start() {
    Path bin = findBinaries().orElseThrow(() -> new IllegalStateException(
        "PostgreSQL's initdb and pg_ctl were not found on the PATH nor in /usr/lib/postgresql/*/bin;"
            + " install them with: apt-get install postgresql"));
    boolean root = "root".equals(System.getProperty("user.name"));
    try {
      Path dir = Files.createTempDirectory("tributary-postgres-");
      if (root) run(List.of("chown", "postgres:postgres", dir.toString()), dir);
      PostgresServer server = new PostgresServer(bin, dir, LoopbackPorts.unused(), root);
      server.initAndStart();
      return server;
    } catch (IOException e) {
      throw new UncheckedIOException("could not start PostgreSQL", e);
    }
  }

  static Optional<Path> findBinaries() {
    List<Path> candidates = new ArrayList<>();
    for (String p : System.getenv().getOrDefault("PATH", "").split(":")) if (!p.isEmpty()) candidates.add(Path.of(p));
    Path lib = Path.of("/usr/lib/postgresql");
    if (Files.isDirectory(lib)) {
      try (Stream<Path> versions = Files.list(lib)) {
        versions.sorted(Comparator.reverseOrder()).forEach(v -> candidates.add(v.resolve("bin")));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return candidates.stream()
        .filter(d -> Files.isExecutable(d.resolve("initdb")) && Files.isExecutable(d.resolve("pg_ctl")))
        .map(PostgresServer::realBin)
        .findFirst();
  }

  /** /usr/local/bin/pg_ctl may be a link: the other binaries (createdb) sit beside the real one. */
  private static Path realBin(Path d) {
    try {
      return d.resolve("pg_ctl").toRealPath().getParent();
    } catch (IOException e) {
      return d;
    }
  }

  private void initAndStart() {
    Path data = dir.resolve("data");
    pg(List.of(bin.resolve("initdb").toString(), "-D", data.toString(), "-U", "postgres", "--auth=trust",
        "-E", "UTF8", "--locale=C", "--no-sync"));
    String options = "-p " + port + " -k " + dir + " -c listen_addresses=127.0.0.1 -c fsync=off"
        + " -c synchronous_commit=off -c full_page_writes=off -c max_connections=200";
    pg(List.of(bin.resolve("pg_ctl").toString(), "-D", data.toString(), "-l", dir.resolve("postgres.log").toString(),
        "-o", options, "-w", "-t", "60", "start"));
    log.info("PostgreSQL started on 127.0.0.1:{} in {}", port, dir);
  }

  /**
   * From now on every role but postgres must give its password over TCP (SCRAM), as a production
   * server asks; postgres stays trusted so that tests can still create databases and roles.
   */
  public void requirePasswords() {
    Path hba = dir.resolve("data").resolve("pg_hba.conf");
    try {
      Files.writeString(hba, "local all all trust\nhost all postgres 127.0.0.1/32 trust\n"
          + "host all all 127.0.0.1/32 scram-sha-256\n");
    } catch (IOException e) {
      throw new UncheckedIOException("could not write " + hba, e);
    }
    pg(List.of(bin.resolve("pg_ctl").toString(), "-D", dir.resolve("data").toString(), "reload"));
  }

  /** A new empty database; returns its JDBC URL (user postgres, no password). */
  public String createDatabase() {
    String name = "t" + ProcessHandle.current().pid() + "_" + databases.incrementAndGet();
    pg(List.of(bin.resolve("createdb").toString(), "-h", "127.0.0.1", "-p", String.valueOf(port), "-U", "postgres", name));
    return jdbcUrl(name);
  }

  public String jdbcUrl(String database) {
    return "jdbc:postgresql://127.0.0.1:" + port + "/" + database + "?user=postgres";
  }

  public int port() {
    return port;
  }

  @Override
  public void close() {
    try {
      pg(List.of(bin.resolve("pg_ctl").toString(), "-D", dir.resolve("data").toString(), "-m", "immediate", "-w", "stop"));
    } catch (RuntimeException e) {
      log.warn("could not stop PostgreSQL in {}: {}", dir, e.getMessage());
    }
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
    } catch (IOException e) {
      log.warn("could not delete {}: {}", dir, e.getMessage());
    }
  }

  private void pg(List<String> command) {
    List<String> cmd = new ArrayList<>();
    if (asPostgresUser) cmd.addAll(Arrays.asList("runuser", "-u", "postgres", "--"));
    cmd.addAll(command);
    run(cmd, dir);
  }

  private static void run(List<String> cmd, Path dir) {
    try {
      Path out = Files.createTempFile("tributary-pg-cmd-", ".log");
      try {
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
            .redirectOutput(out.toFile()).start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
          p.destroyForcibly();
          throw new IllegalStateException(String.join(" ", cmd) + " did not finish within 120 s");
        }
        if (p.exitValue() != 0) {
          throw new IllegalStateException(String.join(" ", cmd) + " failed (exit " + p.exitValue() + "):\n"
              + Files.readString(out) + logTail(dir));
        }
      } finally {
        Files.deleteIfExists(out);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("could not run " + cmd.getFirst(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted running " + cmd.getFirst(), e);
    }
  }

  private static String logTail(Path dir) throws IOException {
    Path log = dir.resolve("postgres.log");
    if (!Files.exists(log)) return "";
    List<String> lines = Files.readAllLines(log);
    return "postgres.log:\n" + String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
  }
}
