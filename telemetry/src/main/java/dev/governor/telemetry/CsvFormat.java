package dev.governor.telemetry;

import dev.governor.control.Decision;
import dev.governor.control.Observation;
import dev.governor.telemetry.RowImport.BadRow;
import dev.governor.telemetry.RowImport.Parsed;
import java.io.IOException;
import java.io.Writer;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Governor's CSV format both ways (columns and values: {@link Interchange}): parsing a file into
 * rows, and writing one export row. NaN is written as an empty field, infinities as {@code inf} /
 * {@code -inf}, doubles by {@link Double#toString} so they re-import bit for bit.
 */
final class CsvFormat {
  private CsvFormat() {}

  /**
   * The rows of a Governor CSV file: a header line naming the columns, then one row a line.
   *
   * @throws TelemetryException naming the file and line for a missing header or column, and for a
   *     bad row unless {@code skip}
   */
  static Parsed parse(Path in, List<String> lines, boolean skip) {
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
        p.rows.add(RowImport.row(row, p));
      } catch (BadRow e) {
        RowImport.bad(in, p, i + 1, e.getMessage(), skip);
      }
    }
    return p;
  }

  private static String[] split(String line) {
    return line.split(",", -1);
  }

  private static void checkHeader(Path in, int lineNo, Parsed p) {
    for (String r : Interchange.REQUIRED) {
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
      if (!Interchange.REQUIRED.contains(c) && !Interchange.OPTIONAL.contains(c)) {
        p.warnings.add("unknown column '" + c + "' ignored");
      }
    }
  }

  /** Writes the export header line ({@link Interchange#EXPORT_COLUMNS}). */
  static void writeHeader(Writer w) throws IOException {
    w.write(String.join(",", Interchange.EXPORT_COLUMNS));
    w.write('\n');
  }

  /** Writes one export row: the observation and the decision made after it (null: none). */
  static void writeRow(Writer w, Observation o, Decision d) throws IOException {
    StringBuilder sb = new StringBuilder(160);
    sb.append(o.step()).append(',').append(o.epoch());
    for (double x :
        new double[] {
          o.loss(),
          o.gradNorm(),
          o.lr(),
          o.clip(),
          o.weightDecay(),
          o.valLoss(),
          o.paramNorm(),
          o.updateNorm(),
          o.alignment(),
          o.sharpness(),
          d == null ? Double.NaN : d.lr,
          d == null ? Double.NaN : d.clip,
          d == null ? Double.NaN : d.weightDecay
        }) {
      sb.append(',').append(number(x));
    }
    sb.append(',').append(d == null ? "" : d.action.name()).append('\n');
    w.write(sb.toString());
  }

  private static String number(double x) {
    if (Double.isNaN(x)) {
      return "";
    }
    if (Double.isInfinite(x)) {
      return x > 0 ? "inf" : "-inf";
    }
    return Double.toString(x);
  }
}
