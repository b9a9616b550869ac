package dev.tributary.lake;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class LandedEventsTest {

  @TempDir Path table;
  private final LakeFileNamer namer = new LakeFileNamer("part", LakeFormat.NDJSON_GZIP, "");
  private static final long WINDOW = Duration.ofMinutes(10).toMillis();

  /** Every layout in every format: the walk follows the layout, the reading the format. */
  static Stream<Arguments> layoutsAndFormats() {
    return Stream.of(PathFormat.DEFAULT, "year={yyyy}/month={MM}/day={dd}/hour={HH}/type={event_type}",
            "d{yyyy}{MM}{dd}-h{HH}/t-{event_type}")
        .flatMap(t -> Stream.of(LakeFormat.values()).map(f -> Arguments.of(t, f)));
  }

  @ParameterizedTest
  @MethodSource("layoutsAndFormats")
  void rebuildsTheIdsOfEventsReceivedSinceTheGivenInstantFromCompletedFilesOnly(String template, LakeFormat lakeFormat)
      throws Exception {
    PathFormat format = PathFormat.parse(template);
    PartitionPath partitions = new PartitionPath(Path.of(""), format);  // directories relative to the store's root, the table
    LakeWriter w = new LakeWriter(new FileLakeStore(table), lakeFormat, namer,
        LakeWriter.Rolls.of(1 << 20, Duration.ofMinutes(1)), LakeMeters.register(new SimpleMeterRegistry()));
    write(w, partitions, 1, "old", "2026-11-23T13:59:00.000Z");     // an hour partition before the window
    write(w, partitions, 2, "edge", "2026-11-23T14:49:59.999Z");    // same hour, just before `since`
    write(w, partitions, 3, "in", "2026-11-23T14:55:00.000Z");
    write(w, partitions, 4, "later", "2026-11-23T15:01:00.000Z");
    w.completeAll();
    write(w, partitions, 5, "open", "2026-11-23T15:02:00.000Z");    // still being written: not landed

    java.nio.file.Files.createDirectories(table.resolve("stray/dir/of/a/user"));
    EventIdWindow ids = LandedEvents.read(new FileLakeStore(table), Path.of(""), format, namer,
        Instant.parse("2026-11-23T14:50:00Z"), WINDOW, 100);

    long t = Instant.parse("2026-11-23T15:02:00Z").toEpochMilli();
    assertThat(ids.contains(ids.fingerprint("in"), t)).isTrue();
    assertThat(ids.contains(ids.fingerprint("later"), t)).isTrue();
    assertThat(ids.contains(ids.fingerprint("old"), t)).isFalse();
    assertThat(ids.contains(ids.fingerprint("edge"), t)).isFalse();
    assertThat(ids.contains(ids.fingerprint("open"), t)).isFalse();
    w.abandonAll();
  }

  @Test
  void anEmptyLakeGivesAnEmptyWindow() throws Exception {
    assertThat(LandedEvents.read(new FileLakeStore(table), Path.of("none"), PathFormat.defaults(), namer, Instant.EPOCH,
        WINDOW, 10).size()).isZero();
  }

  private static void write(LakeWriter w, PartitionPath partitions, long offset, String id, String receivedAt)
      throws Exception {
    String json = "{\"event\":\"t\",\"event_id\":\"" + id + "\",\"received_at\":\"" + receivedAt + "\"}";
    w.append(partitions.ofEvent("t", Instant.parse(receivedAt)), offset, json.getBytes(StandardCharsets.UTF_8), 0, 0);
  }
}
