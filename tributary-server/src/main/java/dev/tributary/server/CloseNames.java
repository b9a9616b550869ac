package dev.tributary.server;

import java.util.Collection;
import java.util.List;

/**
 * The known names a mistyped one was probably meant to be: the closest within a few edits (a
 * swapped pair of letters counts as one), or else those it is the start of. Used for
 * unknown flags, YAML keys and {@code TRIBUTARY_*} variables; leading dashes are not compared, so
 * {@code --prot} is one edit from {@code --port}.
 */
final class CloseNames {
  private static final int MAX = 3;

  private CloseNames() {}

  static List<String> of(String typed, Collection<String> known) {
    String core = undashed(typed);
    int allowed = Math.max(2, core.length() / 3);
    List<Candidate> candidates = known.stream().distinct().map(name -> new Candidate(name, distance(core, undashed(name)))).toList();
    int best = candidates.stream().mapToInt(Candidate::distance).min().orElse(Integer.MAX_VALUE);
    if (best <= allowed) {
      return candidates.stream().filter(c -> c.distance == best).map(Candidate::name).sorted().limit(MAX).toList();
    }
    return core.length() < 3 ? List.of()
        : candidates.stream().map(Candidate::name).filter(name -> undashed(name).startsWith(core)).sorted().limit(MAX).toList();
  }

  private static String undashed(String name) {
    return name.replaceFirst("^-+", "");
  }

  private record Candidate(String name, int distance) {}

  /** Edits (insert, delete, replace, swap of neighbours) that turn {@code a} into {@code b}, ignoring case. */
  static int distance(String a, String b) {
    a = a.toLowerCase(java.util.Locale.ROOT);
    b = b.toLowerCase(java.util.Locale.ROOT);
    int[][] d = new int[a.length() + 1][b.length() + 1];
    for (int i = 0; i <= a.length(); i++) d[i][0] = i;
    for (int j = 0; j <= b.length(); j++) d[0][j] = j;
    for (int i = 1; i <= a.length(); i++) {
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
        if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
          d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
        }
      }
    }
    return d[a.length()][b.length()];
  }
}
