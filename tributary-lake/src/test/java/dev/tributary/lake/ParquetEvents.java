package dev.tributary.lake;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Enriched events of many shapes, and files of them in both lake formats, for the Parquet tests. */
final class ParquetEvents {

  private static final Instant T0 = Instant.parse("2026-11-23T17:00:00.123Z");
  private static final String[] WORDS = {"alpha", "beta", "gamma", "delta", "caf\u00e9", "\u6771\u4eac", "\ud83d\ude80",
      "pricing", "checkout", "signup", "say \\\"hi\\\"", "tab\\tnew\\nline", "back\\\\slash"};

  private ParquetEvents() {}

  /**
   * Event {@code i}: every few have no distinct_id, no timestamp or a junk one, nested objects,
   * arrays, exact decimals, booleans, nulls, unicode and escapes. Each string field's JSON is
   * written by hand so that the bytes are exactly what capture would store.
   */
  static String json(Random random, int i, int padTo) {
    StringBuilder b = new StringBuilder(padTo + 200);
    b.append("{\"event\":\"").append(i % 7 == 0 ? "caf\u00e9 \\\"view\\\"" : "type_" + (i % 5)).append('"');
    if (i % 3 != 0) b.append(",\"distinct_id\":\"u").append(random.nextInt(1000)).append('"');
    switch (i % 4) {
      case 0 -> b.append(",\"timestamp\":\"2026-11-23T16:59:").append(10 + i % 50).append(".000Z\"");
      case 1 -> b.append(",\"timestamp\":\"yesterday \\ud83d\\ude80\"");
      case 2 -> { }
      default -> b.append(",\"timestamp\":\"2026-13-45\"");
    }
    b.append(",\"word\":\"").append(word(random)).append('"');
    b.append(",\"price\":").append(random.nextInt(100)).append('.').append(random.nextInt(9)).append('0');
    b.append(",\"n\":").append(i);
    if (i % 2 == 0) b.append(",\"ok\":").append(random.nextBoolean());
    if (i % 5 == 0) b.append(",\"gone\":null");
    if (i % 3 == 1) {
      b.append(",\"ctx\":{\"page\":{\"path\":\"/").append(word(random)).append("\",\"depth\":").append(i % 9)
          .append("},\"list\":[1,\"two\",{\"three\":3.0}]}");
    }
    if (i % 4 == 2) b.append(",\"tags\":[\"").append(word(random)).append("\",\"").append(word(random)).append("\"]");
    // the same few keys in every event, as a real event type has (DuckDB's read_json makes a
    // MAP of objects with too many distinct keys)
    for (int k = 0; b.length() < padTo; k++) b.append(",\"text").append(k).append("\":\"")
        .append(word(random)).append(' ').append(word(random)).append(' ').append(random.nextInt(100_000)).append('"');
    Instant at = T0.plusMillis(i * 37L);
    b.append(",\"received_at\":\"").append(Events.RECEIVED_AT.format(at)).append("\",\"app\":\"web\"");
    b.append(",\"event_id\":\"id-").append(i).append("\"}");
    return b.toString();
  }

  private static String word(Random random) {
    return WORDS[random.nextInt(WORDS.length)];
  }

  static List<byte[]> events(long seed, int count, int padTo) {
    Random random = new Random(seed);
    List<byte[]> events = new ArrayList<>(count);
    for (int i = 0; i < count; i++) events.add(json(random, i, padTo).getBytes(StandardCharsets.UTF_8));
    return events;
  }

  static void writeParquet(Path file, Iterable<byte[]> events, long rowGroupBytes) throws IOException {
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.TRUNCATE_EXISTING)) {
      ParquetEncoder encoder = ParquetEncoder.open(channel, rowGroupBytes);
      for (byte[] event : events) encoder.append(event);
      encoder.finish();
    }
  }

  static void writeNdjson(Path file, Iterable<byte[]> events) throws IOException {
    try (var out = new java.io.BufferedOutputStream(Files.newOutputStream(file))) {
      for (byte[] event : events) {
        out.write(event);
        out.write('\n');
      }
    }
  }
}
