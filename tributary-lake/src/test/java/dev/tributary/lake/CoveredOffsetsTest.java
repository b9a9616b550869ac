package dev.tributary.lake;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CoveredOffsetsTest {

  @TempDir Path root;
  private final LakeFileNamer namer = new LakeFileNamer("part", LakeFormat.NDJSON_GZIP, "");

  @Test
  void recordsInCompletedFilesOfTheirPartitionAreCovered() throws Exception {
    Path p = Path.of("p");
    Path q = Path.of("q");
    Files.createDirectories(root.resolve(q));
    Files.createFile(Files.createDirectories(root.resolve(p)).resolve(namer.completedName(10, 20)));
    Files.createFile(root.resolve(p).resolve(namer.completedName(2, 5)));  // acknowledged long ago
    CoveredOffsets c = new CoveredOffsets(new FileLakeStore(root), namer, 8, 100);
    assertThat(c.covers(p, 10)).isTrue();
    assertThat(c.covers(p, 20)).isTrue();
    assertThat(c.covers(p, 21)).isFalse();
    assertThat(c.covers(p, 9)).isFalse();
    assertThat(c.covers(q, 15)).as("another partition").isFalse();
    assertThat(c.covers(Path.of("missing"), 15)).isFalse();
    assertThat(c.covers(p, 150)).as("past the horizon nothing is listed").isFalse();
  }

  @Test
  void listsEachPartitionOnceAndDeletesLeftoverTemporaryFiles() throws Exception {
    Path p = Path.of("p");
    Path tmp = Files.createFile(Files.createDirectories(root.resolve(p)).resolve(namer.temporaryName(21)));
    CoveredOffsets c = new CoveredOffsets(new FileLakeStore(root), namer, 0, 100);
    assertThat(c.covers(p, 21)).isFalse();
    assertThat(tmp).doesNotExist();
    Files.createFile(root.resolve(p).resolve(namer.completedName(21, 30)));  // written by this run after the listing
    assertThat(c.covers(p, 25)).isFalse();
  }

  @Test
  void filesBeyondTheHorizonAreIgnoredBecauseTheSpoolNeverWroteThoseOffsets() throws Exception {
    Path p = Path.of("p");
    Files.createFile(Files.createDirectories(root.resolve(p)).resolve(namer.completedName(0, 500)));
    CoveredOffsets c = new CoveredOffsets(new FileLakeStore(root), namer, 0, 100);
    assertThat(c.covers(p, 5)).isFalse();
  }
}
