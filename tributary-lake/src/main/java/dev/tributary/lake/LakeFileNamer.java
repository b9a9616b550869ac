package dev.tributary.lake;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Names of lake files, derived from the source offsets they hold so that a directory listing
 * says which records are already in completed files.
 *
 * <pre>
 * completed:  &lt;prefix&gt;-&lt;first offset, 20 digits&gt;-&lt;last offset, 20 digits&gt;&lt;extension&gt;
 * being written:  .&lt;prefix&gt;-&lt;first offset, 20 digits&gt;&lt;extension&gt;[.&lt;writer token&gt;].tmp
 * </pre>
 *
 * The extension is the format's ({@code .ndjson.gz}, {@code .ndjson.zst}, {@code .parquet}).
 * A writer that may share the lake with another writer of the same source (Kafka members) puts
 * a random token in its temporary names, so it never publishes a file another one is writing.
 *
 * A completed file holds every record of its partition whose offset lies in [first, last] and
 * that the sink did not drop as a duplicate. The spool sink uses the prefix {@code part}; a sink
 * reading several sources (Kafka partitions) gives each source its own prefix, e.g.
 * {@code events+3}. Prefixes are made of {@code [A-Za-z0-9._+-]} only; a {@code +} before the
 * partition keeps the prefixes of two topics apart ({@code a+1} against {@code a-b+1}).
 */
final class LakeFileNamer {

  static final String TMP_SUFFIX = ".tmp";

  /** Completed files of any format: offsets are covered whatever the format of the file covering them. */
  private static final String ANY_EXTENSION = "(?:" + java.util.Arrays.stream(LakeFormat.values())
      .map(f -> Pattern.quote(f.extension())).collect(java.util.stream.Collectors.joining("|")) + ")";

  private final String prefix;
  private final String extension;
  private final String token;
  private final Pattern completed;

  LakeFileNamer(String prefix, LakeFormat format, String token) {
    if (!prefix.matches("[A-Za-z0-9._+-]+")) throw new IllegalArgumentException("bad file prefix: " + prefix);
    if (!token.matches("[a-z0-9]*")) throw new IllegalArgumentException("bad writer token: " + token);
    this.prefix = prefix;
    this.extension = format.extension();
    this.token = token.isEmpty() ? "" : "." + token;
    this.completed = Pattern.compile(Pattern.quote(prefix) + "-(\\d{20})-(\\d{20})" + ANY_EXTENSION);
  }

  /** The same prefix and token, for files of {@code format}. */
  LakeFileNamer withFormat(LakeFormat format) {
    return new LakeFileNamer(prefix, format, token.isEmpty() ? "" : token.substring(1));
  }

  String completedName(long first, long last) {
    return String.format("%s-%020d-%020d%s", prefix, first, last, extension);
  }

  String temporaryName(long first) {
    return String.format(".%s-%020d%s%s%s", prefix, first, extension, token, TMP_SUFFIX);
  }

  boolean isTemporary(String fileName) {
    return fileName.startsWith("." + prefix + "-") && fileName.endsWith(TMP_SUFFIX);
  }

  /** The offsets a completed file of this namer covers; empty for any other name. */
  Optional<OffsetRange> coveredRange(String fileName) {
    Matcher m = completed.matcher(fileName);
    if (!m.matches()) return Optional.empty();
    try {
      return Optional.of(new OffsetRange(Long.parseLong(m.group(1)), Long.parseLong(m.group(2))));
    } catch (NumberFormatException beyondLongRange) {
      return Optional.empty();
    }
  }

  /** Source offsets {@code first..last}, both included. */
  record OffsetRange(long first, long last) {
    boolean contains(long offset) {
      return offset >= first && offset <= last;
    }
  }
}
