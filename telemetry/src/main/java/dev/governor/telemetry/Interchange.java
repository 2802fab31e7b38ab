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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Telemetry from and to other tools: import of CSV / JSON-lines files into a run folder, export of
 * a run folder to CSV, JSON lines or a TensorBoard event file.
 *
 * <p>Import columns: {@code step, loss, grad_norm} required; {@code epoch, lr, clip, wd, val_loss,
 * param_norm, update_norm} optional. A CSV needs a header line; a JSONL line is an object with
 * those keys. Unknown columns are ignored with a warning. A bad row — a non-numeric value, NaN (or
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

  private static final ObjectMapper JSON = new ObjectMapper();

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
   * @param badRows the bad rows, each {@code "line N: reason"}
   */
  public record ImportReport(
      RunFolder run, long imported, long skipped, List<String> warnings, List<String> badRows) {}

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
    String id = runDir.toAbsolutePath().normalize().getFileName().toString();
    if (!id.matches("[A-Za-z0-9][A-Za-z0-9._-]*")) {
      id = "imported";
    }
    RunFolder run =
        RunFolder.create(runDir, RunHeader.of(id, PolicySpec.of("imported"), config, 0));
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
          throw new BadRow("is not JSON: " + e.getOriginalMessage().replace('\n', ' '));
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
          row.put(k, v.isNull() ? "" : v.asText());
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
   * Exports a run folder: one row (or one TensorBoard event) per observation, joined with the
   * decision made after it. For {@code tfevents}, when {@code out} is a folder, the file is {@code
   * out/events.out.tfevents.<start-seconds>.governor}.
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
    Path file = out;
    if (format.equals("tfevents") && Files.isDirectory(out)) {
      file = out.resolve("events.out.tfevents." + (long) wallTime + ".governor");
    }
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    long rows = 0;
    try {
      if (file.getParent() != null) {
        Files.createDirectories(file.toAbsolutePath().getParent());
      }
      try (TelemetryLog tl = run.readTelemetry();
          TelemetryLog.Tailer tt = tl.tailer();
          DecisionLog dl = run.hasDecisions() ? run.readDecisions() : null;
          DecisionLog.Tailer dt = dl == null ? null : dl.tailer();
          OutputStream os = new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16)) {
        Writer w =
            format.equals("tfevents")
                ? null
                : new BufferedWriter(new java.io.OutputStreamWriter(os, StandardCharsets.UTF_8));
        TfEvents tf = format.equals("tfevents") ? new TfEvents(os, wallTime) : null;
        if (format.equals("csv")) {
          w.write(String.join(",", EXPORT_COLUMNS));
          w.write('\n');
        }
        Decision d = new Decision();
        boolean haveD = dt != null && dt.poll(d);
        Observation o;
        while ((o = tt.poll()) != null) {
          while (haveD && d.step < o.step()) {
            haveD = dt.poll(d);
          }
          boolean joined = haveD && d.step == o.step();
          if (tf != null) {
            tfRow(tf, o, joined ? d : null);
          } else {
            textRow(w, format.equals("csv"), o, joined ? d : null);
          }
          rows++;
        }
        if (w != null) {
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

  private static double startSeconds(String startTime) {
    try {
      return Instant.parse(startTime).getEpochSecond();
    } catch (DateTimeParseException e) {
      return 0;
    }
  }

  private static void tfRow(TfEvents tf, Observation o, Decision d) throws IOException {
    tf.scalar("loss", o.loss());
    tf.scalar("grad_norm", o.gradNorm());
    tf.scalar("lr", o.lr());
    tf.scalar("clip", o.clip());
    tf.scalar("wd", o.weightDecay());
    tf.scalar("effective_lr", o.effectiveLr());
    tf.scalar("val_loss", o.valLoss());
    tf.scalar("param_norm", o.paramNorm());
    tf.scalar("update_norm", o.updateNorm());
    if (d != null) {
      tf.scalar("decided_lr", d.lr);
      tf.scalar("decided_clip", d.clip);
      tf.scalar("decided_wd", d.weightDecay);
    }
    tf.endStep(o.step());
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
