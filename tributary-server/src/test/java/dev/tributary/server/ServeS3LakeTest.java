package dev.tributary.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tributary.testkit.S3Extension;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** {@code serve --lake s3://... --format parquet} as a user runs it: an event over HTTP, SIGTERM, and the event in the bucket. */
class ServeS3LakeTest {
  @RegisterExtension static final S3Extension s3 = new S3Extension();
  @TempDir Path dir;

  @Test
  void anEventPostedOverHttpIsAParquetRowInTheBucketAfterSigterm() throws Exception {
    s3.server().createBucket("serve-lake");
    Path data = dir.resolve("data");
    try (ServeProcess server = ServeProcess.start(dir.resolve("serve.log"), S3Extension.childEnvironment(), "serve",
        "--port", "0", "--data-dir", data.toString(), "--lake", "s3://serve-lake/tracking", "--format", "parquet",
        "--s3-endpoint", s3.endpoint().toString())) {
      int port = server.awaitListening();
      HttpResponse<String> posted = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
              URI.create("http://127.0.0.1:" + port + "/v1/events")).header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString("{\"event\":\"signup\",\"event_id\":\"e-1\",\"plan\":\"pro\"}")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(posted.statusCode()).as(posted.body()).isBetween(200, 299);
      assertThat(server.terminate(Duration.ofSeconds(60))).as("exit code after SIGTERM").isZero();
      assertThat(server.output()).contains("lake s3://serve-lake/tracking as parquet (S3 endpoint " + s3.endpoint(),
          "drained");
    }
    Path table = s3.server().bucketDir("serve-lake").resolve("tracking/events");
    try (Connection db = DriverManager.getConnection("jdbc:duckdb:");
         ResultSet rs = db.createStatement().executeQuery("SELECT event_type, event_id, properties['plan'], count(*) OVER ()"
             + " FROM read_parquet('" + table + "/event_type=*/*/*/*.parquet', hive_partitioning = true)")) {
      assertThat(rs.next()).as("a row in the bucket").isTrue();
      assertThat(rs.getString(1)).isEqualTo("signup");
      assertThat(rs.getString(2)).isEqualTo("e-1");
      assertThat(rs.getString(3)).isEqualTo("pro");
      assertThat(rs.getLong(4)).isEqualTo(1);
    }
    assertThat(data.resolve("lake")).as("no local lake").doesNotExist();
    assertThat(data.resolve("lake-uploads")).as("the upload directory, at exit").doesNotExist();
  }
}
