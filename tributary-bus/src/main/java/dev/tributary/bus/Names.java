package dev.tributary.bus;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The names that reach the disk: categories (directories), readers (files), instances and chunks
 * (files). Each must match a strict pattern before it is used, so a name never becomes a path
 * outside the data directory: no {@code /}, {@code \}, {@code ..}, leading dot or control character.
 */
final class Names {
  private static final Pattern CATEGORY = Pattern.compile("[A-Za-z0-9_-][A-Za-z0-9_.-]{0,127}");
  private static final Pattern INSTANCE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]{0,63}");
  /** Chukcha names chunks {@code <instance>-chunk%09d}; the number may outgrow 9 digits. */
  private static final Pattern CHUNK = Pattern.compile("(" + INSTANCE.pattern() + ")-chunk([0-9]{9,18})");
  static final String TOMBSTONE_SUFFIX = ".deleted";

  private Names() {}

  static String category(String name) {
    return checked("category", name, CATEGORY, "letters, digits, '_', '-' and '.', at most 128, not starting with '.'");
  }

  static String reader(String name) {
    return checked("reader", name, CATEGORY, "letters, digits, '_', '-' and '.', at most 128, not starting with '.'");
  }

  static String instance(String name) {
    if (name == null || !INSTANCE.matcher(name).matches()) {
      throw new IllegalArgumentException("invalid instance name '" + name
          + "': use letters, digits, '_' and '-', at most 64, starting with a letter or digit");
    }
    return name;
  }

  static boolean isCategory(String name) {
    return CATEGORY.matcher(name).matches() && !name.contains("..");
  }

  /** The chunk's parts, or null when {@code name} is not a chunk name. */
  static ChunkName parseChunk(String name) {
    Matcher m = CHUNK.matcher(name);
    return m.matches() ? new ChunkName(m.group(1), Long.parseLong(m.group(2))) : null;
  }

  static ChunkName chunk(String name) {
    if (name == null || name.isEmpty()) throw BusException.badRequest("bad `chunk` parameter: chunk name must be provided");
    ChunkName parsed = parseChunk(name);
    if (parsed == null) {
      throw BusException.badRequest("bad `chunk` parameter '" + printable(name) + "': chunk names are <instance>-chunk<9 digits>");
    }
    return parsed;
  }

  /** An instance name and a chunk number. */
  record ChunkName(String instance, long index) {
    String fileName() {
      return String.format("%s-chunk%09d", instance, index);
    }
  }

  private static String checked(String what, String name, Pattern pattern, String rule) {
    if (name == null || name.isEmpty()) throw BusException.badRequest("bad `" + what + "` parameter: a " + what + " name must be provided");
    if (!pattern.matcher(name).matches() || name.contains("..")) {
      throw BusException.badRequest("bad `" + what + "` parameter '" + printable(name) + "': use " + rule);
    }
    return name;
  }

  /** Echoes a refused name without its control characters, and not at any length. */
  private static String printable(String name) {
    StringBuilder out = new StringBuilder();
    name.codePoints().limit(140).forEach(c -> {
      if (Character.isISOControl(c)) out.append(String.format("\\u%04x", c)); else out.appendCodePoint(c);
    });
    return out.toString();
  }
}
