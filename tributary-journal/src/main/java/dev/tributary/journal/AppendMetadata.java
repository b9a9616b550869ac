package dev.tributary.journal;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;

/**
 * What an Append carries beside its events, in the record's payload: {@code expireAfter} (the
 * journal is purged that long after its last append, by {@link PurgeExpired}) and free JSON
 * {@code data}. Either may be null.
 */
public record AppendMetadata(Duration expireAfter, JsonNode data) {
  public static final AppendMetadata EMPTY = new AppendMetadata(null, null);

  public AppendMetadata {
    if (expireAfter != null && (expireAfter.isNegative() || expireAfter.isZero())) {
      throw new IllegalArgumentException("expireAfter must be positive, was " + expireAfter);
    }
  }

  public static AppendMetadata expireAfter(Duration expireAfter) {
    return new AppendMetadata(expireAfter, null);
  }
}
