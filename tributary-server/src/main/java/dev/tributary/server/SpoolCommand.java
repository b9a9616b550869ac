package dev.tributary.server;

import dev.tributary.spool.Quantity;
import dev.tributary.spool.SpoolInspector;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code tributary spool inspect|verify DIR}: read a spool directory without changing it. */
@Command(name = "spool", mixinStandardHelpOptions = true,
    description = "Look into a spool directory (read-only; safe beside a running server).",
    subcommands = {SpoolCommand.Inspect.class, SpoolCommand.Verify.class})
final class SpoolCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** The report, or null after saying why {@code dir} is not a spool. */
  private static SpoolInspector.Report examine(CommandSpec spec, Path dir) throws java.io.IOException {
    try {
      return SpoolInspector.examine(dir);
    } catch (IllegalArgumentException e) {
      spec.commandLine().getErr().println("tributary spool " + spec.name() + ": " + e.getMessage());
      return null;
    }
  }

  @Command(name = "inspect", mixinStandardHelpOptions = true,
      description = "List segments, record counts, offsets, cursors and their lag.")
  static final class Inspect implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Parameters(paramLabel = "DIR", description = "the spool directory (serve's <data-dir>/spool)") Path dir;

    @Override
    public Integer call() throws Exception {
      SpoolInspector.Report report = examine(spec, dir);
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
      description = "Check the CRC of every record and every cursor checkpoint; exit 1 when anything is wrong.")
  static final class Verify implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Parameters(paramLabel = "DIR", description = "the spool directory (serve's <data-dir>/spool)") Path dir;

    @Override
    public Integer call() throws Exception {
      SpoolInspector.Report report = examine(spec, dir);
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
