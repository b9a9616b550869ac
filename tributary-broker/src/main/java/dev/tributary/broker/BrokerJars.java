package dev.tributary.broker;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLConnection;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The jars of the broker JVM. The build names them, relative to a Maven repository, in
 * {@code broker-jars.txt} and {@code broker-runtime-jars.txt} (Kafka is never packaged: it would
 * double the executable jar for a command only {@code dev} needs). On first use they are fetched
 * from the repository, each checked against the repository's SHA-1, into a cache laid out as a
 * Maven repository: {@code $XDG_CACHE_HOME/tributary/maven}, else {@code $HOME/.cache/tributary/maven}.
 * From Maven Central, a jar the user's local Maven repository already holds ({@code ~/.m2/repository},
 * as a build of this project leaves it) is used from there, so a build's tests need no download.
 */
public final class BrokerJars {
  private static final Logger log = LoggerFactory.getLogger(BrokerJars.class);
  /** Maven Central. */
  public static final URI CENTRAL = URI.create("https://repo.maven.apache.org/maven2/");
  private static final List<String> LISTS = List.of("broker-jars.txt", "broker-runtime-jars.txt");
  private static final String REPOSITORY_PREFIX = "M2/";
  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
  private static final Duration READ_TIMEOUT = Duration.ofSeconds(30);

  private final URI repository;
  private final Path cache;
  /** Looked in before fetching; null when the jars must come from {@code repository}. */
  private final Path localRepository;

  private BrokerJars(URI repository, Path cache, Path localRepository) {
    this.repository = repository.toString().endsWith("/") ? repository : URI.create(repository + "/");
    this.cache = cache;
    this.localRepository = localRepository;
  }

  /** Jars from {@code repository} (Maven Central, a mirror, or a {@code file:} repository), cached in {@code cache}. */
  public static BrokerJars from(URI repository, Path cache) {
    return new BrokerJars(repository, cache, null);
  }

  /** Jars from the local Maven repository or else Maven Central, cached in the user's cache directory (see the class comment). */
  public static BrokerJars central() {
    return from(CENTRAL, defaultCache(System.getenv()), localMavenRepository(System.getenv()));
  }

  /** As {@link #from(URI, Path)}, using a jar {@code localRepository} holds from there. */
  static BrokerJars from(URI repository, Path cache, Path localRepository) {
    return new BrokerJars(repository, cache, localRepository);
  }

  static Path localMavenRepository(Map<String, String> env) {
    String configured = System.getProperty("maven.repo.local");
    return configured != null ? Path.of(configured) : Path.of(home(env), ".m2", "repository");
  }

  static Path defaultCache(Map<String, String> env) {
    String xdg = env.get("XDG_CACHE_HOME");
    if (xdg != null && !xdg.isBlank()) return Path.of(xdg, "tributary", "maven");
    return Path.of(home(env), ".cache", "tributary", "maven");
  }

  /** $HOME as the shell has it (the JVM's user.home comes from the password database instead). */
  private static String home(Map<String, String> env) {
    return env.getOrDefault("HOME", System.getProperty("user.home"));
  }

  public Path cache() {
    return cache;
  }

  /**
   * The broker's class path: the cached jars, fetching the missing ones first, then the jar of
   * {@link WatchedBrokerMain} ({@link #mainJar}). Progress goes to {@code progress}.
   */
  List<Path> classPath(PrintStream progress) {
    List<Path> jars = new ArrayList<>(resolve(listed(), progress));
    jars.add(mainJar());
    return jars;
  }

  /** The cached files of these repository-relative {@code paths}, fetching the missing ones first. */
  List<Path> resolve(Collection<String> paths, PrintStream progress) {
    List<Path> files = new ArrayList<>();
    List<String> missing = new ArrayList<>();
    for (String path : paths) {
      if (localRepository != null && Files.isRegularFile(localRepository.resolve(path))) {
        files.add(localRepository.resolve(path));
        continue;
      }
      files.add(cache.resolve(path));
      if (!Files.isRegularFile(cache.resolve(path))) missing.add(path);
    }
    if (!missing.isEmpty()) fetch(missing, progress);
    return files;
  }

