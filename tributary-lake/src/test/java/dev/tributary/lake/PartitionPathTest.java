package dev.tributary.lake;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PartitionPathTest {

  private static final Instant AT = Instant.parse("2026-11-23T15:04:05.123Z");

  @Test
  void eventsArePartitionedByTypeDayAndUtcHour() {
    PartitionPath p = new PartitionPath(Path.of("/lake/events"));
    assertThat(p.ofEvent("page_view", AT)).isEqualTo(Path.of("/lake/events/event_type=page_view/dt=2026-11-23/hour=15"));
    assertThat(p.ofEvent("x", Instant.parse("2026-01-02T03:59:59.999Z")))
        .isEqualTo(Path.of("/lake/events/event_type=x/dt=2026-01-02/hour=03"));
  }

  @Test
  void errorsArePartitionedByDay() {
    PartitionPath p = new PartitionPath(Path.of("/lake/events"));
    assertThat(p.ofError(AT.toEpochMilli())).isEqualTo(Path.of("/lake/events/_errors/dt=2026-11-23"));
  }

  @Test
  void safeNamesStayReadable() {
    assertThat(PartitionPath.encode("Sign-Up_2.v1")).isEqualTo("Sign-Up_2.v1");
  }

  @Test
  void separatorsTraversalAndPercentAreEncoded() {
    assertThat(PartitionPath.encode("../../etc")).isEqualTo("..%2F..%2Fetc");
    assertThat(PartitionPath.encode("a/b")).isEqualTo("a%2Fb");
    assertThat(PartitionPath.encode("a\\b")).isEqualTo("a%5Cb");
    assertThat(PartitionPath.encode("50%")).isEqualTo("50%25");
    assertThat(PartitionPath.encode(".")).isEqualTo("%2E");
    assertThat(PartitionPath.encode("..")).isEqualTo("%2E%2E");
    assertThat(PartitionPath.encode(" ")).isEqualTo("%20");
    assertThat(PartitionPath.encode("\u0000\n")).isEqualTo("%00%0A");
    assertThat(PartitionPath.encode("a=b")).isEqualTo("a%3Db");
  }

  @Test
  void unicodeIsEncodedAsUtf8Bytes() {
    assertThat(PartitionPath.encode("café")).isEqualTo("caf%C3%A9");
    assertThat(PartitionPath.encode("😀")).isEqualTo("%F0%9F%98%80");
  }

  @Test
  void longNamesAreCutWithAHashAndStayDistinct() {
    String a = "a".repeat(5000);
    String b = "a".repeat(4999) + "b";
    String ea = PartitionPath.encode(a);
    String eb = PartitionPath.encode(b);
    assertThat(ea).hasSizeLessThanOrEqualTo(PartitionPath.MAX_ENCODED).contains("~");
    assertThat(eb).hasSizeLessThanOrEqualTo(PartitionPath.MAX_ENCODED);
    assertThat(ea).isNotEqualTo(eb);
    String exact = "a".repeat(PartitionPath.MAX_ENCODED);
    assertThat(PartitionPath.encode(exact)).isEqualTo(exact);
  }

  @Test
  void cutsNeverSplitAnEscape() {
    String e = PartitionPath.encode("é".repeat(300));
    String kept = e.substring(0, e.indexOf('~'));
    assertThat(kept).matches("(%[0-9A-F]{2})+");
    assertThat(e.length()).isLessThanOrEqualTo(PartitionPath.MAX_ENCODED);
  }

  @Test
  void nastyTypesAllBecomeOneDirectoryInsideTheTable(@TempDir Path tmp) throws Exception {
    Path table = tmp.resolve("events");
    PartitionPath p = new PartitionPath(table);
    List<String> nasty = List.of("../../etc", "a/b", "/abs", ".", "..", " ", "\t", "%2F", "a\u0000b", "con",
        "😀".repeat(100), "x".repeat(300), "..\\..\\win", "~", "event_type=x", "a b");
    Set<String> encodings = new HashSet<>();
    for (String type : nasty) {
      Path dir = p.ofEvent(type, AT);
      assertThat(dir.normalize()).isEqualTo(dir);
      assertThat(dir.getParent().getParent().getParent()).isEqualTo(table);
      Files.createDirectories(dir);
      assertThat(dir).isDirectory();
      encodings.add(dir.getParent().getParent().getFileName().toString());
    }
    assertThat(encodings).hasSize(nasty.size());
    try (var types = Files.list(table)) {
      assertThat(types.count()).isEqualTo(nasty.size());
    }
  }
}
