package dev.governor.telemetry;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.governor.control.Decision;
import dev.governor.control.Observation;
import dev.governor.control.PolicySpec;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Telemetry from and to other tools: import of CSV / JSON-lines files into a run folder (and, via
 * {@link #importAny}, of TensorBoard event files and Lightning / Keras CSVLogger files: {@link
 * ForeignImport}), export of a run folder to CSV, JSON lines or a TensorBoard event file.
 *
 * <p>Import columns: {@code step, loss, grad_norm} required; {@code epoch, lr, clip, wd, val_loss,
 * param_norm, update_norm} optional. A CSV needs a header line; a JSONL line is an object with
 * those keys (a key twice in one object is a bad row). A UTF-8 byte-order mark before the header is
 * dropped. Unknown columns are ignored with a warning. A bad row — a non-numeric value, NaN (or
 * empty) where a value is required, a negative norm, a step that repeats or decreases, a wrong
 * number of fields — is reported with its line number and either skipped or fatal. Values: numbers
 * in Java/C syntax, {@code nan}, {@code inf}, {@code -inf} (any case, also {@code Infinity}); empty
 * = NaN (not measured). Infinite loss or gradient norm is kept (a diverged step is data).
 *
 * <p>Export columns: the import columns with {@code lr, clip, wd} as applied at the step, then the
 * decision made after the step: {@code decided_lr, decided_clip, decided_wd, action} (empty where
 * there is none). NaN exports as empty (CSV) or null (JSONL); infinities as {@code inf}/{@code
 * -inf} (CSV) or the strings {@code "inf"}/{@code "-inf"} (JSONL). Doubles are written with {@link
 * Double#toString}, so they re-import bit for bit.
 */
public final class Interchange {
  private Interchange() {}

  private static final ObjectMapper JSON =
      new ObjectMapper()
          .enable(com.fasterxml.jackson.core.JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

  /** Every import format; {@code auto} picks one from the input (see {@link #detect}). */
  public static final List<String> IMPORT_FORMATS =
      List.of("auto", "csv", "jsonl", "tfevents", "lightning-csv", "keras-csv");

  /** Required import columns. */
  public static final List<String> REQUIRED = List.of("step", "loss", "grad_norm");

  /** Optional import columns. */
  public static final List<String> OPTIONAL =
      List.of("epoch", "lr", "clip", "wd", "val_loss", "param_norm", "update_norm");

  /** Export columns, in order. */
  public static final List<String> EXPORT_COLUMNS =
      List.of(
          "step",
          "epoch",
          "loss",
          "grad_norm",
          "lr",
          "clip",
          "wd",
          "val_loss",
          "param_norm",
          "update_norm",
          "decided_lr",
          "decided_clip",
          "decided_wd",
          "action");

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
      List<String> header = ForeignImport.csvHeader(in);
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
    Parsed p =
        format.equals("csv")
            ? parseCsv(in, lines, skipBadRows)
            : parseJsonl(in, lines, skipBadRows);
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

  private static final class Parsed {
    final List<Observation> rows = new ArrayList<>();
    final List<String> bad = new ArrayList<>();
    final List<String> warnings = new ArrayList<>();
    final List<String> columns = new ArrayList<>();
    long lastStep = -1;
  }

  private static final class BadRow extends Exception {
    BadRow(String m) {
      super(m, null, false, false);
    }
  }

  private static Parsed parseCsv(Path in, List<String> lines, boolean skip) {
    Parsed p = new Parsed();
    int first = 0;
    while (first < lines.size() && lines.get(first).isBlank()) {
      first++;
    }
    if (first == lines.size()) {
      throw new TelemetryException(
          in + " is empty (a header line with step,loss,grad_norm is required)");
    }
    String[] header = split(lines.get(first));
    for (String h : header) {
      p.columns.add(h.trim().toLowerCase(Locale.ROOT));
    }
    checkHeader(in, first + 1, p);
    for (int i = first + 1; i < lines.size(); i++) {
      String line = lines.get(i);
      if (line.isBlank()) {
        continue;
      }
      String[] f = split(line);
      try {
        if (f.length != header.length) {
          throw new BadRow("has " + f.length + " fields, but the header has " + header.length);
        }
        Map<String, String> row = new LinkedHashMap<>();
        for (int c = 0; c < f.length; c++) {
          row.put(p.columns.get(c), f[c].trim());
        }
        p.rows.add(row(row, p));
      } catch (BadRow e) {
        bad(in, p, i + 1, e.getMessage(), skip);
      }
    }
    return p;
  }

  private static String[] split(String line) {
    return line.split(",", -1);
  }

  private static void checkHeader(Path in, int lineNo, Parsed p) {
    for (String r : REQUIRED) {
      if (!p.columns.contains(r)) {
        boolean numeric = !p.columns.isEmpty() && p.columns.get(0).matches("[-+0-9.eE]+");
        throw new TelemetryException(
            in
                + " line "
                + lineNo
                + ": "
                + (numeric
                    ? "a header line is required (the columns step, loss, grad_norm), but the first"
                        + " line is data"
                    : "required column '" + r + "' is missing (columns: " + p.columns + ")"));
      }
    }
    Set<String> seen = new java.util.HashSet<>();
    for (String c : p.columns) {
      if (!seen.add(c)) {
        throw new TelemetryException(in + " line " + lineNo + ": column '" + c + "' appears twice");
      }
      if (!REQUIRED.contains(c) && !OPTIONAL.contains(c)) {
        p.warnings.add("unknown column '" + c + "' ignored");
      }
    }
  }

  private static Parsed parseJsonl(Path in, List<String> lines, boolean skip) {
    Parsed p = new Parsed();
    Set<String> unknown = new java.util.TreeSet<>();
    boolean any = false;
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i);
      if (line.isBlank()) {
        continue;
      }
      any = true;
      try {
        JsonNode n;
        try {
          n = JSON.readTree(line);
        } catch (JsonProcessingException e) {
          String m = e.getOriginalMessage();
          if (m.startsWith("Duplicate field '")) {
            String key = m.substring("Duplicate field '".length(), m.indexOf('\'', 17));
            throw new BadRow("key '" + key + "' appears twice");
          }
          throw new BadRow("is not JSON: " + m.replace('\n', ' '));
        }
        if (n == null || !n.isObject()) {
          throw new BadRow("is not a JSON object");
        }
        Map<String, String> row = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : n.properties()) {
          String k = e.getKey().toLowerCase(Locale.ROOT);
          if (!REQUIRED.contains(k) && !OPTIONAL.contains(k)) {
            unknown.add(k);
            continue;
          }
          JsonNode v = e.getValue();
          if (!v.isValueNode()) {
            throw new BadRow(k + " must be a number, but was " + v);
          }
          if (row.put(k, v.isNull() ? "" : v.asText()) != null) {
            throw new BadRow("key '" + k + "' appears twice (keys are case-insensitive)");
          }
          if (!p.columns.contains(k)) {
            p.columns.add(k);
          }
        }
        for (String r : REQUIRED) {
          if (!row.containsKey(r)) {
            throw new BadRow("required key '" + r + "' is missing");
          }
        }
        p.rows.add(row(row, p));
      } catch (BadRow e) {
        bad(in, p, i + 1, e.getMessage(), skip);
      }
    }
    if (!any) {
      throw new TelemetryException(in + " is empty (one JSON object per line is required)");
    }
    for (String u : unknown) {
      p.warnings.add("unknown key '" + u + "' ignored");
    }
    return p;
  }

  private static void bad(Path in, Parsed p, int line, String msg, boolean skip) {
    String m = "line " + line + ": " + msg;
    if (!skip) {
      throw new TelemetryException(in + " " + m + " (use --on-error skip to skip bad rows)");
    }
    p.bad.add(m);
  }

  private static Observation row(Map<String, String> row, Parsed p) throws BadRow {
    long step = integer(row, "step");
    if (step <= p.lastStep) {
      throw new BadRow(
          "step "
              + step
              + (step == p.lastStep ? " repeats" : " decreases")
              + " (the previous step was "
              + p.lastStep
              + ")");
    }
    double loss = number(row, "loss", true);
    double g = norm(row, "grad_norm", true);
    long epoch =
        row.containsKey("epoch") && !row.get("epoch").isEmpty() ? integer(row, "epoch") : 0;
    if (epoch > Integer.MAX_VALUE) {
      throw new BadRow("epoch must be <= " + Integer.MAX_VALUE + ", but was " + epoch);
    }
    double lr = number(row, "lr", false);
    if (!Double.isNaN(lr) && !(lr > 0 && Double.isFinite(lr))) {
      throw new BadRow("lr must be finite and > 0, but was " + row.get("lr"));
    }
    double clip = number(row, "clip", false);
    if (!Double.isNaN(clip) && !(clip > 0)) {
      throw new BadRow("clip must be > 0 (or inf for none), but was " + row.get("clip"));
    }
    double wd = number(row, "wd", false);
    if (!Double.isNaN(wd) && !(wd >= 0 && Double.isFinite(wd))) {
      throw new BadRow("wd must be finite and >= 0, but was " + row.get("wd"));
    }
    Observation o =
        Observation.builder(step)
            .epoch((int) epoch)
            .loss(loss)
            .gradNorm(g)
            .lr(lr)
            .clip(clip)
            .weightDecay(wd)
            .valLoss(number(row, "val_loss", false))
            .paramNorm(norm(row, "param_norm", false))
            .updateNorm(norm(row, "update_norm", false))
            .build();
    p.lastStep = step;
    return o;
  }

  private static long integer(Map<String, String> row, String key) throws BadRow {
    String v = row.get(key);
    if (v == null || v.isEmpty()) {
      throw new BadRow(key + " is required, but was empty");
    }
    try {
      long x = Long.parseLong(v);
      if (x < 0) {
        throw new BadRow(key + " must be an integer >= 0, but was " + v);
      }
      return x;
    } catch (NumberFormatException e) {
      double d = parse(key, v);
      if (d == Math.rint(d) && d >= 0 && d < 9.0e15) {
        return (long) d; // e.g. "12.0" from a float column
      }
      throw new BadRow(key + " must be an integer >= 0, but was '" + v + "'");
    }
  }

  private static double number(Map<String, String> row, String key, boolean required)
      throws BadRow {
    String v = row.get(key);
    if (v == null || v.isEmpty()) {
      if (required) {
        throw new BadRow(key + " is required, but was empty");
      }
      return Double.NaN;
    }
    double d = parse(key, v);
    if (required && Double.isNaN(d)) {
      throw new BadRow(key + " is required, but was NaN");
    }
    return d;
  }

  private static double norm(Map<String, String> row, String key, boolean required) throws BadRow {
    double d = number(row, key, required);
    if (d < 0) {
      throw new BadRow(key + " is a norm and must be >= 0, but was " + row.get(key));
    }
    return d;
  }

  /**
   * Parses a value: a number in Java/C syntax, {@code nan}, {@code inf}, {@code -inf} (any case,
   * also {@code Infinity}).
   *
   * @throws IllegalArgumentException {@code "KEY must be a number, but was 'V'"}
   */
  static double parseValue(String key, String v) {
    try {
      return parse(key, v);
    } catch (BadRow e) {
      throw new IllegalArgumentException(e.getMessage());
    }
  }

  private static double parse(String key, String v) throws BadRow {
    String s = v.trim().toLowerCase(Locale.ROOT);
    switch (s) {
      case "nan":
        return Double.NaN;
      case "inf", "+inf", "infinity", "+infinity":
        return Double.POSITIVE_INFINITY;
      case "-inf", "-infinity":
        return Double.NEGATIVE_INFINITY;
      default:
        break;
    }
    if (!s.matches("[-+]?(\\d+\\.?\\d*|\\.\\d+)(e[-+]?\\d+)?")) {
      throw new BadRow(key + " must be a number, but was '" + v + "'");
    }
    return Double.parseDouble(s);
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
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    long rows = 0;
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
      try (TelemetryLog tl = run.readTelemetry();
          Stream<LogRecord> records = tl.records();
          Stream<Decision> decisions = run.decisions();
          OutputStream os = new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16)) {
        Joiner j = new Joiner(decisions.iterator(), re);
        Iterator<LogRecord> tt = records.iterator();
        if (format.equals("tfevents")) {
          rows = tfExport(tt, j, new TfEvents(os, wallTime));
        } else {
          Writer w = new BufferedWriter(new java.io.OutputStreamWriter(os, StandardCharsets.UTF_8));
          if (format.equals("csv")) {
            w.write(String.join(",", EXPORT_COLUMNS));
            w.write('\n');
          }
          while (tt.hasNext()) {
            if (tt.next() instanceof LogRecord.Observed observed) {
              Observation o = observed.observation();
              textRow(w, format.equals("csv"), o, j.at(o.step()));
              rows++;
            }
          }
          w.flush();
        }
      }
      Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new TelemetryException("cannot write " + file + ": " + e.getMessage(), e);
    } finally {
      try {
        Files.deleteIfExists(tmp);
      } catch (IOException e) {
        // best effort
      }
    }
    return Map.entry(file, rows);
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
  private static final class Joiner {
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
   * Writes the telemetry as TensorBoard events: one event per step (strictly increasing steps: a
   * step already written is not written again, so TensorBoard shows no duplicates, and no {@code
   * SessionLog.START} is ever written, so it purges nothing). Guard events go to the step they were
   * carried out at.
   */
  private static long tfExport(Iterator<LogRecord> tt, Joiner j, TfEvents tf) throws IOException {
    TfWriter w = new TfWriter(j, tf);
    while (tt.hasNext()) {
      LogRecord r = tt.next();
      if (r instanceof LogRecord.Observed o) {
        w.observation(o.observation());
      } else if (r instanceof LogRecord.Occurred e) {
        w.event(e.event());
      }
      w.rethrow();
    }
    w.flush();
    w.rethrow();
    return w.rows;
  }

  /** Gathers an observation and the guard events of its step, then writes them as one event. */
  private static final class TfWriter {
    private final Joiner j;
    private final TfEvents tf;
    private Observation pending;
    private long step = -1;
    private final boolean[] guard = new boolean[3];
    private long written = -1;
    private IOException failed;
    long rows;

    TfWriter(Joiner j, TfEvents tf) {
      this.j = j;
      this.tf = tf;
    }

    void observation(Observation o) {
      flush();
      if (o.step() > written) {
        pending = o;
        step = o.step();
      }
    }

    void event(Event e) {
      int g =
          switch (e.kind()) {
            case SKIP -> 0;
            case ROLLBACK -> 1;
            case RESET -> 2;
            default -> -1;
          };
      if (g < 0) {
        return;
      }
      if (e.step() != step) {
        flush();
        if (e.step() <= written) {
          return;
        }
        step = e.step();
      }
      guard[g] = true;
    }

    void flush() {
      if (failed == null && step >= 0) {
        try {
          if (pending != null) {
            tfRow(tf, pending, j.at(step));
            rows++;
          }
          if (guard[0]) {
            tf.scalar("guard/skip", 1);
          }
          if (guard[1]) {
            tf.scalar("guard/rollback", 1);
          }
          if (guard[2]) {
            tf.scalar("guard/reset", 1);
          }
          tf.endStep(step);
          written = step;
        } catch (IOException e) {
          failed = e;
        }
      }
      pending = null;
      step = -1;
      java.util.Arrays.fill(guard, false);
    }

    void rethrow() throws IOException {
      if (failed != null) {
        throw failed;
      }
    }
  }

  private static void tfRow(TfEvents tf, Observation o, Decision d) {
    tf.scalar("loss", o.loss());
    tf.scalar("grad_norm", o.gradNorm());
    tf.scalar("lr", o.lr());
    if (o.clip() != Double.POSITIVE_INFINITY) {
      tf.scalar("clip", o.clip());
    }
    tf.scalar("wd", o.weightDecay());
    tf.scalar("effective_lr", o.effectiveLr());
    tf.scalar("val_loss", o.valLoss());
    tf.scalar("param_norm", o.paramNorm());
    tf.scalar("update_norm", o.updateNorm());
    tf.scalar("epoch", o.epoch());
    if (d != null) {
      tf.scalar("decided/lr", d.lr);
      if (d.clip != Double.POSITIVE_INFINITY) {
        tf.scalar("decided/clip", d.clip);
      }
      tf.scalar("decided/wd", d.weightDecay);
    }
  }

  private static void textRow(Writer w, boolean csv, Observation o, Decision d) throws IOException {
    Object[] v = {
      o.step(),
      (long) o.epoch(),
      o.loss(),
      o.gradNorm(),
      o.lr(),
      o.clip(),
      o.weightDecay(),
      o.valLoss(),
      o.paramNorm(),
      o.updateNorm(),
      d == null ? Double.NaN : d.lr,
      d == null ? Double.NaN : d.clip,
      d == null ? Double.NaN : d.weightDecay,
      d == null ? null : d.action.name()
    };
    StringBuilder sb = new StringBuilder(160);
    if (!csv) {
      sb.append('{');
    }
    for (int i = 0; i < v.length; i++) {
      if (i > 0) {
        sb.append(',');
      }
      if (!csv) {
        sb.append('"').append(EXPORT_COLUMNS.get(i)).append("\":");
      }
      Object x = v[i];
      if (x == null) {
        sb.append(csv ? "" : "null");
      } else if (x instanceof Double dd) {
        sb.append(csv ? csvNumber(dd) : jsonNumber(dd));
      } else if (x instanceof String s) {
        sb.append(csv ? s : "\"" + s + "\"");
      } else {
        sb.append(x);
      }
    }
    if (!csv) {
      sb.append('}');
    }
    sb.append('\n');
    w.write(sb.toString());
  }

  private static String csvNumber(double x) {
    if (Double.isNaN(x)) {
      return "";
    }
    if (Double.isInfinite(x)) {
      return x > 0 ? "inf" : "-inf";
    }
    return Double.toString(x);
  }

  private static String jsonNumber(double x) {
    if (Double.isNaN(x)) {
      return "null";
    }
    if (Double.isInfinite(x)) {
      return x > 0 ? "\"inf\"" : "\"-inf\"";
    }
    return Double.toString(x);
  }
}
