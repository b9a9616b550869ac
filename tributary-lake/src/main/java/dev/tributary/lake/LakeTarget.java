package dev.tributary.lake;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where the lake is and in which format its files are written: a local (or mounted) directory,
 * or {@code s3://bucket[/prefix]} on AWS or on an S3-compatible server at {@code s3Endpoint}.
 * Both sinks open their store from this, so a lake location means the same to each.
 *
 * @param location a directory (kept absolute), or {@code s3://bucket[/prefix]}
 * @param format the format of event files ({@code _errors} is always gzip NDJSON)
 * @param s3Endpoint an S3-compatible endpoint instead of AWS's, or null
 * @param pathStyle address buckets as {@code endpoint/bucket} rather than {@code bucket.endpoint}
 */
public record LakeTarget(String location, LakeFormat format, URI s3Endpoint, boolean pathStyle) {

  public LakeTarget {
    if (location == null || location.isBlank()) {
      throw new IllegalArgumentException("a lake (directory or s3://bucket/prefix) is required");
    }
    location = isS3(location) ? checkS3(location) : Path.of(location).toAbsolutePath().normalize().toString();
  }

  /** A gzip NDJSON lake in {@code dir}. */
  public static LakeTarget directory(Path dir) {
    return new LakeTarget(dir.toString(), LakeFormat.NDJSON_GZIP, null, false);
  }

  public LakeTarget withFormat(LakeFormat f) {
    return new LakeTarget(location, f, s3Endpoint, pathStyle);
  }

  public LakeTarget withS3(URI endpoint, boolean pathStyleAccess) {
    return new LakeTarget(location, format, endpoint, pathStyleAccess);
  }

  public boolean isS3() {
    return isS3(location);
  }

  /**
   * Refuses a malformed {@code s3://} location, with what is wrong: a missing bucket, a bucket name
   * S3 would refuse, a query or fragment. Returns it unchanged.
   */
  public static String checkS3(String location) {
    URI uri;
    try {
      uri = new URI(location);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("lake '" + location + "' is not a valid URL: " + e.getReason());
    }
    String bucket = uri.getHost();
    if (bucket == null || !bucket.matches("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")) {
      throw new IllegalArgumentException("lake '" + location + "' must be s3://bucket[/prefix] with a bucket name of "
          + "3-63 lower-case letters, digits, dots and hyphens");
    }
    if (uri.getPort() != -1 || uri.getUserInfo() != null || uri.getQuery() != null || uri.getFragment() != null) {
      throw new IllegalArgumentException("lake '" + location + "' must be s3://bucket[/prefix], without port, user, "
          + "query or fragment (an S3-compatible server is given with --s3-endpoint)");
    }
    return location;
  }

  private static boolean isS3(String location) {
    return location.startsWith("s3://");
  }

  /**
   * Opens the store. {@code uploadDir} (S3 only) is where files are written before they are
   * uploaded; it belongs to this store (emptied now, deleted at close), null for a new temporary one.
   */
  LakeStore open(Path uploadDir) throws IOException {
    if (!isS3()) {
      Path root = Path.of(location);
      Files.createDirectories(root);
      return new FileLakeStore(root);
    }
    Path work = uploadDir != null ? uploadDir : Files.createTempDirectory("tributary-lake-");
    return S3LakeStore.connect(URI.create(location), s3Endpoint, pathStyle, work);
  }

  /** For logs: the absolute directory or the s3:// URL, with the format and, if any, the endpoint. */
  public String describe() {
    return describe(location);
  }

  /** As {@link #describe()}, for the table directory {@code table} under the root. */
  String describeTable(String table) {
    return describe(location + "/" + table);
  }

  private String describe(String where) {
    return where + " as " + format.option() + (s3Endpoint == null ? "" : " (S3 endpoint " + s3Endpoint + ")");
  }
}
