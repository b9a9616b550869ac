package dev.tributary.bus;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.tributary.spool.FsyncPolicy;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Coverage-guided fuzzing of what a bus client names and asks for (scripts/fuzz runs it for a set
 * time; the suite replays the inputs under BusReadFuzzTestInputs): category, reader and chunk
 * names, and reads of a real local bus holding messages of many sizes in several chunks.
 */
class BusReadFuzzTest {

  private static final Path DATA;
  private static final LocalBus BUS;
  private static final List<ChunkInfo> CHUNKS;

  static {
    try {
      DATA = Files.createTempDirectory("bus-fuzz");
      BUS = LocalBus.open(BusConfig.defaults(DATA, "fuzz").withFsync(FsyncPolicy.NEVER).withRotation(4096, Duration.ofHours(1)));
      StringBuilder batch = new StringBuilder();
      for (int i = 0; i < 300; i++) batch.append("message ").append(i).append(" ").append("x".repeat(i % 97)).append('\n');
      byte[] bytes = batch.toString().getBytes(StandardCharsets.UTF_8);
      for (int i = 0; i < 4; i++) BUS.write("events", bytes, bytes.length).join();
      CHUNKS = BUS.listChunks("events", null);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * For any name: the checks accept it or refuse it with a 400 {@link BusException}, nothing
   * else; an accepted category or reader name resolves to an entry directly inside the data
   * directory, and an accepted chunk name to a file of the instance it names.
   */
  @FuzzTest
  void namesAreRefusedOrStayInsideTheDataDirectory(FuzzedDataProvider data) {
    String name = data.consumeRemainingAsString();
    for (String what : List.of("category", "reader", "chunk")) {
      try {
        switch (what) {
          case "category" -> Names.category(name);
          case "reader" -> Names.reader(name);
          default -> {
            Names.ChunkName chunk = Names.chunk(name);
            assertThat(Names.parseChunk(chunk.fileName())).isEqualTo(chunk);
            assertThat(name).startsWith(chunk.instance() + "-chunk");
          }
        }
        Path resolved = DATA.resolve(name).normalize();
        assertThat(resolved.getParent()).as("%s name %s", what, name).isEqualTo(DATA);
      } catch (BusException refused) {
        assertThat(refused.status()).isEqualTo(400);
      }
    }
  }

  /**
   * For any read (any category, chunk, offset, max_size within what the HTTP handler lets
   * through, and reader): the answer is a 400 or 404 {@link BusException}, or at most max_size
   * bytes from the offset that end at a message boundary within the chunk's published size.
   */
  @FuzzTest
  void readsAnswerWholeMessagesWithinMaxSizeOrAreRefused(FuzzedDataProvider data) throws IOException {
    String category = data.consumeBoolean() ? "events" : data.consumeString(40);
    ChunkInfo known = CHUNKS.get(data.consumeInt(0, CHUNKS.size() - 1));
    String chunk = data.consumeBoolean() ? known.name() : data.consumeString(40);
    // not consumeLong(0, Long.MAX_VALUE): Jazzer 0.24 gives negative numbers for that range
    long off = data.consumeBoolean() ? data.consumeLong(0, known.size() + 10) : data.consumeLong() & Long.MAX_VALUE;
    int maxSize = data.consumeInt(1, BusHandler.MAX_READ_BYTES);
    String reader = data.consumeBoolean() ? null : data.consumeRemainingAsString();
    ReadResult result;
    try {
      result = BUS.read(category, chunk, off, maxSize, reader);
    } catch (BusException refused) {
      assertThat(refused.status()).isIn(400, 404);
      return;
    }
    assertThat(result.length()).isBetween(0L, (long) maxSize);
    if (result instanceof ReadResult.FileRegion region) {
      ChunkInfo read = CHUNKS.stream().filter(c -> c.name().equals(chunk)).findFirst().orElseThrow();
      assertThat(region.offset()).isEqualTo(off);
      assertThat(region.offset() + region.length()).isLessThanOrEqualTo(read.size());
      byte[] bytes = Files.readAllBytes(region.file());
      assertThat(bytes[(int) (region.offset() + region.length() - 1)]).as("ends after a newline").isEqualTo((byte) '\n');
    }
  }
}
