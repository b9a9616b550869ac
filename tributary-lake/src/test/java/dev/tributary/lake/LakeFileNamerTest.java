package dev.tributary.lake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tributary.lake.LakeFileNamer.OffsetRange;
import org.junit.jupiter.api.Test;

class LakeFileNamerTest {

  private final LakeFileNamer namer = new LakeFileNamer("part", LakeFormat.NDJSON_GZIP, "");

  @Test
  void completedNamesCarryBothOffsetsAndParseBack() {
    String name = namer.completedName(7, 1234567890123L);
    assertThat(name).isEqualTo("part-00000000000000000007-00000001234567890123.ndjson.gz");
    assertThat(namer.coveredRange(name)).contains(new OffsetRange(7, 1234567890123L));
  }

  @Test
  void temporaryAndForeignNamesCoverNothing() {
    String tmp = namer.temporaryName(7);
    assertThat(tmp).isEqualTo(".part-00000000000000000007.ndjson.gz.tmp");
    assertThat(namer.isTemporary(tmp)).isTrue();
    assertThat(namer.coveredRange(tmp)).isEmpty();
    assertThat(namer.coveredRange("data_0.ndjson.gz")).isEmpty();
    assertThat(namer.coveredRange("other-00000000000000000001-00000000000000000002.ndjson.gz")).isEmpty();
    assertThat(namer.coveredRange("part-99999999999999999999-99999999999999999999.ndjson.gz")).isEmpty();
    assertThat(namer.isTemporary("part-00000000000000000001-00000000000000000002.ndjson.gz")).isFalse();
  }

  @Test
  void kafkaStylePrefixesAreAccepted() {
    assertThat(new LakeFileNamer("events+3", LakeFormat.NDJSON_GZIP, "").completedName(0, 0))
        .isEqualTo("events+3-00000000000000000000-00000000000000000000.ndjson.gz");
    assertThatThrownBy(() -> new LakeFileNamer("../x", LakeFormat.NDJSON_GZIP, "")).isInstanceOf(IllegalArgumentException.class);
  }
}
