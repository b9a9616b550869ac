package dev.tributary.event;

import java.util.ArrayList;
import java.util.List;

/** The string literals and text blocks of a Java source, as written (escapes kept), with their first line; comments skipped. */
final class JavaLiterals {
  record Literal(int line, String text, boolean textBlock) {}

  private JavaLiterals() {}

  static List<Literal> of(String src) {
    List<Literal> out = new ArrayList<>();
    int line = 1;
    for (int i = 0; i < src.length(); i++) {
      char c = src.charAt(i);
      if (c == '\n') {
        line++;
      } else if (src.startsWith("//", i)) {
        i = src.indexOf('\n', i) - 1;
        if (i < 0) break;
      } else if (src.startsWith("/*", i)) {
        int end = src.indexOf("*/", i + 2);
        line += count(src, i, end);
        i = end + 1;
      } else if (src.startsWith("\"\"\"", i)) {
        int end = i + 3;
        while (!src.startsWith("\"\"\"", end) || src.charAt(end - 1) == '\\') end++;
        out.add(new Literal(line, src.substring(i + 3, end), true));
        line += count(src, i, end);
        i = end + 2;
      } else if (c == '"' || c == '\'') {
        int end = i + 1;
        while (src.charAt(end) != c) end += src.charAt(end) == '\\' ? 2 : 1;
        if (c == '"') out.add(new Literal(line, src.substring(i + 1, end), false));
        i = end;
      }
    }
    return out;
  }

  private static int count(String src, int from, int to) {
    int n = 0;
    for (int i = from; i < to; i++) if (src.charAt(i) == '\n') n++;
    return n;
  }
}
