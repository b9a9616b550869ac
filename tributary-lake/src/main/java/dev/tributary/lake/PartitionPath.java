package dev.tributary.lake;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.HexFormat;

/**
 * Where a record lands inside a table directory, as a directory relative to the lake root (the
 * root of a {@link LakeStore}) when the table directory is. Events go to the directory their type
 * and {@code received_at} (UTC) give in the {@link PathFormat} ({@code
 * event_type=<encoded type>/dt=<YYYY-MM-DD>/hour=<HH>} by default); records that cannot be placed
 * go to {@code _errors/dt=<YYYY-MM-DD>} (by their spool append time or Kafka timestamp) whatever
 * the format.
 *
 * <p>The event type comes from clients, so it is encoded, never trusted: every byte of its UTF-8
 * form outside {@code [A-Za-z0-9._-]} becomes {@code %XX} (upper-case hex), so {@code /}, {@code \},
 * NUL and {@code %} never reach the file system raw and two different types never share an
 * encoding. The values {@code .} and {@code ..} are encoded as {@code %2E} and {@code %2E%2E}. An
 * encoding longer than {@value #MAX_ENCODED} characters is cut (never inside a {@code %XX}) and
 * followed by {@code ~} and 16 hex digits of the SHA-256 of the type; {@code ~} never appears in
 * an uncut encoding, so a cut name cannot collide with an uncut one.
 */
final class PartitionPath {

  static final int MAX_ENCODED = 200;
  static final String ERRORS = "_errors";
  private static final int HASH_HEX = 16;

  private final Path tableDir;
  private final PathFormat format;
  /**
   * The last event's directory: events come in runs of one type and hour, and encoding and
   * rendering the path for each was a third of placing it. The hour is the format's finest unit.
   */
  private Last last;

  private record Last(String eventType, long hour, Path path) {}

  PartitionPath(Path tableDir) {
    this(tableDir, PathFormat.defaults());
  }

  PartitionPath(Path tableDir, PathFormat format) {
    this.tableDir = tableDir;
    this.format = format;
  }

  Path ofEvent(String eventType, Instant receivedAt) {
    long hour = Math.floorDiv(receivedAt.getEpochSecond(), 3600);
    Last last = this.last;
    if (last != null && last.hour == hour && last.eventType.equals(eventType)) return last.path;
    Path path = tableDir.resolve(format.render(encode(eventType), LocalDateTime.ofInstant(receivedAt, ZoneOffset.UTC)));
    this.last = new Last(eventType, hour, path);
    return path;
  }

  Path ofError(long appendedAtMillis) {
    LocalDateTime t = LocalDateTime.ofInstant(Instant.ofEpochMilli(appendedAtMillis), ZoneOffset.UTC);
    return tableDir.resolve(ERRORS).resolve("dt=" + t.toLocalDate());
  }

  static String encode(String eventType) {
    if (eventType.equals(".")) return "%2E";
    if (eventType.equals("..")) return "%2E%2E";
    byte[] utf8 = eventType.getBytes(StandardCharsets.UTF_8);
    StringBuilder out = new StringBuilder(utf8.length);
    int cut = -1;
    for (byte b : utf8) {
      int c = b & 0xff;
      int before = out.length();
      if (isSafe(c)) out.append((char) c);
      else out.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
          .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
      if (cut < 0 && out.length() > MAX_ENCODED - HASH_HEX - 1) cut = before;
    }
    if (out.length() <= MAX_ENCODED) return out.toString();
    return out.substring(0, cut) + "~" + sha256Hex(utf8).substring(0, HASH_HEX);
  }

  private static boolean isSafe(int c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
        || c == '.' || c == '_' || c == '-';
  }

  private static String sha256Hex(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }
}
