package dev.tributary.server;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The one executable. Each subcommand wires components together; none holds pipeline logic. */
@Command(
    name = "tributary",
    mixinStandardHelpOptions = true,
    version = "tributary 0.1.0",
    description = "A durable event pipeline: HTTP capture acknowledged after a local fsync, landed in a data lake exactly once.",
    subcommands = {ServeCommand.class, DevCommand.class, SendCommand.class, SinkCommand.class, RefineCommand.class,
        JournalCommand.class, BusCommand.class, SpoolCommand.class, DrainCommand.class, DeadLettersCommand.class,
        BenchCommand.class, CommandLine.HelpCommand.class},
    footer = {"", "Quick start:  tributary serve   then   curl -H 'Content-Type: application/json' -d '{\"event\":\"signup\"}' http://127.0.0.1:8080/v1/events"})
public final class Tributary implements Runnable {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  static CommandLine commandLine() {
    CommandLine cli = new CommandLine(new Tributary());
    cli.registerConverter(java.nio.file.Path.class, LayeredSettings::path);
    cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
      cmd.getErr().println(cmd.getCommandSpec().qualifiedName() + ": " + messageOf(e));
      return ExitCodes.FAILURE;
    });
    return cli;
  }

  private static String messageOf(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && (t.getMessage() == null || t instanceof java.util.concurrent.ExecutionException)) {
      t = t.getCause();
    }
    return t.getMessage() == null ? t.toString() : t.getMessage();
  }

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }
}
