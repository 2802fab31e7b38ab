package dev.governor.cli;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.IParameterExceptionHandler;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;

/**
 * The {@code governor} command. Each subcommand lives in its own class and is listed once below.
 *
 * <p>Exit codes: 0 success; 1 a check failed (e.g. {@code replay --verify} found a mismatch); 2 bad
 * input (a flag, a config key, a missing dataset, a damaged file) — reported as one line naming the
 * thing and its value, with the stack trace only under {@code --verbose}; 3 an internal error; 4
 * the disk filled up while a run was written (every complete record is kept; free space and
 * resume).
 */
@Command(
    name = "governor",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = {
      "A control-theoretic training governor: feedback controllers set the learning rate, "
          + "clip threshold and weight decay while a network trains.",
      ""
    },
    subcommands = {
      CommandLine.HelpCommand.class,
      DemoCommand.class,
      BakeoffCommand.class,
      ScheduleCommand.class,
      SimulateCommand.class,
      LrFindCommand.class,
      ReplayCommand.class,
      ImportCommand.class,
      ExportCommand.class,
      InspectCommand.class,
      TrainCommand.class,
      ControlCommand.class,
      ServeCommand.class,
      ConfigCommand.class,
      ReportCommand.class,
      DashboardCommand.class,
      TuneCommand.class
    })
public final class Main implements Runnable {

  /** Exit code for bad input. */
  public static final int EXIT_USAGE = 2;

  /** Exit code for a failed check. */
  public static final int EXIT_CHECK_FAILED = 1;

  /** Exit code for an unexpected internal error. */
  public static final int EXIT_INTERNAL = 3;

  /** Exit code for a full disk: what was written is kept and the run can be resumed. */
  public static final int EXIT_DISK_FULL = 4;

  @Option(
      names = "--verbose",
      scope = CommandLine.ScopeType.INHERIT,
      description = "Print stack traces of errors.")
  boolean verbose;

  @Option(
      names = "--config",
      paramLabel = "FILE",
      scope = CommandLine.ScopeType.INHERIT,
      description =
          "A HOCON configuration file (keys under governor., see governor config). Flags override"
              + " it; it overrides the built-in defaults (reference.conf).")
  java.nio.file.Path configFile;

  @Option(
      names = "-D",
      paramLabel = "KEY=VALUE",
      scope = CommandLine.ScopeType.INHERIT,
      description =
          "Set one configuration key, e.g. -Dgovernor.policy.pi.kp=0.2 (repeatable); overrides"
              + " --config.")
  java.util.Map<String, String> defines = new java.util.LinkedHashMap<>();

  /** The configuration of this invocation, loaded once before the subcommand runs. */
  Settings settings;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  public static void main(String[] args) {
    if (java.util.Arrays.asList(args).contains("--verbose")
        && System.getProperty("governor.chronicle.log") == null) {
      System.setProperty("governor.chronicle.log", "WARN"); // before logging starts
    }
    System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
  }

  /** Runs the command line with the given streams and returns the exit code (for tests). */
  public static int run(String[] args, PrintWriter out, PrintWriter err) {
    CommandLine cl = commandLine();
    cl.setOut(out);
    cl.setErr(err);
    return cl.execute(args);
  }

  /** The configured command line (exception handlers, case-sensitive options). */
  public static CommandLine commandLine() {
    CommandLine cl = new CommandLine(new Main());
    cl.setParameterExceptionHandler(new OneLineParameterErrors());
    cl.setExecutionExceptionHandler(new OneLineExecutionErrors());
    cl.setUsageHelpAutoWidth(true);
    cl.setExecutionStrategy(Main::loadConfigThenRun);
    return cl;
  }

  /**
   * Loads and validates the configuration ({@code --config}, {@code -D}, reference.conf) before the
   * command runs, so a bad configuration fails before anything is written; help requests skip it.
   */
  private static int loadConfigThenRun(ParseResult parseResult) {
    Integer help = CommandLine.executeHelpRequest(parseResult);
    if (help != null) {
      return help;
    }
    CommandLine root = parseResult.commandSpec().commandLine();
    Main main = root.getCommand();
    try {
      java.nio.file.Path file = null;
      java.util.Map<String, String> defines = new java.util.LinkedHashMap<>();
      for (ParseResult pr = parseResult; pr != null; pr = pr.subcommand()) {
        if (pr.hasMatchedOption("--config")) {
          file = pr.matchedOptionValue("--config", null);
        }
        if (pr.hasMatchedOption("-D")) {
          defines.putAll(pr.matchedOptionValue("-D", java.util.Map.<String, String>of()));
        }
      }
      requireDistinctKeys(parseResult);
      if ("control".equals(last(parseResult).commandSpec().name())
          && (file != null || !defines.isEmpty())) {
        throw new UserException(
            "the run's run.json sets the policy and its options; "
                + (file != null ? "--config" : "-D " + defines.keySet().iterator().next())
                + " does not apply to control");
      }
      main.settings = Settings.load(file, defines);
    } catch (RuntimeException e) {
      throw new CommandLine.ExecutionException(
          last(parseResult).commandSpec().commandLine(), e.getMessage(), e);
    }
    return new CommandLine.RunLast().execute(parseResult);
  }

