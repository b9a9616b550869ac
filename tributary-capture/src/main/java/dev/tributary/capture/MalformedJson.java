package dev.tributary.capture;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A body that is not well-formed JSON, said in words with its line and column. Jackson's own
 * messages name its internals ({@code VALUE_STRING}, {@code [Source: REDACTED
 * (StreamReadFeature…}) where a client needs to know which bracket is not closed and where it
 * opened; the few messages that do are rewritten, the rest (already plain) are kept.
 */
final class MalformedJson {
  private static final String SOURCE = "\\[Source: [^\\]]*?; line: (\\d+), column: (\\d+)\\]";
  private static final Pattern NOT_CLOSED = Pattern.compile(
      "Unexpected end-of-input: expected close marker for (Object|Array) \\(start marker at " + SOURCE + "\\)");
  private static final Pattern WRONG_CLOSE = Pattern.compile(
      "Unexpected close marker '(.)': expected '(.)' \\(for (Object|Array) starting at " + SOURCE + "\\)");
  private static final Pattern ENDS_BETWEEN = Pattern.compile("Unexpected end-of-input within/between (Object|Array) entries");
  private static final Pattern ENDS_IN = Pattern.compile("Unexpected end-of-input in (VALUE_STRING|field name)");
  private static final Pattern ANY_SOURCE = Pattern.compile(SOURCE);

  private MalformedJson() {}

  /**
   * Refuses a body whose first bytes are those of UTF-16 or UTF-32 (a NUL among the first four, or
   * their byte-order mark). Jackson guesses the encoding of a byte array from these bytes, and a
   * wrong guess fails outside its error type; capture takes UTF-8 only, where such bytes are never
   * well-formed JSON.
   */
  static void requireUtf8(byte[] body, int length) throws Rejection {
    if (length >= 2 && ((body[0] & 0xFF) == 0xFE && (body[1] & 0xFF) == 0xFF || (body[0] & 0xFF) == 0xFF && (body[1] & 0xFF) == 0xFE)) {
      throw new Rejection(400, "malformed JSON: the body starts with a UTF-16 byte-order mark; send UTF-8");
    }
    for (int i = 0; i < Math.min(4, length); i++) {
      if (body[i] == 0) {
        throw new Rejection(400, "malformed JSON: byte " + i + " is NUL, not UTF-8 JSON (UTF-16 or UTF-32?); send UTF-8");
      }
    }
  }

  /**
   * The words for a number Jackson reads but cannot hold exactly, one whose exponent is past an int
   * ({@code 1e99999999999}); Jackson throws NumberFormatException for it, outside its error type.
   */
  static String numberOutOfRange(String number) {
    return "the number " + (number.length() <= 40 ? number : number.substring(0, 37) + "...") + " has an exponent out of range";
  }

  /** The 400 for a request body; the message says the line and column, and so does the reason for a one-line body. */
  static Rejection rejection(JsonProcessingException e) {
    JsonLocation at = e.getLocation();
    if (at == null) {
      String explained = explain(e.getOriginalMessage(), false);
      return new Rejection(400, "malformed JSON: " + explained, "malformed JSON: " + explained, Map.of(), 0);
    }
    String message = "malformed JSON at line " + at.getLineNr() + ", column " + at.getColumnNr() + ": " + explain(e.getOriginalMessage(), false);
    String reason = "malformed JSON at column " + at.getColumnNr() + ": " + explain(e.getOriginalMessage(), true);
    return new Rejection(400, message, reason, Map.of("line", at.getLineNr(), "column", at.getColumnNr()), 0);
  }

  /** Jackson's message in plain words; {@code oneLine} names columns only and speaks of the line, not the input. */
  static String explain(String jackson, boolean oneLine) {
    String end = oneLine ? "the line" : "the input";
    Matcher m = NOT_CLOSED.matcher(jackson);
    if (m.lookingAt()) {
      return "the " + noun(m.group(1)) + " that starts at " + where(m.group(2), m.group(3), oneLine) + " is not closed before the end of " + end;
    }
    m = WRONG_CLOSE.matcher(jackson);
    if (m.lookingAt()) {
      return "'" + m.group(1) + "' where '" + m.group(2) + "' should close the " + noun(m.group(3)) + " that starts at "
          + where(m.group(4), m.group(5), oneLine);
    }
    m = ENDS_BETWEEN.matcher(jackson);
    // Jackson says this after a ':' as well as after a ','
    if (m.lookingAt()) return end + " ends inside an " + noun(m.group(1)) + " that is not closed";
    m = ENDS_IN.matcher(jackson);
    if (m.lookingAt()) return end + " ends inside " + (m.group(1).equals("VALUE_STRING") ? "a string (no closing '\"')" : "a field name");
    m = ANY_SOURCE.matcher(jackson);
    StringBuilder plain = new StringBuilder();
    while (m.find()) m.appendReplacement(plain, Matcher.quoteReplacement(where(m.group(1), m.group(2), oneLine)));
    return m.appendTail(plain).toString();
  }

  private static String noun(String jacksonType) {
    return jacksonType.equals("Object") ? "object" : "array";
  }

  private static String where(String line, String column, boolean oneLine) {
    return oneLine ? "column " + column : "line " + line + ", column " + column;
  }
}
