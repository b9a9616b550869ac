package dev.tributary.lake;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Names of lake files, derived from the source offsets they hold so that a directory listing
 * says which records are already in completed files.
 *
 * <pre>
 * completed:  &lt;prefix&gt;-&lt;first offset, 20 digits&gt;-&lt;last offset, 20 digits&gt;.ndjson.gz
 * being written:  .&lt;prefix&gt;-&lt;first offset, 20 digits&gt;.ndjson.gz.tmp
 * </pre>
 *
 * A completed file holds every record of its partition whose offset lies in [first, last] and
 * that the sink did not drop as a duplicate. The spool sink uses the prefix {@code part}; a sink
 * reading several sources (Kafka partitions) gives each source its own prefix, e.g.
 * {@code events+3}. Prefixes are made of {@code [A-Za-z0-9._+]} only.
 */
final class LakeFileNamer {

  static final String EXTENSION = ".ndjson.gz";
  static final String TMP_SUFFIX = ".tmp";

  private final String prefix;
  private final Pattern completed;

  LakeFileNamer(String prefix) {
    if (!prefix.matches("[A-Za-z0-9._+]+")) throw new IllegalArgumentException("bad file prefix: " + prefix);
    this.prefix = prefix;
    this.completed = Pattern.compile(Pattern.quote(prefix) + "-(\\d{20})-(\\d{20})" + Pattern.quote(EXTENSION));
  }

  String completedName(long first, long last) {
    return String.format("%s-%020d-%020d%s", prefix, first, last, EXTENSION);
  }

  String temporaryName(long first) {
    return String.format(".%s-%020d%s%s", prefix, first, EXTENSION, TMP_SUFFIX);
  }

  boolean isTemporary(String fileName) {
    return fileName.startsWith("." + prefix + "-") && fileName.endsWith(EXTENSION + TMP_SUFFIX);
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
