package dev.governor.telemetry;

import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Import of runs other tools logged: TensorBoard event files ({@code tfevents}), Lightning's {@code
 * CSVLogger} {@code metrics.csv} ({@code lightning-csv}) and Keras' {@code CSVLogger} file ({@code
 * keras-csv}).
 *
 * <p><b>Tags to columns.</b> Each Governor column ({@link #COLUMNS}) is read from one tag (a
 * TensorBoard tag, or a CSV column): the one named with {@code --tag column=TAG}, else the first of
 * the column's defaults ({@link #DEFAULTS}) the input has — the tags PyTorch's {@code
 * SummaryWriter} scripts, Lightning (its loggers and {@code LearningRateMonitor}), Keras (its
 * {@code TensorBoard} and {@code CSVLogger} callbacks) and Governor's own export write. {@code
 * --tag column=} (empty) maps nothing. In a log folder with several runs (sub-folders holding event
 * files, as Keras' {@code train} and {@code validation}), a tag is named {@code run/tag} (the tags
 * of files directly in the folder keep their names). {@code loss} must be found; every other column
 * is optional.
 *
 * <p><b>Steps to observations.</b> One observation per step with a loss value. {@code lr, clip, wd,
 * epoch} hold from the step they are logged at until the next value (loggers write them when they
 * change, or every N steps); {@code grad_norm, val_loss, param_norm, update_norm} are measurements
 * of their step: one logged at a step with no loss (a validation at the end of an epoch) goes to
 * the latest earlier observation that lacks it, else it is dropped and counted. {@code skip},
 * {@code rollback} and {@code reset} tags become SKIP / ROLLBACK / RESET events at their step (a
 * value other than 0 or NaN). An lr of 0 (a warm-up's first step) is imported as not measured (NaN)
 * and counted. A NaN or infinite loss is kept (a diverged step is data).
 *
 * <p><b>TensorBoard semantics.</b> A file or a folder: every file whose name contains {@code
 * tfevents}, grouped into runs by folder, read in name order as TensorBoard does. Scalars are
 * {@code simple_value}s and one-element numeric tensors whose tag's first metadata names the {@code
 * scalars} plugin. Restarts are handled as TensorBoard's event accumulator handles them: with a
 * {@code file_version} of {@code brain.Event:2} or later, a {@code SessionLog.START} at step S
 * discards the run's earlier values at steps {@code >= S}; with older versions, an event with a
 * summary at a step below the latest one discards its own tags' earlier values at steps {@code >=}
 * its step. A step that still repeats or goes back in a mapped tag (e.g. a PyTorch restart, which
 * writes no START) is a bad record. A file that ends inside a record (a torn tail) is read up to
 * its last complete record, with a warning.
 *
 * <p><b>Errors.</b> Every problem is one line naming the file and the byte offset (event files) or
 * line (CSV) and what was expected. Bad records are fatal, or skipped and reported with {@code
 * skipBadRecords}; a length whose CRC fails ends the read of the whole import. The input is read
 * and checked completely before the run folder is created, and streamed (memory does not grow with
 * its length): event files are read three times (restart points and tags; checking; writing).
 *
 * <p>This class is the entry point; the formats are read by {@link TfEventsImport} and {@link
 * LoggerCsvImport}, and both hand their values, through the tag mapping of {@link TagMapping}, to
 * the shared row assembly of {@link ForeignRows}.
 */
public final class ForeignImport {
  private ForeignImport() {}

  /** The foreign formats. */
  public static final List<String> FORMATS = List.of("tfevents", "lightning-csv", "keras-csv");

  /** Columns a tag can be mapped to. */
  public static final List<String> COLUMNS =
      List.of(
          "loss",
          "grad_norm",
          "lr",
          "clip",
          "wd",
          "epoch",
          "val_loss",
          "param_norm",
          "update_norm",
          "skip",
          "rollback",
          "reset");

  /**
   * The default tags of each column, in order of preference. An entry starting with {@code ~} is a
   * regular expression (the first matching tag, in name order).
   */
  public static final Map<String, List<String>> DEFAULTS = defaults();

