package dev.tributary.http;

import java.util.List;
import java.util.regex.Pattern;

/**
 * What an app may do on the bus: per operation, patterns of the categories it may touch. A
 * pattern is a category name in which {@code *} stands for any run of characters, so
 * {@code orders.*} matches {@code orders.eu} and {@code *} matches every category.
 */
public record BusRights(List<String> write, List<String> read, List<String> ack) {

  /** Letters, digits, '_', '.', '-' as in category names, plus '*'. */
  static final Pattern PATTERN = Pattern.compile("[A-Za-z0-9_.*-]{1,128}");

  /** The bus operations that rights name. */
  public enum Operation { WRITE, READ, ACK }

  public BusRights {
    write = List.copyOf(write);
    read = List.copyOf(read);
    ack = List.copyOf(ack);
  }

  /** Whether {@code category} matches one of the patterns given for {@code operation}. */
  public boolean allows(Operation operation, String category) {
    List<String> patterns = switch (operation) {
      case WRITE -> write;
      case READ -> read;
      case ACK -> ack;
    };
    return patterns.stream().anyMatch(p -> matches(p, category));
  }

  /** Whether {@code category} matches a pattern of any operation: the app may know it exists. */
  public boolean allowsAny(String category) {
    for (Operation operation : Operation.values()) if (allows(operation, category)) return true;
    return false;
  }

  /** Glob matching with '*' only, iterative with one backtrack point: linear-ish, no regex built from input. */
  static boolean matches(String pattern, String name) {
    int p = 0, n = 0, star = -1, resume = 0;
    while (n < name.length()) {
      if (p < pattern.length() && pattern.charAt(p) == '*') {
        star = p++;
        resume = n;
      } else if (p < pattern.length() && pattern.charAt(p) == name.charAt(n)) {
        p++;
        n++;
      } else if (star >= 0) {
        p = star + 1;
        n = ++resume;
      } else {
        return false;
      }
    }
    while (p < pattern.length() && pattern.charAt(p) == '*') p++;
    return p == pattern.length();
  }
}
