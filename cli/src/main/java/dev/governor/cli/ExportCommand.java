package dev.governor.cli;

import dev.governor.telemetry.Interchange;
import dev.governor.telemetry.RunFolder;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code governor export}: a run's telemetry and decisions to CSV, JSON lines or TensorBoard. */
@Command(
    name = "export",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Export a run folder: one row per step joining the observation (step, epoch, loss, "
          + "grad_norm, lr, clip, wd as applied, val_loss, param_norm, update_norm) and the "
          + "decision made after it (decided_lr, decided_clip, decided_wd, action; empty where "
          + "there is none). A counterfactual run folder (replay --out) exports the other "
          + "policy's decisions.",
      "",
      "tfevents writes a TensorBoard event file: file_version brain.Event:2 first, then one "
          + "event per step (wall_time = the run's start), float32 simple_values tagged loss, "
          + "grad_norm, lr, clip, wd, effective_lr, val_loss, param_norm, update_norm, epoch, "
          + "decided/lr, decided/clip, decided/wd, guard/skip, guard/rollback, guard/reset (1 at the step the "
          + "trainer carried it out). Not measured (NaN) and clip = inf (off) are left out. Steps "
          + "strictly increase and no SessionLog.START is written, so TensorBoard neither purges "
          + "nor duplicates any step. When --out is a folder the file is named "
          + "events.out.tfevents.<start>.governor inside it; import reads it back.",
      "",
      "Exit codes: 0 ok, 2 bad input (one line names it)."
    })
public final class ExportCommand implements Callable<Integer> {

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Option(names = "--run", required = true, paramLabel = "DIR", description = "The run folder.")
  Path run;

  @Option(
      names = "--format",
      required = true,
      paramLabel = "FMT",
      description = "csv, jsonl or tfevents.")
  String format;

  @Option(
      names = "--out",
      required = true,
      paramLabel = "PATH",
      description = "Output file (must not exist unless --force); tfevents: a file or a folder.")
  Path out;

  @Option(names = "--force", description = "Replace --out when it exists.")
  boolean force;

  @Override
  public Integer call() {
    if (java.nio.file.Files.isDirectory(out) && !"tfevents".equals(format)) {
      throw new UserException(
          "--out " + out.toAbsolutePath().normalize() + " is a folder; give a file name");
    }
    RunFolder folder = RunFolder.open(run);
    Outputs.requireNewFile(
        "tfevents".equals(format) ? Interchange.exportFile(folder, format, out) : out, force);
    Map.Entry<Path, Long> r = Interchange.export(folder, format, out);
    spec.commandLine().getOut().println("exported " + r.getValue() + " steps to " + r.getKey());
    spec.commandLine().getOut().flush();
    return 0;
  }
}
