package dev.tributary.lake;

import dev.tributary.testkit.S3Extension;
import java.nio.file.Path;

/** Where a Kafka sink test writes: a local directory, or a bucket of the test's S3 server read back through its files. */
enum SinkTarget {
  FILESYSTEM, S3;

  /** A lake location named {@code name}, fresh for each call with a new name. */
  Lake lake(Path tmp, S3Extension s3, String name) {
    return switch (this) {
      case FILESYSTEM -> new Lake(tmp.resolve(name).toString(), tmp.resolve(name), null);
      case S3 -> {
        s3.server().createBucket(name);
        yield new Lake("s3://" + name + "/lake", s3.server().bucketDir(name).resolve("lake"), s3);
      }
    };
  }

  /** {@code uri} for the sink, {@code files} where the published files can be read as local files. */
  record Lake(String uri, Path files, S3Extension s3) {
    KafkaSinkConfig configure(KafkaSinkConfig c) {
      return s3 == null ? c : c.withS3(s3.endpoint(), true);
    }

    Path table() {
      return files.resolve("events");
    }
  }
}
