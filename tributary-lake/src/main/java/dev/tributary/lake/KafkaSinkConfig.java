package dev.tributary.lake;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * What {@code tributary sink} reads and where it writes.
 *
 * @param bootstrap Kafka bootstrap servers
 * @param topics topic names, comma-separated, or {@code /regex/}
 * @param group the consumer group; members of one group share the partitions
 * @param lake a directory, or {@code s3://bucket/prefix}
 * @param format the file format
 * @param maxFileAge a file is completed once its records span this much {@code received_at}, or it has been
 *     open this long by the wall clock (at most one hour)
 * @param maxFileBytes a file is completed once it holds this many uncompressed bytes
 * @param maxFileRecords a file is completed once it holds this many records
 * @param s3Endpoint an S3-compatible endpoint instead of AWS's, or null
 * @param pathStyle address buckets as {@code endpoint/bucket} rather than {@code bucket.endpoint}
 * @param consumerProperties extra Kafka consumer properties (security, timeouts), over the sink's own
 * @param pathFormat the layout of the event partitions under {@code events/}
 */
public record KafkaSinkConfig(String bootstrap, String topics, String group, String lake, LakeFormat format,
                              Duration maxFileAge, long maxFileBytes, int maxFileRecords, URI s3Endpoint,
                              boolean pathStyle, Map<String, String> consumerProperties, PathFormat pathFormat) {

  public static final String DEFAULT_GROUP = "tributary-sink";
  public static final Duration DEFAULT_MAX_FILE_AGE = Duration.ofMinutes(5);
  public static final Duration MAX_FILE_AGE_LIMIT = Duration.ofHours(1);
  public static final long DEFAULT_MAX_FILE_BYTES = 128L << 20;
  public static final int DEFAULT_MAX_FILE_RECORDS = 10_000_000;
  static final String TABLE = LakeConfig.DEFAULT_TABLE;

  public KafkaSinkConfig {
    consumerProperties = Map.copyOf(consumerProperties);
    if (pathFormat == null) throw new IllegalArgumentException("a path format is required");
    if (bootstrap == null || bootstrap.isBlank()) throw new IllegalArgumentException("Kafka bootstrap servers are required");
    if (topics == null || topics.isBlank()) throw new IllegalArgumentException("topics are required: names, comma-separated, or /regex/");
    topicPattern(topics); // fails early on a bad regex
    if (group == null || group.isBlank()) throw new IllegalArgumentException("a consumer group is required");
    new LakeTarget(lake, format, s3Endpoint, pathStyle); // fails early on a malformed lake
    if (maxFileAge.isNegative() || maxFileAge.isZero() || maxFileAge.compareTo(MAX_FILE_AGE_LIMIT) > 0) {
      throw new IllegalArgumentException("max file age must be above 0 and at most 1h, got " + maxFileAge);
    }
    if (maxFileBytes < 1) throw new IllegalArgumentException("max file bytes must be positive, got " + maxFileBytes);
    if (maxFileRecords < 1) throw new IllegalArgumentException("max file records must be positive, got " + maxFileRecords);
  }

  /** The defaults for everything but where to read and write. */
  public static KafkaSinkConfig of(String bootstrap, String topics, String lake) {
    return new KafkaSinkConfig(bootstrap, topics, DEFAULT_GROUP, lake, LakeFormat.NDJSON_GZIP, DEFAULT_MAX_FILE_AGE,
        DEFAULT_MAX_FILE_BYTES, DEFAULT_MAX_FILE_RECORDS, null, false, Map.of(), PathFormat.defaults());
  }

  public KafkaSinkConfig withGroup(String g) {
    return new KafkaSinkConfig(bootstrap, topics, g, lake, format, maxFileAge, maxFileBytes, maxFileRecords, s3Endpoint, pathStyle, consumerProperties, pathFormat);
  }

  public KafkaSinkConfig withFormat(LakeFormat f) {
    return new KafkaSinkConfig(bootstrap, topics, group, lake, f, maxFileAge, maxFileBytes, maxFileRecords, s3Endpoint, pathStyle, consumerProperties, pathFormat);
  }

  public KafkaSinkConfig withRolls(Duration age, long bytes, int records) {
    return new KafkaSinkConfig(bootstrap, topics, group, lake, format, age, bytes, records, s3Endpoint, pathStyle, consumerProperties, pathFormat);
  }

  /** The lake, its format and S3 endpoint of {@code t}. */
  public KafkaSinkConfig withTarget(LakeTarget t) {
    return new KafkaSinkConfig(bootstrap, topics, group, t.location(), t.format(), maxFileAge, maxFileBytes, maxFileRecords, t.s3Endpoint(), t.pathStyle(), consumerProperties, pathFormat);
  }

  public KafkaSinkConfig withS3(URI endpoint, boolean pathStyleAccess) {
    return new KafkaSinkConfig(bootstrap, topics, group, lake, format, maxFileAge, maxFileBytes, maxFileRecords, endpoint, pathStyleAccess, consumerProperties, pathFormat);
  }

  public KafkaSinkConfig withConsumerProperties(Map<String, String> props) {
    return new KafkaSinkConfig(bootstrap, topics, group, lake, format, maxFileAge, maxFileBytes, maxFileRecords, s3Endpoint, pathStyle, props, pathFormat);
  }

  public KafkaSinkConfig withPathFormat(PathFormat f) {
    return new KafkaSinkConfig(bootstrap, topics, group, lake, format, maxFileAge, maxFileBytes, maxFileRecords, s3Endpoint, pathStyle, consumerProperties, f);
  }

  /** Where and how the sink writes. */
  public LakeTarget target() {
    return new LakeTarget(lake, format, s3Endpoint, pathStyle);
  }

  /** The pattern of {@code /regex/}, or null for a list of names. */
  static Pattern topicPattern(String topics) {
    String t = topics.trim();
    if (t.length() >= 2 && t.startsWith("/") && t.endsWith("/")) {
      try {
        return Pattern.compile(t.substring(1, t.length() - 1));
      } catch (java.util.regex.PatternSyntaxException e) {
        throw new IllegalArgumentException("topics pattern " + t + " is not a valid regex: " + e.getDescription());
      }
    }
    return null;
  }
}
