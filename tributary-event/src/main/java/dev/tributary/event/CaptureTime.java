package dev.tributary.event;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;

/**
 * The form capture writes every time in ({@code received_at} too): {@code yyyy-MM-ddTHH:mm:ss.SSSZ},
 * 24 ASCII bytes, UTC, milliseconds. Readers meet it on every record, so it is parsed straight
 * from its bytes; any other ISO-8601 instant goes through {@link Instant#parse}.
 */
public final class CaptureTime {
  /** What {@link #millis} gives for text that is not an ISO-8601 instant. */
  public static final long NONE = Long.MIN_VALUE;

  private static final DateTimeFormatter FORM =
      DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);
  private static final int[] DAYS = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

  private CaptureTime() {}

  /** Capture's form of {@code instant}; capture calls this for every request, so years 1970 to 9999 skip the formatter. */
  public static String format(Instant instant) {
    long millis = instant.toEpochMilli();
    if (millis < 0 || millis >= LAST_FAST_MILLIS) return FORM.format(instant);
    long days = millis / 86_400_000L;
    int ofDay = (int) (millis % 86_400_000L);
    byte[] b = new byte[24];
    civil(days, b);
    b[4] = '-';
    b[7] = '-';
    b[10] = 'T';
    put(b, 11, 2, ofDay / 3_600_000);
    b[13] = ':';
    put(b, 14, 2, ofDay / 60_000 % 60);
    b[16] = ':';
    put(b, 17, 2, ofDay / 1000 % 60);
    b[19] = '.';
    put(b, 20, 3, ofDay % 1000);
    b[23] = 'Z';
    return new String(b, StandardCharsets.ISO_8859_1);
  }

  /** 10000-01-01T00:00:00.000Z: later years take five digits, which only the formatter writes. */
  private static final long LAST_FAST_MILLIS = 253_402_300_800_000L;

  /** Writes the year, month and day of an epoch day from 1970 on (H. Hinnant's civil_from_days) into {@code b[0, 10)}. */
  private static void civil(long epochDay, byte[] b) {
    long z = epochDay + 719_468;
    long era = z / 146_097;
    int doe = (int) (z - era * 146_097);
    int yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    int doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int mp = (5 * doy + 2) / 153;
    int day = doy - (153 * mp + 2) / 5 + 1;
    int month = mp < 10 ? mp + 3 : mp - 9;
    long year = yoe + era * 400 + (month <= 2 ? 1 : 0);
    put(b, 0, 4, (int) year);
    put(b, 5, 2, month);
    put(b, 8, 2, day);
  }

  private static void put(byte[] b, int at, int count, int value) {
    for (int i = at + count - 1; i >= at; i--) {
      b[i] = (byte) ('0' + value % 10);
      value /= 10;
    }
  }

  /** Epoch milliseconds of an ISO-8601 instant (sub-millisecond digits dropped), or {@link #NONE}. */
  public static long millis(byte[] text) {
    long fast = capturedForm(text);
    return fast >= 0 ? fast : slow(new String(text, StandardCharsets.UTF_8));
  }

  /** As {@link #millis(byte[])}. */
  public static long millis(String text) {
    long fast = text.length() == 24 ? capturedForm(text.getBytes(StandardCharsets.UTF_8)) : -1;
    return fast >= 0 ? fast : slow(text);
  }

  private static long slow(String text) {
    try {
      return Instant.parse(text).toEpochMilli();
    } catch (DateTimeParseException | ArithmeticException e) {
      return NONE;
    }
  }

  /** -1 when not exactly capture's form with valid fields from 1970 on (the slow path then decides). */
  private static long capturedForm(byte[] b) {
    if (b.length != 24 || b[4] != '-' || b[7] != '-' || b[10] != 'T' || b[13] != ':' || b[16] != ':' || b[19] != '.' || b[23] != 'Z') {
      return -1;
    }
    int year = digits(b, 0, 4), month = digits(b, 5, 2), day = digits(b, 8, 2);
    int hour = digits(b, 11, 2), minute = digits(b, 14, 2), second = digits(b, 17, 2), milli = digits(b, 20, 3);
    if ((month | day | hour | minute | second | milli) < 0) return -1;  // a non-digit
    if (year < 1970 || month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return -1;
    boolean leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    if (day > DAYS[month - 1] + (month == 2 && leap ? 1 : 0)) return -1;
    long seconds = epochDay(year, month, day) * 86_400L + hour * 3_600L + minute * 60L + second;
    return seconds * 1000 + milli;
  }

  private static int digits(byte[] b, int from, int count) {
    int n = 0;
    for (int i = from; i < from + count; i++) {
      int d = b[i] - '0';
      if (d < 0 || d > 9) return Integer.MIN_VALUE;
      n = n * 10 + d;
    }
    return n;
  }

  /** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil), for years from 1970. */
  private static long epochDay(int year, int month, int day) {
    int y = month <= 2 ? year - 1 : year;
    int era = y / 400;
    int yoe = y - era * 400;
    int doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
    int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146_097L + doe - 719_468;
  }
}