  private static Map<String, List<String>> defaults() {
    Map<String, List<String>> d = new LinkedHashMap<>();
    d.put(
        "loss",
        List.of(
            "loss",
            "train/loss",
            "train_loss",
            "train_loss_step",
            "Loss/train",
            "loss/train",
            "training_loss",
            "train/epoch_loss",
            "epoch_loss"));
    d.put(
        "grad_norm",
        List.of(
            "grad_norm",
            "train/grad_norm",
            "grad_2.0_norm_total",
            "grad_norm/total",
            "gradient_norm",
            "train/gradient_norm"));
    d.put(
        "lr",
        List.of(
            "lr",
            "learning_rate",
            "train/lr",
            "train/learning_rate",
            "train/epoch_learning_rate",
            "epoch_learning_rate",
            "~lr-[A-Za-z0-9_.]+"));
    d.put("clip", List.of("clip", "train/clip"));
    d.put(
        "wd",
        List.of("wd", "weight_decay", "train/weight_decay", "~lr-[A-Za-z0-9_.]+-weight_decay"));
    d.put("epoch", List.of("epoch", "train/epoch"));
    d.put(
        "val_loss",
        List.of(
            "val_loss",
            "val/loss",
            "validation/loss",
            "Loss/val",
            "Loss/validation",
            "loss/val",
            "valid_loss",
            "val_loss_epoch",
            "validation/epoch_loss"));
    d.put("param_norm", List.of("param_norm", "train/param_norm", "weight_norm"));
    d.put("update_norm", List.of("update_norm", "train/update_norm"));
    d.put("skip", List.of("guard/skip"));
    d.put("rollback", List.of("guard/rollback"));
    d.put("reset", List.of("guard/reset"));
    return Collections.unmodifiableMap(d);
  }

  /**
   * Parses {@code column=TAG} mappings ({@code --tag}). An empty TAG maps nothing to the column.
   *
   * @throws IllegalArgumentException naming the mapping when its column is unknown, it has no
   *     {@code =}, or a column is named twice
   */
  public static Map<String, String> parseTags(List<String> specs) {
    Map<String, String> m = new LinkedHashMap<>();
    for (String s : specs) {
      int eq = s.indexOf('=');
      if (eq <= 0) {
        throw new IllegalArgumentException(
            "--tag must be COLUMN=TAG (e.g. loss=train/loss), but was '" + s + "'");
      }
      String col = s.substring(0, eq).trim();
      if (!COLUMNS.contains(col)) {
        throw new IllegalArgumentException(
            "--tag column must be one of " + COLUMNS + ", but was '" + col + "' in '" + s + "'");
      }
      if (m.put(col, s.substring(eq + 1)) != null) {
        throw new IllegalArgumentException("--tag names column '" + col + "' twice");
      }
    }
    return m;
  }

  /**
   * Imports TensorBoard event files ({@code in}: an event file or a log folder) into a new run
   * folder.
   *
   * @param tags explicit {@code column -> tag} mappings ({@link #parseTags})
   * @throws TelemetryException naming the file, offset and what was expected when the input cannot
   *     be imported; nothing is written then
   */
  public static Interchange.ImportReport importTfEvents(
      Path in, Path runDir, Map<String, String> tags, boolean skipBadRecords) {
    return importTfEvents(in, runDir, tags, skipBadRecords, false);
  }

  /**
   * As {@link #importTfEvents(Path, Path, Map, boolean)}; with {@code stepBackIsRestart}, an event
   * with a summary at a step below the run's latest one is also a restart from that step (its run's
   * earlier values at steps {@code >=} it are discarded, every tag): what a PyTorch {@code
   * SummaryWriter} run resumed from a checkpoint looks like, since it writes no {@code
   * SessionLog.START}.
   */
  public static Interchange.ImportReport importTfEvents(
      Path in,
      Path runDir,
      Map<String, String> tags,
      boolean skipBadRecords,
      boolean stepBackIsRestart) {
    return TfEventsImport.importRun(in, runDir, tags, skipBadRecords, stepBackIsRestart);
  }

  /**
   * Which foreign CSV logger wrote a header, or null: Lightning's {@code CSVLogger} writes a {@code
   * step} column (and {@code epoch}); Keras' {@code CSVLogger} starts with {@code epoch} and has no
   * {@code step}.
   */
  public static String csvKind(List<String> header) {
    if (header.contains("step") && header.contains("epoch")) {
      return "lightning-csv";
    }
    if (!header.isEmpty() && header.get(0).equals("epoch") && !header.contains("step")) {
      return "keras-csv";
    }
    return null;
  }

  /**
   * Imports a Lightning or Keras {@code CSVLogger} file into a new run folder. Lightning: the step
   * is the {@code step} column, rows are sparse (empty = not logged at that row), several rows may
   * share a step; Keras: one row per epoch, the step is the {@code epoch} column.
   *
   * @param format {@code lightning-csv} or {@code keras-csv}
   * @throws TelemetryException naming the file and line when it cannot be imported; nothing is
   *     written then
   */
  public static Interchange.ImportReport importLoggerCsv(
      Path in, String format, Path runDir, Map<String, String> tags, boolean skipBadRecords) {
    return LoggerCsvImport.importRun(in, format, runDir, tags, skipBadRecords);
  }
}
