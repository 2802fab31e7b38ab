package dev.governor.cli;

import dev.governor.telemetry.ForeignImport;
import dev.governor.telemetry.Interchange;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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
      "Import telemetry into a new run folder (telemetry queue): Governor's CSV / JSON lines, "
          + "TensorBoard event files (PyTorch SummaryWriter, Lightning, Keras, TensorFlow), or a "
          + "Lightning / Keras CSVLogger file.",
      "",
      "Governor columns: step, loss, grad_norm required; epoch, lr, clip, wd, val_loss, "
          + "param_norm, update_norm optional. A CSV needs a header line (a UTF-8 byte-order "
          + "mark is fine); a JSONL line is one object (a key twice is a bad row). Unknown "
          + "columns are ignored with a warning. Values: numbers, nan, inf, -inf; empty = not "
          + "measured.",
      "",
      "tfevents: an event file or a log folder (every file named *tfevents*, runs by folder; "
          + "with several runs a tag is RUN/TAG). Scalars as simple_value or as tensors of the "
          + "scalars plugin. Each column is read from one tag: --tag COLUMN=TAG, else the first "
          + "default found (loss: loss, train/loss, train_loss, train_loss_step, Loss/train, "
          + "train/epoch_loss, epoch_loss ...; lr: lr, learning_rate, epoch_learning_rate, "
          + "lr-<Optimizer> ...; grad_norm: grad_norm, grad_2.0_norm_total ...; val_loss: "
          + "val_loss, Loss/val, validation/epoch_loss ...). One observation per step with a "
          + "loss; lr/clip/wd/epoch hold until their next value. Restarts as TensorBoard: a "
          + "SessionLog.START purges the later steps; a step that goes back otherwise is a bad "
          + "record, or a restart with --restarts step-back (a resumed PyTorch run).",
      "",
      "Bad rows / records are reported with their line or byte offset and skipped or fatal "
          + "(--on-error). The input is checked completely before anything is written.",
      "",
      "Exit codes: 0 ok, 2 bad input (one line names the file, line or offset and value)."
    })
public final class ImportCommand implements Callable<Integer> {

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Option(
      names = "--format",
      paramLabel = "FMT",
      description =
          "auto (default: tfevents for a folder or a *tfevents* file, jsonl for .jsonl, else csv"
              + " by its header), csv, jsonl, tfevents, lightning-csv or keras-csv.")
  String format = "auto";

  @Option(
      names = "--in",
      required = true,
      paramLabel = "PATH",
      description = "The input file (or, for tfevents, a log folder).")
  Path in;

  @Option(
      names = "--run",
      required = true,
      paramLabel = "DIR",
      description = "The run folder to create (must not hold a run).")
  Path run;

  @Option(
      names = "--tag",
      paramLabel = "COLUMN=TAG",
      description =
          "Read COLUMN (loss, grad_norm, lr, clip, wd, epoch, val_loss, param_norm, update_norm,"
              + " skip, rollback, reset) from TAG; COLUMN= reads it from nothing. Repeatable.")
  List<String> tags = new ArrayList<>();

  @Option(
      names = "--restarts",
      paramLabel = "RULE",
      description =
          "tensorboard (default: purge on SessionLog.START, as TensorBoard) or step-back (also"
              + " treat a step that goes back as a restart from it).")
  String restarts = "tensorboard";

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
    if (!restarts.equals("tensorboard") && !restarts.equals("step-back")) {
      throw new UserException(
          "--restarts must be tensorboard or step-back, but was '" + restarts + "'");
    }
    Map<String, String> mapping = ForeignImport.parseTags(tags);
    Interchange.ImportReport r =
        Interchange.importAny(
            in, format, run, mapping, onError.equals("skip"), restarts.equals("step-back"));
    PrintWriter err = spec.commandLine().getErr();
    for (String w : r.warnings()) {
      err.println("import: warning: " + w);
    }
    for (String b : r.badRows()) {
      err.println("import: skipped " + (b.startsWith(in.toString()) ? b : in + " " + b));
    }
    err.flush();
    PrintWriter out = spec.commandLine().getOut();
    for (Map.Entry<String, String> e : r.tags().entrySet()) {
      out.println("import: " + e.getKey() + " <- " + e.getValue());
    }
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
