package dev.tributary.spool;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * Coverage-guided fuzzing of the spool's recovery at open (scripts/fuzz runs it for a set time;
 * the suite replays the inputs under SpoolRecoveryFuzzTestInputs). The spool is real; what the
 * fuzzer controls is the damage to its last segment: the last bytes of the input choose append or
 * overwrite and where, the bytes before are what is written there.
 */
class SpoolRecoveryFuzzTest {

  private static final List<List<String>> BATCHES = List.of(
      List.of("first"), List.of("b1", "b2", "b3"), List.of("{\"event\":\"x\"}"), List.of("c1", "c2"), List.of("last"));
  /** The last segment as the spool wrote it, and where each batch of it ends. */
  private static final byte[] SEGMENT;
  private static final String SEGMENT_NAME;
  private static final List<Long> BATCH_ENDS = new ArrayList<>();

  static {
    try {
      Path dir = Files.createTempDirectory("spool-fuzz-template");
      try (Spool spool = Spool.open(config(dir))) {
        for (List<String> batch : BATCHES) spool.append(batch.stream().map(s -> s.getBytes(StandardCharsets.UTF_8)).toList()).join();
      }
      Path segment = SegmentFile.lastSegment(dir);
      SEGMENT = Files.readAllBytes(segment);
      SEGMENT_NAME = segment.getFileName().toString();
      for (SegmentFile.Entry e : SegmentFile.read(segment).records()) if (e.endOfBatch()) BATCH_ENDS.add(e.end());
      delete(dir);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * For any bytes appended to the last segment or written over it anywhere: opening the spool
   * throws nothing but {@link SpoolFormatException} (a record whose CRC holds but whose version is
   * unknown), or it reads back every batch that ended before the first changed byte, in order and
   * unchanged, and takes a new append after everything it reads.
   */
  @FuzzTest
  void aDamagedLastSegmentRecoversToItsLastWholeBatch(FuzzedDataProvider data) throws Exception {
    boolean overwrite = data.consumeBoolean();
    int at = data.consumeInt(0, SEGMENT.length);
    byte[] bytes = data.consumeRemainingAsBytes();
    byte[] damaged = Arrays.copyOf(SEGMENT, overwrite ? Math.max(SEGMENT.length, at + bytes.length) : SEGMENT.length + bytes.length);
    System.arraycopy(bytes, 0, damaged, overwrite ? at : SEGMENT.length, bytes.length);
    long firstChanged = Arrays.mismatch(SEGMENT, damaged);
    if (firstChanged < 0) firstChanged = SEGMENT.length;
    List<String> kept = new ArrayList<>();
    for (int i = 0; i < BATCHES.size() && BATCH_ENDS.get(i) <= firstChanged; i++) kept.addAll(BATCHES.get(i));

    Path dir = Files.createTempDirectory("spool-fuzz");
    try {
      Files.write(dir.resolve(SEGMENT_NAME), damaged);
      try (Spool spool = Spool.open(config(dir))) {
        List<SpoolRecord> read = drain(spool.cursor("fuzz"));
        assertThat(read).as("the whole batches before the damage").hasSizeGreaterThanOrEqualTo(kept.size());
        assertThat(read.subList(0, kept.size()).stream().map(r -> new String(r.payload(), StandardCharsets.UTF_8)).toList())
            .as("unchanged").containsExactlyElementsOf(kept);
        for (int i = 0; i < read.size(); i++) assertThat(read.get(i).offset()).as("offsets in order").isEqualTo(i);
        long appended = spool.append("after".getBytes(StandardCharsets.UTF_8)).join();
        assertThat(appended).as("a new append goes after everything read").isGreaterThanOrEqualTo(read.size());
      } catch (SpoolFormatException refused) {
        assertThat(refused.getMessage()).contains("format version");
      }
    } finally {
      delete(dir);
    }
  }

  private static SpoolConfig config(Path dir) {
    return new SpoolConfig(dir, 64 << 10, 1 << 30, FsyncPolicy.NEVER);
  }

  private static List<SpoolRecord> drain(SpoolCursor c) throws IOException, InterruptedException {
    List<SpoolRecord> all = new ArrayList<>();
    for (List<SpoolRecord> some = c.poll(1000, Long.MAX_VALUE, Duration.ZERO); !some.isEmpty();
         some = c.poll(1000, Long.MAX_VALUE, Duration.ZERO)) {
      all.addAll(some);
    }
    return all;
  }

  private static void delete(Path dir) throws IOException {
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
    }
  }
}
