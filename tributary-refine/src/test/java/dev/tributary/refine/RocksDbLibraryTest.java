package dev.tributary.refine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tributary.testkit.KafkaExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Refine killed with SIGKILL leaves no copy of RocksDB's 14 MB library behind, and a restart reuses the one it has. */
class RocksDbLibraryTest {
  @RegisterExtension static final KafkaExtension kafka = KafkaExtension.broker();
  @TempDir Path dir;

  @Test
  void forcedStopsLeaveNothingInTmpAndTheStateDirectoryKeepsOneCopy() throws Exception {
    RawEvents.createTopic(kafka.bootstrapServers(), "lib.raw", 1);
    Path tmp = Files.createDirectories(dir.resolve("tmp"));
    Path state = dir.resolve("state");
    Object firstCopy = null;
    for (int run = 1; run <= 2; run++) {
      try (KafkaProducer<byte[], byte[]> p = RawEvents.producer(kafka.bootstrapServers())) {
        p.send(RawEvents.record("lib.raw", null, "e-" + run, "u", System.currentTimeMillis())).get();
      }
      Path log = dir.resolve("run-" + run + ".log");
      Process child = new ProcessBuilder(ProcessHandle.current().info().command().orElse("java"), "-Xmx256m",
          "-Djava.io.tmpdir=" + tmp, "-cp", System.getProperty("java.class.path"), RefineChild.class.getName(),
          kafka.bootstrapServers(), "lib.raw", "lib.refined", "lib", state.toString(), "0")
          .redirectErrorStream(true).redirectOutput(log.toFile()).start();
      try {
        int expected = run;
        // Refined records mean the dedup store (RocksDB) is open: the library is loaded by then, whichever loader did it.
        Awaitility.await("run " + run + " refines its event").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500))
            .until(() -> {
              if (!child.isAlive()) throw new AssertionError("refine exited:\n" + Files.readString(log));
              return RawEvents.readCommitted(kafka.bootstrapServers(), "lib.refined").size() >= expected;
            });
      } finally {
        child.destroyForcibly();
        child.waitFor();
      }
      try (Stream<Path> left = Files.list(tmp)) {
        assertThat(left.map(Path::getFileName).map(Path::toString).filter(n -> n.contains("rocksdb")).toList())
            .as("RocksDB files left in java.io.tmpdir after SIGKILL of run %d", run).isEmpty();
      }
      List<Path> copies;
      try (Stream<Path> found = Files.find(state, 4, (path, attributes) -> path.getFileName().toString().startsWith("librocksdbjni"))) {
        copies = found.toList();
      }
      assertThat(copies).as("copies of the library in the state directory after run %d", run).hasSize(1);
      Object key = Files.readAttributes(copies.get(0), BasicFileAttributes.class).fileKey();
      if (firstCopy == null) firstCopy = key;
      assertThat(key).as("the second run loads the copy the first one extracted").isEqualTo(firstCopy);
    }
  }
}
