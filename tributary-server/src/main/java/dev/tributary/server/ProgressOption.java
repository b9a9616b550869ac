package dev.tributary.server;

import dev.tributary.spool.ProgressLine;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.function.Supplier;
import picocli.CommandLine.Option;

/**
 * The progress lines of a long command. The interval's flag is hidden: it exists so that tests
 * see lines without running for seconds, not for operators.
 */
final class ProgressOption {
  @Option(names = "--progress-interval-ms", hidden = true) Long intervalMillis;

  ProgressLine start(PrintWriter err, String command, Supplier<ProgressLine.Reading> reading) {
    return ProgressLine.start(err, command, intervalMillis == null ? ProgressLine.INTERVAL : Duration.ofMillis(intervalMillis), reading);
  }
}