  /** Repository-relative paths of the broker's jars, as the build listed them. */
  static Set<String> listed() {
    Set<String> paths = new LinkedHashSet<>();
    for (String list : LISTS) {
      try (InputStream in = BrokerJars.class.getResourceAsStream(list)) {
        if (in == null) throw new IllegalStateException(list + " is missing from the build; the Kafka broker's jars are unknown");
        for (String p : new String(in.readAllBytes(), StandardCharsets.UTF_8).trim().split(File.pathSeparator)) {
          if (!p.startsWith(REPOSITORY_PREFIX)) throw new IllegalStateException(list + " names " + p + ", not a repository path");
          paths.add(p.substring(REPOSITORY_PREFIX.length()));
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return paths;
  }

  private void fetch(List<String> missing, PrintStream progress) {
    long started = System.nanoTime();
    progress.printf("tributary: fetching the Kafka broker's jars (first use only): %d from %s into %s%n", missing.size(), repository, cache);
    long bytes = 0;
    int done = 0;
    for (String path : missing) {
      bytes += fetchOne(path);
      done++;
      // A line per quarter: a log, unlike a terminal, keeps every line.
      if (done * 4 / missing.size() > (done - 1) * 4 / missing.size()) {
        progress.printf("tributary: fetched %d of %d jars (%.1f MB)%n", done, missing.size(), bytes / 1e6);
      }
    }
    log.info("fetched {} jars of the Kafka broker ({} MB) in {} ms", missing.size(), bytes / 1_000_000,
        (System.nanoTime() - started) / 1_000_000);
  }

  /** Downloads one jar beside its place and moves it in once its SHA-1 matches: a crash or a concurrent fetch leaves no half jar. */
  private long fetchOne(String path) {
    Path target = cache.resolve(path);
    URI source = repository.resolve(path);
    try {
      Files.createDirectories(target.getParent());
      String expected = read(repository.resolve(path + ".sha1")).trim().split("\\s+")[0];
      Path partial = Files.createTempFile(target.getParent(), target.getFileName().toString(), ".part");
      try {
        MessageDigest sha1 = MessageDigest.getInstance("SHA-1");
        try (InputStream in = new DigestInputStream(open(source), sha1)) {
          Files.copy(in, partial, StandardCopyOption.REPLACE_EXISTING);
        }
        String actual = HexFormat.of().formatHex(sha1.digest());
        if (!actual.equalsIgnoreCase(expected)) {
          throw new IOException(source + " has SHA-1 " + actual + " but the repository lists " + expected);
        }
        Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return Files.size(target);
      } finally {
        Files.deleteIfExists(partial);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("could not fetch " + source + " (the Kafka broker's jars come from a Maven repository on first use): " + e.getMessage(), e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String read(URI uri) throws IOException {
    try (InputStream in = open(uri)) {
      return new String(in.readAllBytes(), StandardCharsets.US_ASCII);
    }
  }

  /** With timeouts, so that a network that drops packets fails the command instead of hanging it. */
  private static InputStream open(URI uri) throws IOException {
    URLConnection connection = uri.toURL().openConnection();
    connection.setConnectTimeout((int) CONNECT_TIMEOUT.toMillis());
    connection.setReadTimeout((int) READ_TIMEOUT.toMillis());
    return connection.getInputStream();
  }

  /**
   * {@link WatchedBrokerMain} in a jar of its own in the cache, named by a hash of its classes. The
   * broker needs no other class of Tributary, and a class path of unchanging jars alone can have a
   * class-data archive ({@link BrokerClassArchive}): a build's class directory cannot, and a rebuilt
   * executable jar would make the archive stale.
   */
  private Path mainJar() {
    try {
      Map<String, byte[]> classes = new LinkedHashMap<>();
      MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
      for (Class<?> c : List.of(WatchedBrokerMain.class, WatchedBrokerMain.ToolExit.class)) {
        String name = c.getName().replace('.', '/') + ".class";
        try (InputStream in = BrokerJars.class.getClassLoader().getResourceAsStream(name)) {
          if (in == null) throw new IOException(name + " is not on the class path");
          classes.put(name, in.readAllBytes());
          sha256.update(classes.get(name));
        }
      }
      Path jar = cache.resolve("tributary-broker-main-" + HexFormat.of().formatHex(sha256.digest(), 0, 8) + ".jar");
      if (!Files.isRegularFile(jar)) writeJar(jar, classes);
      return jar;
    } catch (IOException e) {
      throw new UncheckedIOException("could not write the broker's main class into " + cache + ": " + e.getMessage(), e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Writes beside {@code jar} and moves it in: a broker started at the same time never sees half a jar. */
  private void writeJar(Path jar, Map<String, byte[]> classes) throws IOException {
    Files.createDirectories(cache);
    Path partial = Files.createTempFile(cache, jar.getFileName().toString(), ".part");
    try {
      try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(partial))) {
        for (Map.Entry<String, byte[]> e : classes.entrySet()) {
          out.putNextEntry(new JarEntry(e.getKey()));
          out.write(e.getValue());
          out.closeEntry();
        }
      }
      Files.move(partial, jar, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(partial);
    }
  }
}
