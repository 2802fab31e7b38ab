package dev.governor.telemetry;

import dev.governor.control.Decision;
import dev.governor.control.Observation;
import dev.governor.control.PolicySpec;
import dev.governor.report.AtomicFile;
import java.io.BufferedOutputStream;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Telemetry from and to other tools: import of CSV / JSON-lines files into a run folder (and, via
 * {@link #importAny}, of TensorBoard event files and Lightning / Keras CSVLogger files: {@link
 * ForeignImport}), export of a run folder to CSV, JSON lines or a TensorBoard event file.
 *
 * <p>Import columns: {@code step, loss, grad_norm} required; {@code epoch, lr, clip, wd, val_loss,
 * param_norm, update_norm, alignment, sharpness} optional ({@code alignment} = cos(g<sub>t</sub>,
 * g<sub>t−1</sub>) in [−1, 1], {@code sharpness} the secant curvature estimate, {@code >= 0}). A
 * CSV needs a header line; a JSONL line is an object with those keys (a key twice in one object is
 * a bad row). A UTF-8 byte-order mark before the header is dropped. Unknown columns are ignored
 * with a warning. A bad row — a non-numeric value, NaN (or empty) where a value is required, a
 * negative norm, a step that repeats or decreases, a wrong number of fields — is reported with its
 * line number and either skipped or fatal. Values: numbers in Java/C syntax, {@code nan}, {@code
 * inf}, {@code -inf} (any case, also {@code Infinity}); empty = NaN (not measured). Infinite loss
 * or gradient norm is kept (a diverged step is data).
 *
 * <p>Export columns: the import columns with {@code lr, clip, wd} as applied at the step, then the
 * decision made after the step: {@code decided_lr, decided_clip, decided_wd, action} (empty where
 * there is none: empty in CSV, {@code null} in JSONL). NaN exports as empty (CSV) or, in JSONL, as
 * the string {@code "NaN"} of the one JSON encoding ({@code dev.governor.report.Json}); infinities
 * as {@code inf}/{@code -inf} (CSV) or the strings {@code "Infinity"}/{@code "-Infinity"} (JSONL).
 * Doubles are written with {@link Double#toString}, so they re-import bit for bit.
 */
public final class Interchange {
  private Interchange() {}

  /** Every import format; {@code auto} picks one from the input (see {@link #detect}). */
  public static final List<String> IMPORT_FORMATS =
      List.of("auto", "csv", "jsonl", "tfevents", "lightning-csv", "keras-csv");

  /** Required import columns. */
  public static final List<String> REQUIRED = List.of("step", "loss", "grad_norm");

  /** Optional import columns. */
  public static final List<String> OPTIONAL =
      List.of(
          "epoch",
          "lr",
          "clip",
          "wd",
          "val_loss",
          "param_norm",
          "update_norm",
          "alignment",
          "sharpness");

  /**
   * Export columns, in order: {@code step, epoch, loss, grad_norm}, the other optional import
   * columns in their order, then the decision made after the step.
   */
  public static final List<String> EXPORT_COLUMNS =
      Stream.of(
              Stream.of("step", "epoch", "loss", "grad_norm"),
              OPTIONAL.stream().filter(c -> !c.equals("epoch")),
              Stream.of("decided_lr", "decided_clip", "decided_wd", "action"))
          .flatMap(c -> c)
          .toList();

  /**
   * The outcome of an import.
   *
   * @param run the run folder written
   * @param imported observations written
   * @param skipped bad rows skipped
   * @param warnings unknown columns and other remarks
   * @param badRows the bad rows, each {@code "line N: reason"} (foreign formats: {@code "FILE
   *     offset N: reason"} or {@code "FILE line N: reason"})
   * @param tags which tag (or column) each Governor column was read from; empty for Governor's own
   *     CSV / JSONL
   */
  public record ImportReport(
      RunFolder run,
      long imported,
      long skipped,
      List<String> warnings,
      List<String> badRows,
      Map<String, String> tags) {
    /** A report with no tag mapping (Governor's own columns). */
    public ImportReport(
        RunFolder run, long imported, long skipped, List<String> warnings, List<String> badRows) {
      this(run, imported, skipped, warnings, badRows, Map.of());
    }
  }

  /**
   * Imports {@code in} in any format: Governor's {@code csv} / {@code jsonl}, or a foreign one
   * ({@link ForeignImport}: {@code tfevents}, {@code lightning-csv}, {@code keras-csv}). {@code
   * auto} detects it; {@code csv} also reads a Lightning or Keras CSVLogger file recognised by its
   * header.
   *
   * @param tags {@code column -> tag} mappings for the foreign formats (must be empty for
   *     Governor's own, whose columns are named already)
   * @throws TelemetryException naming the file (and line or offset) when it cannot be imported
   */
  public static ImportReport importAny(
      Path in, String format, Path runDir, Map<String, String> tags, boolean skipBadRows) {
    return importAny(in, format, runDir, tags, skipBadRows, false);
  }

  /**
   * As {@link #importAny(Path, String, Path, Map, boolean)}; {@code stepBackIsRestart} is passed to
   * {@link ForeignImport#importTfEvents(Path, Path, Map, boolean, boolean)}.
   */
  public static ImportReport importAny(
      Path in,
      String format,
      Path runDir,
      Map<String, String> tags,
      boolean skipBadRows,
      boolean stepBackIsRestart) {
    if (!IMPORT_FORMATS.contains(format)) {
      throw new IllegalArgumentException(
          "--format must be one of " + IMPORT_FORMATS + ", but was '" + format + "'");
    }
    String f = format.equals("auto") ? detect(in) : format;
    if (f.equals("csv") && Files.isRegularFile(in)) {
      List<String> header = LoggerCsvImport.csvHeader(in);
      List<String> lower = new ArrayList<>();
      for (String h : header) {
        lower.add(h.toLowerCase(Locale.ROOT));
      }
      String kind = ForeignImport.csvKind(header);
      if (kind != null && !lower.containsAll(REQUIRED)) {
        f = kind;
      }
    }
    switch (f) {
      case "tfevents":
        return ForeignImport.importTfEvents(in, runDir, tags, skipBadRows, stepBackIsRestart);
      case "lightning-csv", "keras-csv":
        return ForeignImport.importLoggerCsv(in, f, runDir, tags, skipBadRows);
      default:
        if (!tags.isEmpty()) {
          throw new IllegalArgumentException(
              "--tag applies to tfevents, lightning-csv and keras-csv imports; a Governor "
                  + f
                  + " file names its columns (step, loss, grad_norm, ...)");
        }
        return importFile(in, f, runDir, skipBadRows);
    }
  }

  /**
   * The format of {@code in}: {@code tfevents} for a folder or a file whose name contains {@code
   * tfevents}, {@code jsonl} for {@code .jsonl} / {@code .ndjson}, else {@code csv} (whose header
   * then tells Governor's columns from a CSVLogger's).
   */
  public static String detect(Path in) {
    String name =
        in.getFileName() == null ? "" : in.getFileName().toString().toLowerCase(Locale.ROOT);
    if (Files.isDirectory(in) || name.contains("tfevents")) {
      return "tfevents";
    }
    if (name.endsWith(".jsonl") || name.endsWith(".ndjson")) {
      return "jsonl";
    }
    return "csv";
  }

  /** A line without its leading UTF-8 byte-order mark (U+FEFF), if it has one. */
  static String stripBom(String line) {
    return !line.isEmpty() && line.charAt(0) == '\uFEFF' ? line.substring(1) : line;
  }

  /** Creates the run folder of an import. */
  static RunFolder newImportRun(Path runDir, TreeMap<String, String> config, String startTime) {
    String id = runDir.toAbsolutePath().normalize().getFileName().toString();
    if (!id.matches("[A-Za-z0-9][A-Za-z0-9._-]*")) {
      id = "imported";
    }
    return RunFolder.create(
        runDir,
        new RunHeader(
            id, PolicySpec.of("imported"), config, 0, RunHeader.currentVersions(), startTime));
  }

  /**
   * Reads {@code in} ({@code csv} or {@code jsonl}) and writes its rows as observations into a new
   * run folder {@code runDir}. The whole file is checked before anything is written: with {@code
   * skipBadRows = false} the first bad row fails the import and no run folder is created.
   *
   * @throws TelemetryException naming the file (and line) when it cannot be imported
   */
  public static ImportReport importFile(Path in, String format, Path runDir, boolean skipBadRows) {
    if (!format.equals("csv") && !format.equals("jsonl")) {
      throw new IllegalArgumentException("--format must be csv or jsonl, but was '" + format + "'");
    }
    List<String> lines;
    try {
      lines = Files.readAllLines(in, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw new TelemetryException("input file not found: " + in);
    } catch (java.nio.charset.CharacterCodingException e) {
      throw new TelemetryException(
          in + " is not UTF-8 text (expected a " + format + " file): " + e.getMessage(), e);
    } catch (IOException e) {
      throw new TelemetryException("cannot read " + in + ": " + e.getMessage(), e);
    }
    if (!lines.isEmpty()) {
      lines.set(0, stripBom(lines.get(0)));
    }
    RowImport.Parsed p =
        format.equals("csv")
            ? CsvFormat.parse(in, lines, skipBadRows)
            : JsonlFormat.parse(in, lines, skipBadRows);
    if (p.rows.isEmpty()) {
      throw new TelemetryException(
          in + " has no valid data rows" + (p.bad.isEmpty() ? "" : " (" + p.bad.get(0) + ")"));
    }
    TreeMap<String, String> config = new TreeMap<>();
    config.put("import.source", in.toAbsolutePath().toString());
    config.put("import.format", format);
    config.put("import.columns", String.join(",", p.columns));
    RunFolder run = newImportRun(runDir, config, Instant.now().toString());
    try (TelemetryLog log = run.openTelemetry();
        TelemetryLog.Appender a = log.appender()) {
      for (Observation o : p.rows) {
        a.append(o);
      }
    }
    return new ImportReport(run, p.rows.size(), p.bad.size(), p.warnings, p.bad);
  }

  /**
   * The TensorBoard tags of an export, in the order written at each step: the observation's {@code
   * loss, grad_norm, lr, clip, wd, effective_lr, val_loss, param_norm, update_norm, epoch}, the
   * decision made after the step {@code decided/lr, decided/clip, decided/wd}, and the guard events
   * the trainer carried out at the step {@code guard/skip, guard/rollback, guard/reset} (value 1).
   */
  public static final List<String> TF_TAGS =
      List.of(
          "loss",
          "grad_norm",
          "lr",
          "clip",
          "wd",
          "effective_lr",
          "val_loss",
          "param_norm",
          "update_norm",
          "epoch",
          "decided/lr",
          "decided/clip",
          "decided/wd",
          "guard/skip",
          "guard/rollback",
          "guard/reset");

  /**
   * Exports a run folder: one row (or one TensorBoard event) per observation, joined with the
   * decision made after it (for a step decided more than once, after a controller restart, the
   * latest decision, as replay counts it). For {@code tfevents}, when {@code out} is a folder, the
   * file is {@code out/events.out.tfevents.<start-seconds>.governor}; see {@link #TF_TAGS} and
   * {@link TfEvents} for what it holds.
   *
   * @return the file written and the number of rows
   * @throws TelemetryException naming the file when the run cannot be read or the output written
   */
  public static Map.Entry<Path, Long> export(RunFolder run, String format, Path out) {
    if (!List.of("csv", "jsonl", "tfevents").contains(format)) {
      throw new IllegalArgumentException(
          "--format must be csv, jsonl or tfevents, but was '" + format + "'");
    }
    double wallTime = startSeconds(run.header().startTime());
    Path file = exportFile(run, format, out);
    long[] rows = {0};
    try {
      if (file.getParent() != null) {
        Files.createDirectories(file.toAbsolutePath().getParent());
      }
      Replay.Redecisions re = null;
      if (run.hasDecisions()) {
        try (DecisionLog dl = run.readDecisions()) {
          re = Replay.Redecisions.scan(dl);
        }
      }
      Replay.Redecisions redecisions = re;
      AtomicFile.write(
          file,
          raw -> {
            try (TelemetryLog tl = run.readTelemetry();
                Stream<LogRecord> records = tl.records();
                Stream<Decision> decisions = run.decisions()) {
              OutputStream os = new BufferedOutputStream(raw, 1 << 16);
              Joiner j = new Joiner(decisions.iterator(), redecisions);
              Iterator<LogRecord> tt = records.iterator();
              if (format.equals("tfevents")) {
                rows[0] = TfEventsExport.write(tt, j, new TfEvents(os, wallTime));
              } else {
                Writer w =
                    new BufferedWriter(new java.io.OutputStreamWriter(os, StandardCharsets.UTF_8));
                boolean csv = format.equals("csv");
                if (csv) {
                  CsvFormat.writeHeader(w);
                }
                try (JsonlFormat.Rows json = csv ? null : JsonlFormat.rows(w)) {
                  while (tt.hasNext()) {
                    if (tt.next() instanceof LogRecord.Observed observed) {
                      Observation o = observed.observation();
                      Decision d = j.at(o.step());
                      if (csv) {
                        CsvFormat.writeRow(w, o, d);
                      } else {
                        json.write(o, d);
                      }
                      rows[0]++;
                    }
                  }
                }
                w.flush();
              }
              os.flush();
            }
          });
    } catch (IOException e) {
      throw new TelemetryException("cannot write " + file + ": " + e.getMessage(), e);
    }
    return Map.entry(file, rows[0]);
  }

  /**
   * The file {@link #export} writes for {@code out}: {@code out} itself, or for {@code tfevents}
   * into a folder {@code out/events.out.tfevents.<start-seconds>.governor}.
   */
  public static Path exportFile(RunFolder run, String format, Path out) {
    if (format.equals("tfevents") && Files.isDirectory(out)) {
      long start = (long) Math.floor(startSeconds(run.header().startTime()));
      return out.resolve("events.out.tfevents." + start + ".governor");
    }
    return out;
  }

  /** The decision made after each step, read forward along the decision queue. */
  static final class Joiner {
    private final Iterator<Decision> dt;
    private final Replay.Redecisions re;
    private Decision d;

    Joiner(Iterator<Decision> dt, Replay.Redecisions re) {
      this.dt = dt;
      this.re = re;
      this.d = dt.hasNext() ? dt.next() : null;
    }

    /** The (latest) decision for {@code step}, or null; steps must be asked in increasing order. */
    Decision at(long step) {
      while (d != null && d.step < step) {
        d = dt.hasNext() ? dt.next() : null;
      }
      if (d == null || d.step != step) {
        return null;
      }
      List<Decision> later = re == null ? null : re.later.get(step);
      return later == null ? d : later.get(later.size() - 1);
    }
  }

  /** Seconds since the epoch of an ISO-8601 start time, to the microsecond; 0 when unreadable. */
  static double startSeconds(String startTime) {
    try {
      Instant t = Instant.parse(startTime);
      return t.getEpochSecond() + (t.getNano() / 1000) / 1e6;
    } catch (DateTimeParseException e) {
      return 0;
    }
  }

  /**
   * Parses a value: a number in Java/C syntax, {@code nan}, {@code inf}, {@code -inf} (any case,
   * also {@code Infinity}).
   *
   * @throws IllegalArgumentException {@code "KEY must be a number, but was 'V'"}
   */
  static double parseValue(String key, String v) {
    return RowImport.parseValue(key, v);
  }
}