  /**
   * Refuses a key given twice to a key=value option ({@code -D}, {@code -P}, {@code -o}): picocli
   * would keep the last silently.
   */
  private static void requireDistinctKeys(ParseResult parseResult) {
    for (ParseResult pr = parseResult; pr != null; pr = pr.subcommand()) {
      for (CommandLine.Model.OptionSpec o : pr.matchedOptions()) {
        if (!java.util.Map.class.isAssignableFrom(o.type())) {
          continue;
        }
        java.util.Map<String, String> seen = new java.util.HashMap<>();
        for (String v : o.originalStringValues()) {
          int eq = v.indexOf('=');
          String key = (eq < 0 ? v : v.substring(0, eq)).trim();
          String had = seen.put(key, v);
          if (had != null) {
            throw new UserException(
                o.shortestName()
                    + " "
                    + key
                    + " is given twice ("
                    + had
                    + ", "
                    + v
                    + "); give each key once");
          }
        }
      }
    }
  }

  private static ParseResult last(ParseResult pr) {
    while (pr.hasSubcommand()) {
      pr = pr.subcommand();
    }
    return pr;
  }

  /** Whether {@code --verbose} was given at any level of the command line. */
  static boolean verbose(ParseResult parseResult) {
    for (ParseResult pr = parseResult; pr != null; pr = pr.subcommand()) {
      if (pr.hasMatchedOption("--verbose")) {
        return true;
      }
    }
    return false;
  }

  /** A bad flag or option value: one line naming it, then a hint, exit 2. */
  static final class OneLineParameterErrors implements IParameterExceptionHandler {
    @Override
    public int handleParseException(ParameterException ex, String[] args) {
      CommandLine cl = ex.getCommandLine();
      PrintWriter err = cl.getErr();
      err.println(cl.getCommandName() + ": " + ex.getMessage());
      err.println("Try '" + cl.getCommandSpec().qualifiedName() + " --help' for the options.");
      return EXIT_USAGE;
    }
  }

  /**
   * An error while running: user errors ({@link UserException}, {@link IllegalArgumentException})
   * give one line and exit 2; anything else one line and exit 3. Stack traces with {@code
   * --verbose}.
   */
  static final class OneLineExecutionErrors implements IExecutionExceptionHandler {
    @Override
    public int handleExecutionException(Exception ex, CommandLine cl, ParseResult parseResult) {
      PrintWriter err = cl.getErr();
      boolean verbose = verbose(parseResult);
      Object root = cl.getCommandSpec().root().userObject();
      Settings settings = root instanceof Main m ? m.settings : null;
      if (ex instanceof UserException u) {
        err.println(cl.getCommandName() + ": " + Settings.explain(settings, u.getMessage()));
        if (verbose) {
          ex.printStackTrace(err);
        }
        return u.exitCode();
      }
      if (ex instanceof dev.governor.telemetry.DiskFullException) {
        err.println(cl.getCommandName() + ": " + ex.getMessage());
        if (verbose) {
          ex.printStackTrace(err);
        }
        return EXIT_DISK_FULL;
      }
      if (ex instanceof IllegalArgumentException
          || ex instanceof dev.governor.telemetry.TelemetryException) {
        err.println(cl.getCommandName() + ": " + Settings.explain(settings, ex.getMessage()));
        if (verbose) {
          ex.printStackTrace(err);
        }
        return EXIT_USAGE;
      }
      err.println(
          cl.getCommandName()
              + ": internal error: "
              + ex
              + (verbose ? "" : " (run with --verbose for the stack trace)"));
      if (verbose) {
        ex.printStackTrace(err);
      }
      return EXIT_INTERNAL;
    }
  }

  /** Reads the version from the jar manifest (or "dev" when run from classes). */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = Main.class.getPackage().getImplementationVersion();
      return new String[] {
        "governor " + (v == null ? "dev" : v),
        "Java "
            + System.getProperty("java.version")
            + " ("
            + System.getProperty("java.vendor")
            + ")"
      };
    }
  }
}
