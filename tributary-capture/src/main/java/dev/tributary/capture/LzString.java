package dev.tributary.capture;

/**
 * Decompresses LZ-string's base64 form ({@code LZString.compressToBase64} in JavaScript), which
 * older PostHog browser SDKs send as {@code compression=lz64}. There is no Java library for it.
 *
 * <p>The format: the base64 text (alphabet {@code A-Z a-z 0-9 + /}, {@code =} as padding) is a
 * stream of 6-bit values read most significant bit first, giving a bit stream read least
 * significant bit first in fields of {@code numBits} bits. The dictionary starts with the three
 * codes 0 (next 8 bits are a new character), 1 (next 16 bits are a new UTF-16 code unit) and 2
 * (end of stream); {@code numBits} starts at 2 for the first code and 3 after, and grows by one
 * each time the dictionary reaches the next power of two (the {@code enlargeIn} count). A code
 * of an existing entry outputs that entry; the code just past the dictionary outputs the previous
 * entry plus its first character (the LZW special case). After each output, the previous entry
 * plus the first character of this one becomes a new dictionary entry.
 *
 * <p>Output is capped: a stream that decompresses past {@code maxChars} is refused, so a small
 * body cannot unfold into an unbounded string.
 */
final class LzString {

  private static final String ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=";
  private static final int[] VALUES = new int[128];

  static {
    java.util.Arrays.fill(VALUES, -1);
    for (int i = 0; i < ALPHABET.length(); i++) VALUES[ALPHABET.charAt(i)] = i;
  }

  private LzString() {}

  /** Thrown for text that is not LZ-string base64, or that decompresses past the cap. */
  static final class InvalidInput extends Exception {
    InvalidInput(String message) {
      super(message, null, false, false);
    }
  }

  /** The decompressed text of {@code input}; empty input decompresses to the empty string. */
  static String decompressFromBase64(String input, long maxChars) throws InvalidInput {
    if (input.isEmpty()) return "";
    return new Reader(input, maxChars).decompress();
  }

  private static final class Reader {
    private final String input;
    private final long maxChars;
    private int value;
    private int position = 32;
    private int index = 1;

    Reader(String input, long maxChars) throws InvalidInput {
      this.input = input;
      this.maxChars = maxChars;
      this.value = valueAt(0);
    }

    String decompress() throws InvalidInput {
      java.util.List<String> dictionary = new java.util.ArrayList<>();
      dictionary.add(null);
      dictionary.add(null);
      dictionary.add(null);
      int enlargeIn = 4;
      int numBits = 3;
      String c = switch (bits(2)) {
        case 0 -> String.valueOf((char) bits(8));
        case 1 -> String.valueOf((char) bits(16));
        case 2 -> "";
        default -> throw new InvalidInput("LZ-string stream starts with an unknown code");
      };
      if (c.isEmpty()) return "";
      if (maxChars < 1) throw new InvalidInput("LZ-string data decompresses to more than " + maxChars + " characters");
      dictionary.add(c);
      String w = c;
      StringBuilder result = new StringBuilder(c);
      while (true) {
        if (index > input.length()) throw new InvalidInput("LZ-string stream ends without its end code");
        int code = bits(numBits);
        switch (code) {
          case 0, 1 -> {
            dictionary.add(String.valueOf((char) bits(code == 0 ? 8 : 16)));
            code = dictionary.size() - 1;
            enlargeIn--;
          }
          case 2 -> {
            return result.toString();
          }
          default -> { }
        }
        if (enlargeIn == 0) {
          enlargeIn = 1 << numBits;
          numBits++;
        }
        String entry;
        if (code < dictionary.size()) {
          entry = dictionary.get(code);
        } else if (code == dictionary.size()) {
          entry = w + w.charAt(0);
        } else {
          throw new InvalidInput("LZ-string stream refers to dictionary entry " + code + " of " + dictionary.size());
        }
        result.append(entry);
        if (result.length() > maxChars) throw new InvalidInput("LZ-string data decompresses to more than " + maxChars + " characters");
        dictionary.add(w + entry.charAt(0));
        enlargeIn--;
        w = entry;
        if (enlargeIn == 0) {
          enlargeIn = 1 << numBits;
          numBits++;
        }
      }
    }

    /** The next {@code count} bits, least significant first. */
    private int bits(int count) throws InvalidInput {
      int bits = 0;
      for (int power = 1; power != 1 << count; power <<= 1) {
        int bit = value & position;
        position >>= 1;
        if (position == 0) {
          position = 32;
          value = valueAt(index++);
        }
        if (bit != 0) bits |= power;
      }
      return bits;
    }

    /** Past the end reads as zero bits, as in the JavaScript original. */
    private int valueAt(int i) throws InvalidInput {
      if (i >= input.length()) return 0;
      char ch = input.charAt(i);
      int v = ch < 128 ? VALUES[ch] : -1;
      if (v < 0) throw new InvalidInput("not LZ-string base64: character '" + ch + "' at position " + i);
      return v;
    }
  }
}
