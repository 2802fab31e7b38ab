package dev.governor.cli;

import dev.governor.telemetry.Interchange;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code governor import}: telemetry from other frameworks into a new run folder. */
@Command(
    name = "import",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Import telemetry from a CSV or JSON-lines file into a new run folder (telemetry queue).",
      "",
      "Columns: step, loss, grad_norm required; epoch, lr, clip, wd, val_loss, param_norm, "
          + "update_norm optional. A CSV needs a header line; a JSONL line is one object. "
          + "Unknown columns are ignored with a warning. Values: numbers, nan, inf, -inf; empty "
          + "= not measured. Bad rows (non-numeric, NaN where required, negative norms, repeated "
          + "or decreasing steps) are reported with their line number and skipped or fatal "
          + "(--on-error). The file is checked before anything is written.",
      "",
      "Exit codes: 0 ok, 2 bad input (one line names the file, line and value)."
    })
public final class ImportCommand implements Callable<Integer> {

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Option(names = "--format", required = true, paramLabel = "FMT", description = "csv or jsonl.")
  String format;

  @Option(names = "--in", required = true, paramLabel = "FILE", description = "The input file.")
  Path in;

  @Option(
      names = "--run",
      required = true,
      paramLabel = "DIR",
      description = "The run folder to create (must not hold a run).")
  Path run;

  @Option(
      names = "--on-error",
      paramLabel = "MODE",
      description = "skip (report and skip bad rows) or fail (default: the first bad row fails).")
  String onError = "fail";

  @Override
  public Integer call() {
    if (!onError.equals("skip") && !onError.equals("fail")) {
      throw new UserException("--on-error must be skip or fail, but was '" + onError + "'");
    }
    Interchange.ImportReport r = Interchange.importFile(in, format, run, onError.equals("skip"));
    PrintWriter err = spec.commandLine().getErr();
    for (String w : r.warnings()) {
      err.println("import: warning: " + w);
    }
    for (String b : r.badRows()) {
      err.println("import: skipped " + in + " " + b);
    }
    err.flush();
    PrintWriter out = spec.commandLine().getOut();
    out.println(
        "imported "
            + r.imported()
            + " observations into "
            + r.run().dir()
            + (r.skipped() > 0 ? " (" + r.skipped() + " bad rows skipped)" : ""));
    out.flush();
    return 0;
  }
}
