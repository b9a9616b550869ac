package dev.tributary.bus;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tributary.spool.FsyncPolicy;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Writers on many threads at once, with chunks rotating by size under them. With {@code never} each
 * writer writes on its own thread under the writer's lock; otherwise the writer thread commits.
 * Either way every write lands whole, once, its messages together and in order.
 */
class ConcurrentWritersTest {
  private static final int THREADS = 8;
  private static final int WRITES_PER_THREAD = 150;
  private static final List<String> CATEGORIES = List.of("a", "b", "c");

  @ParameterizedTest
  @ValueSource(strings = {"always", "never"})
  void everyWriteLandsWholeOnceWithItsMessagesTogether(String fsync, @TempDir Path dir) throws Exception {
    BusConfig config = BusConfig.defaults(dir, "node1").withFsync(FsyncPolicy.parse(fsync)).withRotation(8192, Duration.ofHours(1));
    List<String> written = Collections.synchronizedList(new ArrayList<>());
    try (LocalBus bus = LocalBus.open(config)) {
      List<CompletableFuture<Void>> writers = new ArrayList<>();
      for (int t = 0; t < THREADS; t++) {
        int thread = t;
        writers.add(CompletableFuture.runAsync(() -> {
          Random random = new Random(thread);
          for (int w = 0; w < WRITES_PER_THREAD; w++) {
            String category = CATEGORIES.get(random.nextInt(CATEGORIES.size()));
            StringBuilder body = new StringBuilder();
            int messages = 1 + random.nextInt(4);
            for (int m = 0; m < messages; m++) {
              body.append(category).append(thread).append('-').append(w).append('-').append(m).append('-')
                  .append("x".repeat(random.nextInt(300))).append('\n');
            }
            bus.write(category, body.toString().getBytes(StandardCharsets.US_ASCII)).join();
            written.add(category + "|" + body);
          }
        }, command -> Thread.ofPlatform().start(command)));
      }
      for (CompletableFuture<Void> w : writers) w.get(60, TimeUnit.SECONDS);

      for (String category : CATEGORIES) {
        String stored = readAll(bus, category);
        List<String> expected = written.stream().filter(w -> w.startsWith(category + "|")).map(w -> w.substring(category.length() + 1)).toList();
        assertThat(stored.length()).as("%s: bytes stored, %s", category, fsync).isEqualTo(expected.stream().mapToInt(String::length).sum());
        for (String body : expected) assertThat(stored).as("%s: a write, whole", category).contains(body);
      }
    }
  }

  private static String readAll(Bus bus, String category) throws Exception {
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    for (ChunkInfo chunk : bus.listChunks(category, null)) {
      for (long off = 0; off < chunk.size(); ) {
        ReadResult r = bus.read(category, chunk.name(), off, 1 << 20, null);
        byte[] bytes = bytes(r);
        all.write(bytes);
        off += bytes.length;
      }
    }
    return all.toString(StandardCharsets.US_ASCII);
  }

  private static byte[] bytes(ReadResult r) throws Exception {
    if (r instanceof ReadResult.Bytes b) return b.bytes();
    ReadResult.FileRegion region = (ReadResult.FileRegion) r;
    try (FileChannel ch = FileChannel.open(region.file())) {
      ByteBuffer buf = ByteBuffer.allocate((int) region.length());
      while (buf.hasRemaining()) {
        if (ch.read(buf, region.offset() + buf.position()) < 0) throw new AssertionError("chunk file shorter than its listed size");
      }
      return buf.array();
    }
  }
}
