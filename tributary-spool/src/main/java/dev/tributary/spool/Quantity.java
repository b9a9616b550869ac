package dev.tributary.spool;

/** A count with its noun in the right number for log lines and command output: "1 segment", "3 segments". */
public final class Quantity {
  private Quantity() {}

  /** For nouns whose plural adds an s. */
  public static String of(long count, String singular) {
    return of(count, singular, singular + "s");
  }

  public static String of(long count, String singular, String plural) {
    return count + " " + (count == 1 ? singular : plural);
  }
}
