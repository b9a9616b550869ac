package dev.tributary.journal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * kafka-journal's own test vectors (src/test/resources/kafka-journal, copied from the Scala project's
 * test resources at commit af9e7e8, MIT licence): every file decodes, and re-encodes to equal JSON
 * (headers, json payloads) or identical bytes (binary payloads).
 */
class WireFormatFixturesTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  static List<Path> fixtures() throws IOException, URISyntaxException {
    Path dir = Path.of(WireFormatFixturesTest.class.getResource("/kafka-journal").toURI());
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(f -> f.toString().endsWith(".json") || f.toString().endsWith(".bin")).sorted().toList();
    }
  }

  @Test
  void theFolderHoldsEveryKindOfVector() throws Exception {
    assertThat(fixtures()).hasSizeGreaterThanOrEqualTo(49);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("fixtures")
  void decodesAndReencodesTheSame(Path file) throws IOException {
    String name = file.getFileName().toString();
    byte[] bytes = Files.readAllBytes(file);
    if (name.endsWith(".bin")) {
      EventsRecord decoded = EventsCodec.decodeBinary(bytes);
      assertThat(decoded.events()).isNotEmpty();
      assertThat(EventsCodec.encodeBinary(decoded)).isEqualTo(bytes);
    } else if (name.startsWith("Payload-")) {
      EventsRecord decoded = EventsCodec.decodeJson(bytes);
      assertThat(decoded.events()).isNotEmpty();
      assertThat(JSON.readTree(EventsCodec.encodeJson(decoded))).isEqualTo(JSON.readTree(bytes));
    } else {
      Action decoded = ActionHeader.decode(bytes);
      assertThat(decoded.getClass().getSimpleName()).isEqualTo(name.substring(0, name.indexOf('-')));
      assertThat(JSON.readTree(ActionHeader.encode(decoded))).isEqualTo(JSON.readTree(bytes));
    }
  }

  @Test
  void decodesTheValuesOfAMixedBinaryRecord() throws Exception {
    Path file = fixtures().stream().filter(f -> f.getFileName().toString().equals("Payload-empty-binary-text-json.bin")).findFirst().orElseThrow();
    EventsRecord r = EventsCodec.decodeBinary(Files.readAllBytes(file));
    assertThat(r.events()).extracting(Event::seqNr).containsExactly(1L, 2L, 3L, 4L);
    assertThat(r.events().get(0).payload()).isNull();
    assertThat(r.events().get(1).payload()).isEqualTo(Payload.binary("binary".getBytes()));
    assertThat(r.events().get(2).payload()).isEqualTo(Payload.text("text"));
    assertThat(r.events().get(3).payload()).isEqualTo(Payload.json(JSON.readTree("\"json\"")));
    assertThat(r.events().get(3).tags()).containsExactly("4", "1", "0", "2", "3");
    assertThat(r.metadata().expireAfter()).isEqualTo(Duration.ofDays(1));
  }

  @Test
  void aTruncatedOrUnknownRecordIsRefusedSayingWhy() {
    assertThatThrownBy(() -> EventsCodec.decodeBinary(new byte[] {1, 0, 0, 0, 2, 0}))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("truncated");
    assertThatThrownBy(() -> EventsCodec.decodeBinary(new byte[] {7}))
        .hasMessageContaining("unknown version 7");
    assertThatThrownBy(() -> ActionHeader.decode("{\"explode\":{}}".getBytes()))
        .hasMessageContaining("unknown action 'explode'");
    assertThatThrownBy(() -> ActionHeader.decode("not json".getBytes())).hasMessageContaining("not JSON");
  }

  @Test
  void expireAfterReadsScalaDurationsAndWritesTheLargestExactUnit() {
    assertThat(ExpireAfterFormat.parse("1 day")).isEqualTo(Duration.ofDays(1));
    assertThat(ExpireAfterFormat.parse("90s")).isEqualTo(Duration.ofSeconds(90));
    assertThat(ExpireAfterFormat.format(Duration.ofHours(48))).isEqualTo("2 days");
    assertThat(ExpireAfterFormat.format(Duration.ofSeconds(90))).isEqualTo("90 seconds");
    assertThat(ExpireAfterFormat.format(Duration.ofMinutes(1))).isEqualTo("1 minute");
  }
}
