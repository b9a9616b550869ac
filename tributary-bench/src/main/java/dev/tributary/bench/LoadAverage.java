package dev.tributary.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The machine's load, printed beside every result: a number taken on a busy machine says so. */
final class LoadAverage {
  private LoadAverage() {}

  /** The 1, 5 and 15 minute load averages, or {@code ?} where /proc has none. */
  static String now() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split(" ");
      return f[0] + " " + f[1] + " " + f[2];
    } catch (IOException e) {
      return "?";
    }
  }
}
