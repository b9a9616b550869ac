package dev.tributary.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BrokerJarsTest {
  private static final String JAR = "org/example/thing/1.0/thing-1.0.jar";
  @TempDir Path dir;

  @Test
  void aJarIsFetchedOnceIntoTheCacheAndThenUsedFromThere() throws Exception {
    Path repository = repositoryWith(JAR, "jar bytes".getBytes(StandardCharsets.UTF_8), null);
    BrokerJars jars = BrokerJars.from(repository.toUri(), dir.resolve("cache"));
    ByteArrayOutputStream first = new ByteArrayOutputStream();

    List<Path> files = jars.resolve(List.of(JAR), new PrintStream(first, true, StandardCharsets.UTF_8));

    assertThat(files).containsExactly(dir.resolve("cache").resolve(JAR));
    assertThat(files.getFirst()).hasContent("jar bytes");
    assertThat(first.toString(StandardCharsets.UTF_8)).contains("fetching the Kafka broker's jars", "fetched 1 of 1 jars");
    Files.delete(repository.resolve(JAR));
    ByteArrayOutputStream second = new ByteArrayOutputStream();
    assertThat(jars.resolve(List.of(JAR), new PrintStream(second, true, StandardCharsets.UTF_8))).isEqualTo(files);
    assertThat(second.size()).as("nothing fetched the second time").isZero();
  }

  @Test
  void aJarTheLocalMavenRepositoryHoldsIsUsedFromThereWithoutAFetch() throws Exception {
    Path local = repositoryWith(JAR, "built here".getBytes(StandardCharsets.UTF_8), null);
    BrokerJars jars = BrokerJars.from(dir.resolve("unreachable").toUri(), dir.resolve("cache"), local);
    ByteArrayOutputStream progress = new ByteArrayOutputStream();

    assertThat(jars.resolve(List.of(JAR), new PrintStream(progress, true, StandardCharsets.UTF_8))).containsExactly(local.resolve(JAR));
    assertThat(progress.size()).as("nothing fetched").isZero();
    assertThat(dir.resolve("cache")).doesNotExist();
  }

  @Test
  void aJarWhoseChecksumDiffersIsRefusedAndLeavesNothingInTheCache() throws Exception {
    Path repository = repositoryWith(JAR, "tampered".getBytes(StandardCharsets.UTF_8), "0".repeat(40));
    BrokerJars jars = BrokerJars.from(repository.toUri(), dir.resolve("cache"));

    assertThatThrownBy(() -> jars.resolve(List.of(JAR), new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8)))
        .isInstanceOf(UncheckedIOException.class).hasMessageContaining("thing-1.0.jar").hasMessageContaining("SHA-1");
    try (var left = Files.list(dir.resolve("cache").resolve(JAR).getParent())) {
      assertThat(left).as("no jar and no partial download").isEmpty();
    }
  }

  @Test
  void theBuildListsKafkaAndItsDependenciesByRepositoryPath() {
    assertThat(BrokerJars.listed()).anyMatch(p -> p.startsWith("org/apache/kafka/kafka_2.13/"))
        .anyMatch(p -> p.startsWith("org/scala-lang/scala-library/")).anyMatch(p -> p.startsWith("com/github/luben/zstd-jni/"))
        .allMatch(p -> p.endsWith(".jar") && !p.startsWith("/"));
  }

  @Test
  void theCacheFollowsXdgElseHome() {
    assertThat(BrokerJars.defaultCache(Map.of("XDG_CACHE_HOME", "/x", "HOME", "/h"))).isEqualTo(Path.of("/x/tributary/maven"));
    assertThat(BrokerJars.defaultCache(Map.of("HOME", "/h"))).isEqualTo(Path.of("/h/.cache/tributary/maven"));
  }

  private Path repositoryWith(String path, byte[] content, String sha1) throws Exception {
    Path repository = dir.resolve("repository");
    Path jar = repository.resolve(path);
    Files.createDirectories(jar.getParent());
    Files.write(jar, content);
    String listed = sha1 != null ? sha1 : HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(content));
    Files.writeString(repository.resolve(path + ".sha1"), listed + "  " + jar.getFileName());
    return repository;
  }
}
