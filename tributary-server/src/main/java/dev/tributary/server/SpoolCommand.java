package dev.tributary.server;

import dev.tributary.spool.ProgressLine;
import dev.tributary.spool.Quantity;
import dev.tributary.spool.SpoolInspector;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code tributary spool inspect|verify DIR}: read a spool directory without changing it. */
@Command(name = "spool", mixinStandardHelpOptions = true,
    description = "Look into a spool directory (read-only; safe beside a running server).",
    subcommands = {SpoolCommand.Inspect.class, SpoolCommand.Verify.class})
final class SpoolCommand implements Runnable {
  private static final String PROGRESS = "A spool that takes longer than 2 s to read gets a progress line on stderr every 2 s "
      + "(MiB and segments read of the total, MiB/s, ETA) and a last one; stdout keeps only the result.";
  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** The report, or null after saying why {@code dir} is not a spool; progress on stderr while the segments are read. */
  private static SpoolInspector.Report examine(CommandSpec spec, Path dir, ProgressOption progressOption) throws java.io.IOException {
    BytesChecked checked = new BytesChecked();
    try (ProgressLine progress = progressOption.start(spec.commandLine().getErr(), "tributary spool " + spec.name(), checked::reading)) {
      return SpoolInspector.examine(dir, checked);
    } catch (IllegalArgumentException e) {
      spec.commandLine().getErr().println("tributary spool " + spec.name() + ": " + e.getMessage());
      return null;
    }
  }

  /** How much of the spool has been read, for the progress thread. */
  private static final class BytesChecked implements SpoolInspector.Progress {
    private volatile ProgressLine.Reading reading = ProgressLine.Reading.bytes(0, -1);
    private long bytes;
    private int segments;

    @Override
    public void checked(SpoolInspector.SegmentReport segment, int ofSegments, long ofBytes) {
      bytes += segment.bytes();
      segments++;
      reading = ProgressLine.Reading.bytes(bytes, ofBytes).and(segments + " of " + Quantity.of(ofSegments, "segment"));
    }

    ProgressLine.Reading reading() {
      return reading;
    }
  }

  @Command(name = "inspect", mixinStandardHelpOptions = true,
      description = {"List segments, record counts, offsets, cursors and their lag.", PROGRESS})
  static final class Inspect implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Parameters(paramLabel = "DIR", description = "the spool directory (serve's <data-dir>/spool)") Path dir;
    @Mixin ProgressOption progress;

    @Override
    public Integer call() throws Exception {
      SpoolInspector.Report report = examine(spec, dir, progress);
      if (report == null) return ExitCodes.USAGE;
      PrintWriter out = spec.commandLine().getOut();
      out.printf("spool %s: %s, next offset %d%n", report.directory(), Quantity.of(report.segments().size(), "segment"),
          report.nextOffset());
      out.printf("%-28s %20s %10s %14s  %s%n", "SEGMENT", "BASE OFFSET", "RECORDS", "BYTES", "PROBLEM");
      for (SpoolInspector.SegmentReport s : report.segments()) {
        out.printf("%-28s %20d %10d %14d  %s%n", s.file(), s.baseOffset(), s.records(), s.bytes(), s.problem() == null ? "" : s.problem());
      }
      out.printf("%-28s %20s %10s%n", "CURSOR", "POSITION", "LAG");
      for (SpoolInspector.CursorReport c : report.cursors()) {
        out.printf("%-28s %20d %10d  %s%n", c.name(), c.position(), c.lagRecords(), c.problem() == null ? "" : c.problem());
      }
      return ExitCodes.OK;
    }
  }

  @Command(name = "verify", mixinStandardHelpOptions = true,
      description = {"Check the CRC of every record and every cursor checkpoint; exit 1 when anything is wrong.", PROGRESS})
  static final class Verify implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Parameters(paramLabel = "DIR", description = "the spool directory (serve's <data-dir>/spool)") Path dir;
    @Mixin ProgressOption progress;

    @Override
    public Integer call() throws Exception {
      SpoolInspector.Report report = examine(spec, dir, progress);
      if (report == null) return ExitCodes.USAGE;
      long records = report.segments().stream().mapToLong(SpoolInspector.SegmentReport::records).sum();
      if (report.problems().isEmpty()) {
        spec.commandLine().getOut().printf("spool %s: OK, %s in %s, %s%n", dir, Quantity.of(records, "record"),
            Quantity.of(report.segments().size(), "segment"), Quantity.of(report.cursors().size(), "cursor"));
        return ExitCodes.OK;
      }
      PrintWriter err = spec.commandLine().getErr();
      err.printf("spool %s: %d problem(s)%n", dir, report.problems().size());
      report.problems().forEach(p -> err.println("  " + p));
      return ExitCodes.FAILURE;
    }
  }
}
