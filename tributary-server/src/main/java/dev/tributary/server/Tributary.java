package dev.tributary.server;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.UnmatchedArgumentException;

/** The one executable. Each subcommand wires components together; none holds pipeline logic. */
@Command(
    name = "tributary",
    mixinStandardHelpOptions = true,
    version = "tributary " + Tributary.VERSION,
    description = "A durable event pipeline: HTTP capture acknowledged after a local fsync, landed in a data lake exactly once.",
    subcommands = {ServeCommand.class, DevCommand.class, SendCommand.class, SinkCommand.class, RefineCommand.class,
        JournalCommand.class, BusCommand.class, SpoolCommand.class, DrainCommand.class, DeadLettersCommand.class,
        CommandLine.HelpCommand.class},
    footer = {"", "Quick start:  tributary serve   then   curl -H 'Content-Type: application/json' -d '{\"event\":\"signup\"}' http://127.0.0.1:8080/v1/events"})
public final class Tributary implements Runnable {
  /** What {@code --version} prints, the image is tagged with, and {@code tributary_build_info} says. */
  static final String VERSION = "0.1.0";

  /** The settings of every command that reads {@code TRIBUTARY_*} variables. */
  private static final List<LayeredSettings.Schema> SETTINGS = List.of(ServeSettings.SCHEMA, SinkSettings.SCHEMA, RefineSettings.SCHEMA,
      JournalSettings.SCHEMA, BusSettings.SCHEMA, DrainSettings.DRAIN_SCHEMA, DrainSettings.DEAD_LETTERS_SCHEMA);

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @CommandLine.Option(names = "--log-format", paramLabel = "text|json", scope = CommandLine.ScopeType.INHERIT,
      description = "How log lines on stderr look, text (ISO-8601 time with zone) or json (one object per line), "
          + "${env:TRIBUTARY_LOG_FORMAT:-text} if not given. Set the level with TRIBUTARY_LOG_LEVEL (default INFO).")
  String logFormat;

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
    cli.setParameterExceptionHandler(Tributary::badUsage);
    cli.setExecutionStrategy(parsed -> {
      try {
        LogFormat.chosen(((Tributary) cli.getCommand()).logFormat, System.getenv()).apply();
      } catch (ConfigException e) {
        cli.getErr().println("tributary: " + e.getMessage());
        return ExitCodes.USAGE;
      }
      LayeredSettings.unknownVariables(System.getenv(), SETTINGS).forEach(cli.getErr()::println);
      return new CommandLine.RunLast().execute(parsed);
    });
    return cli;
  }

  /**
   * Picocli's own suggestions rank by shared letter pairs, so {@code --prot} got
   * {@code --producer-property} and not {@code --port}; these rank by edits. Without a suggestion,
   * a pointer to the help rather than the whole usage, which would push the message off the screen.
   */
  private static int badUsage(ParameterException e, String[] args) {
    CommandLine cmd = e.getCommandLine();
    PrintWriter err = cmd.getErr();
    err.println(e.getMessage());
    List<String> close = e instanceof UnmatchedArgumentException u ? closeNames(cmd, u.getUnmatched()) : List.of();
    if (close.isEmpty()) {
      err.println("See '" + cmd.getCommandSpec().qualifiedName() + " --help'.");
    } else {
      err.println("Did you mean: " + String.join(", ", close) + "?");
    }
    err.flush();
    return ExitCodes.USAGE;
  }

  private static List<String> closeNames(CommandLine cmd, List<String> unmatched) {
    List<String> close = new ArrayList<>();
    for (String arg : unmatched) {
      boolean option = arg.startsWith("-");
      var known = option ? cmd.getCommandSpec().optionsMap().keySet() : cmd.getSubcommands().keySet();
      for (String name : CloseNames.of(option ? arg.split("=", 2)[0] : arg, known)) {
        if (!close.contains(name)) close.add(name);
      }
    }
    return close;
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
