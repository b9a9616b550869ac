package dev.tributary.lake;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tributary.testkit.S3Extension;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Publishing to a directory and to a real S3 server: never replacing a name, listing, large files in parts. */
class LakeStoreTest {

  @RegisterExtension static final S3Extension s3 = new S3Extension();
  private static final AtomicInteger buckets = new AtomicInteger();
  /** S3's smallest part: files above it go up in parts (16 MiB in production; smaller here to keep the test short). */
  private static final int PART = 5 << 20;
  private static final Path DIR = Path.of("events/event_type=a/dt=2026-11-23/hour=14");

  @TempDir Path tmp;

  private LakeStore store(SinkTarget target) throws java.io.IOException {
    return switch (target) {
      case FILESYSTEM -> new FileLakeStore(tmp.resolve("lake"));
      case S3 -> {
        String bucket = "store-" + buckets.incrementAndGet();
        s3.server().createBucket(bucket);
        yield S3LakeStore.connect(URI.create("s3://" + bucket + "/lake"), s3.endpoint(), true, tmp.resolve("work"),
            PART, PART);
      }
    };
  }

  private static Path write(LakeStore store, String tmpName, byte[] bytes) throws Exception {
    Path file = store.temporaryFile(DIR, tmpName);
    Files.write(file, bytes);
    return file;
  }

  @ParameterizedTest
  @EnumSource(SinkTarget.class)
  void aPublishedNameIsNeverReplacedAndListsOnce(SinkTarget target) throws Exception {
    LakeStore store = store(target);
    assertThat(store.list(DIR)).isEmpty();
    Path first = write(store, ".x-1.tmp", "first".getBytes());
    assertThat(store.publish(first, DIR, "x-1-2.ndjson.gz")).isTrue();
    Path second = write(store, ".x-1.other.tmp", "second".getBytes());
    assertThat(store.publish(second, DIR, "x-1-2.ndjson.gz")).as("a zombie's or a replay's copy").isFalse();
    assertThat(first).doesNotExist();
    assertThat(second).doesNotExist();
    assertThat(store.list(DIR)).containsExactly("x-1-2.ndjson.gz");
    assertThat(read(target, store, "x-1-2.ndjson.gz")).isEqualTo("first".getBytes());
  }

  @ParameterizedTest
  @EnumSource(SinkTarget.class)
  void aFileAboveTheMultipartThresholdArrivesWhole(SinkTarget target) throws Exception {
    LakeStore store = store(target);
    byte[] big = new byte[PART + 1234];
    new Random(7).nextBytes(big);
    assertThat(store.publish(write(store, ".big.tmp", big), DIR, "big-1-1.parquet")).isTrue();
    assertThat(read(target, store, "big-1-1.parquet")).isEqualTo(big);
    assertThat(store.publish(write(store, ".big2.tmp", big), DIR, "big-1-1.parquet")).isFalse();
  }

  @ParameterizedTest
  @EnumSource(SinkTarget.class)
  void directoriesAndPublishedFilesReadBackThroughTheStore(SinkTarget target) throws Exception {
    LakeStore store = store(target);
    assertThat(store.directories(Path.of("events"))).isEmpty();
    store.publish(write(store, ".x-1.tmp", "one".getBytes()), DIR, "x-1-1.ndjson.gz");
    Path other = store.temporaryFile(DIR.resolveSibling("hour=15"), ".y-1.tmp");
    Files.write(other, "two".getBytes());
    store.publish(other, DIR.resolveSibling("hour=15"), "y-1-1.ndjson.gz");
    assertThat(store.directories(Path.of("events"))).containsExactly("event_type=a");
    assertThat(store.directories(DIR.getParent())).containsExactlyInAnyOrder("hour=14", "hour=15");
    List<byte[]> seen = new ArrayList<>();
    store.read(DIR, "x-1-1.ndjson.gz", local -> seen.add(Files.readAllBytes(local)));
    assertThat(seen).containsExactly("one".getBytes());
    store.close();
    if (target == SinkTarget.S3) assertThat(tmp.resolve("work")).as("the upload directory, at close").doesNotExist();
  }

  private byte[] read(SinkTarget target, LakeStore store, String name) throws Exception {
    String where = store.describe(DIR, name);
    Path file = target == SinkTarget.FILESYSTEM ? Path.of(where)
        : s3.server().bucketDir(URI.create(where).getHost()).resolve(URI.create(where).getPath().substring(1));
    return Files.readAllBytes(file);
  }

  @org.junit.jupiter.api.Test
  void aDirectoryIsRelativeToTheRootAndAnAbsoluteOneIsRefused() throws Exception {
    FileLakeStore store = new FileLakeStore(tmp.resolve("lake"));
    assertThat(store.temporaryFile(DIR, ".x.tmp")).isEqualTo(tmp.resolve("lake").resolve(DIR).resolve(".x.tmp"));
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> store.list(tmp.resolve("lake").resolve(DIR)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("must be relative to " + tmp.resolve("lake"));
  }
}
