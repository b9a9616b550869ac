package dev.tributary.lake;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.regions.providers.DefaultAwsRegionProviderChain;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CommonPrefix;
import software.amazon.awssdk.services.s3.model.CompletedMultipartUpload;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * A lake under {@code s3://bucket/prefix}, through the AWS SDK v2 with its standard credential
 * and region chains (region {@code us-east-1} when none is configured, as S3-compatible stores
 * expect). Temporary files are written in a local work directory; publishing uploads one with
 * {@code If-None-Match: *} (a single PUT up to {@value #MULTIPART_THRESHOLD} bytes, else a
 * multipart upload of {@value #PART_SIZE}-byte parts completed with that condition), so an object
 * already there is never replaced: S3 answers 412 and the local file is dropped. A store that
 * ignores the condition overwrites the object with the same bytes (see docs/lake.md). The work
 * directory is this store's alone: what a killed run left there is deleted when the store is
 * connected, and the whole directory when it is closed.
 */
final class S3LakeStore implements LakeStore, AutoCloseable {

  static final long MULTIPART_THRESHOLD = 16L << 20;
  static final int PART_SIZE = 16 << 20;
  private static final Logger log = LoggerFactory.getLogger(S3LakeStore.class);

  private final S3Client s3;
  private final long multipartThreshold;
  private final int partSize;
  private final String bucket;
  private final String prefix;  // "" or "a/b/"
  private final Path workDir;

  S3LakeStore(S3Client s3, String bucket, String prefix, Path workDir, long multipartThreshold, int partSize) {
    this.s3 = s3;
    this.multipartThreshold = multipartThreshold;
    this.partSize = partSize;
    this.bucket = bucket;
    this.prefix = prefix.isEmpty() || prefix.endsWith("/") ? prefix : prefix + "/";
    this.workDir = workDir;
  }

  /** Connects to {@code s3://bucket/prefix}; {@code endpoint} (nullable) overrides AWS's, e.g. for MinIO or S3Proxy. */
  static S3LakeStore connect(URI lake, URI endpoint, boolean pathStyle, Path workDir) throws IOException {
    return connect(lake, endpoint, pathStyle, workDir, MULTIPART_THRESHOLD, PART_SIZE);
  }

  /** As above, with the size from which files go up in parts of {@code partSize} (S3's minimum part is 5 MiB). */
  static S3LakeStore connect(URI lake, URI endpoint, boolean pathStyle, Path workDir, long multipartThreshold,
      int partSize) throws IOException {
    if (!"s3".equals(lake.getScheme()) || lake.getHost() == null) {
      throw new IllegalArgumentException("lake '" + lake + "' is not of the form s3://bucket[/prefix]");
    }
    var builder = S3Client.builder()
        .httpClient(UrlConnectionHttpClient.create())
        .region(region())
        .forcePathStyle(pathStyle)
        // S3-compatible stores reject the SDK's default trailing CRC checksums; send them only where S3 needs them
        .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
        .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED);
    if (endpoint != null) builder.endpointOverride(endpoint);
    String path = lake.getPath() == null ? "" : lake.getPath().replaceFirst("^/+", "");
    deleteTree(workDir);
    return new S3LakeStore(builder.build(), lake.getHost(), path, workDir, multipartThreshold, partSize);
  }

  private static Region region() {
    try {
      return new DefaultAwsRegionProviderChain().getRegion();
    } catch (SdkException e) {
      return Region.US_EAST_1;
    }
  }

  @Override public Path temporaryFile(Path dir, String tmpName) throws IOException {
    Path local = workDir.resolve(dir);
    Files.createDirectories(local);
    return local.resolve(tmpName);
  }

  @Override public boolean forcesTemporaryFiles() {
    return false; // a crash loses the local file either way; the upload is what makes it durable
  }

  @Override public boolean publish(Path tmp, Path dir, String name) throws IOException {
    String key = key(dir, name);
    try {
      long size = Files.size(tmp);
      if (size <= multipartThreshold) {
        s3.putObject(b -> b.bucket(bucket).key(key).ifNoneMatch("*"), RequestBody.fromFile(tmp));
      } else {
        uploadInParts(tmp, key, size);
      }
      return true;
    } catch (S3Exception e) {
      if (e.statusCode() == 412) return false; // there already
      // 409: another writer's conditional upload of the name is in flight; it may yet fail, so try again later
      throw new IOException("cannot upload " + describe(dir, name) + ": " + e.getMessage(), e);
    } catch (SdkException e) {
      throw new IOException("cannot upload " + describe(dir, name) + ": " + e.getMessage(), e);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  private void uploadInParts(Path tmp, String key, long size) throws IOException {
    String id = s3.createMultipartUpload(b -> b.bucket(bucket).key(key)).uploadId();
    try (InputStream in = Files.newInputStream(tmp)) {
      List<CompletedPart> parts = new ArrayList<>();
      byte[] buffer = new byte[partSize];
      for (int number = 1; (long) (number - 1) * partSize < size; number++) {
        int n = in.readNBytes(buffer, 0, partSize);
        int part = number;
        String etag = s3.uploadPart(b -> b.bucket(bucket).key(key).uploadId(id).partNumber(part),
            RequestBody.fromBytes(n == partSize ? buffer : java.util.Arrays.copyOf(buffer, n))).eTag();
        parts.add(CompletedPart.builder().partNumber(part).eTag(etag).build());
      }
      s3.completeMultipartUpload(b -> b.bucket(bucket).key(key).uploadId(id).ifNoneMatch("*")
          .multipartUpload(CompletedMultipartUpload.builder().parts(parts).build()));
    } catch (IOException | RuntimeException e) {
      try {
        s3.abortMultipartUpload(b -> b.bucket(bucket).key(key).uploadId(id));
      } catch (SdkException ignored) {
        // an incomplete upload costs storage until a bucket lifecycle rule removes it; it is never visible
      }
      throw e;
    }
  }

  @Override public List<String> list(Path dir) throws IOException {
    String dirPrefix = prefix + slashed(dir) + "/";
    List<String> names = new ArrayList<>();
    try {
      String token = null;
      do {
        ListObjectsV2Request.Builder req = ListObjectsV2Request.builder().bucket(bucket).prefix(dirPrefix).delimiter("/");
        if (token != null) req.continuationToken(token);
        ListObjectsV2Response page = s3.listObjectsV2(req.build());
        for (S3Object o : page.contents()) names.add(o.key().substring(dirPrefix.length()));
        token = page.isTruncated() ? page.nextContinuationToken() : null;
      } while (token != null);
    } catch (SdkException e) {
      throw new IOException("cannot list s3://" + bucket + "/" + dirPrefix + ": " + e.getMessage(), e);
    }
    return names;
  }

  @Override public List<String> directories(Path dir) throws IOException {
    String dirPrefix = prefix + slashed(dir) + "/";
    List<String> names = new ArrayList<>();
    try {
      for (ListObjectsV2Response page : s3.listObjectsV2Paginator(b -> b.bucket(bucket).prefix(dirPrefix).delimiter("/"))) {
        for (CommonPrefix p : page.commonPrefixes()) {
          names.add(p.prefix().substring(dirPrefix.length()).replaceFirst("/$", ""));
        }
      }
    } catch (SdkException e) {
      throw new IOException("cannot list s3://" + bucket + "/" + dirPrefix + ": " + e.getMessage(), e);
    }
    return names;
  }

  @Override public void read(Path dir, String name, LocalFileReader reader) throws IOException {
    Path local = temporaryFile(dir, "." + name + ".download");
    try {
      Files.deleteIfExists(local);
      s3.getObject(b -> b.bucket(bucket).key(key(dir, name)), local);
      reader.read(local);
    } catch (SdkException e) {
      throw new IOException("cannot download " + describe(dir, name) + ": " + e.getMessage(), e);
    } finally {
      Files.deleteIfExists(local);
    }
  }

  @Override public void deleteLeftover(Path dir, String name) throws IOException {
    Files.deleteIfExists(workDir.resolve(dir).resolve(name)); // temporary files never leave the work directory
  }

  @Override public String describe(Path dir, String name) {
    return "s3://" + bucket + "/" + key(dir, name);
  }

  private String key(Path dir, String name) {
    return prefix + slashed(dir) + "/" + name;
  }

  private static String slashed(Path relative) {
    return relative.toString().replace('\\', '/');
  }

  @Override public void close() {
    s3.close();
    try {
      deleteTree(workDir);
    } catch (IOException e) {
      log.warn("could not delete the lake's upload directory {}: {}", workDir, e.toString());
    }
  }

  private static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) return;
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path f : files.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(f);
    }
  }
}
