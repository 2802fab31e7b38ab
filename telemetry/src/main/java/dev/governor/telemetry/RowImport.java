package dev.governor.telemetry;

import dev.governor.control.Observation;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What importing Governor's own CSV and JSON-lines files shares (see {@link Interchange} for the
 * columns and values): the rows read so far, a bad row, and turning one row of column texts into an
 * {@link Observation} with its checks.
 */
final class RowImport {
  private RowImport() {}

  /** The rows of one file, the bad rows, remarks and the columns seen. */
  static final class Parsed {
    final List<Observation> rows = new ArrayList<>();
    final List<String> bad = new ArrayList<>();
    final List<String> warnings = new ArrayList<>();
    final List<String> columns = new ArrayList<>();
    long lastStep = -1;
  }

  /** A row that cannot be imported; the message says why. */
  static final class BadRow extends Exception {
    BadRow(String m) {
      super(m, null, false, false);
    }
  }

  /** Records a bad row at {@code line}, or fails the import with it unless {@code skip}. */
  static void bad(Path in, Parsed p, int line, String msg, boolean skip) {
    String m = "line " + line + ": " + msg;
    if (!skip) {
      throw new TelemetryException(in + " " + m + " (use --on-error skip to skip bad rows)");
    }
    p.bad.add(m);
  }

  /** The observation of one row (column -> text); checks it and that its step increases. */
  static Observation row(Map<String, String> row, Parsed p) throws BadRow {
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
    double align = number(row, "alignment", false);
    if (!Double.isNaN(align) && !(align >= -1 && align <= 1)) {
      throw new BadRow("alignment must be in [-1, 1], but was " + row.get("alignment"));
    }
    double sharp = number(row, "sharpness", false);
    if (sharp < 0) {
      throw new BadRow("sharpness must be >= 0, but was " + row.get("sharpness"));
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
            .alignment(align)
            .sharpness(sharp)
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

  static double parse(String key, String v) throws BadRow {
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
}
