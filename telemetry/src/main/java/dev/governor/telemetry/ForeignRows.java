package dev.governor.telemetry;

import static dev.governor.telemetry.ForeignImport.COLUMNS;
import static dev.governor.telemetry.ForeignImport.DEFAULTS;

import dev.governor.control.Observation;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What every foreign format shares ({@link ForeignImport}): the resolution of tags to Governor's
 * columns ({@link TagMapping}), the assembly of values into observations and guard events ({@link
 * Assembler}), the handling of bad records ({@link Bad}), and the two passes of an import (a dry
 * run that checks everything, then the write).
 */
final class ForeignRows {
  private ForeignRows() {}

  // column indexes, in the order of ForeignImport.COLUMNS
  static final int LOSS = 0;
  static final int GRAD = 1;
  static final int LR = 2;
  static final int CLIP = 3;
  static final int WD = 4;
  static final int EPOCH = 5;
  static final int VAL = 6;
  static final int PARAM = 7;
  static final int UPDATE = 8;
  static final int SKIP = 9;
  static final int ROLLBACK = 10;
  static final int RESET = 11;
  static final int NCOL = 12;

  /** Where the assembled rows go. */
  interface Sink {
    void observation(Observation o);

    void event(EventKind kind, long step);
  }

  /** Bad records: fatal or collected. */
  static final class Bad {
    final boolean skip;
    final boolean report;
    final List<String> list;

    Bad(boolean skip, boolean report, List<String> list) {
      this.skip = skip;
      this.report = report;
      this.list = list;
    }

    void add(Path file, String what) {
      if (!report) {
        return;
      }
      if (!skip) {
        throw new TelemetryException(
            file + " " + what + " (use --on-error skip to skip bad records)");
      }
      list.add(file + " " + what);
    }
  }

  /** Builds observations from values arriving in non-decreasing step order (see the class doc). */
  static final class Assembler {
    private final Sink sink;
    private final Bad bad;
    private final String[] tagOf;
    private double lr = Double.NaN;
    private double clip = Double.NaN;
    private double wd = Double.NaN;
    private int epoch;
    // the pending observation (not written until the next step with a loss)
    private boolean pending;
    private long pStep;
    private final double[] p = new double[NCOL];
    private final List<long[]> pEvents = new ArrayList<>();
    // the current step's values
    private boolean inGroup;
    private long gStep;
    private final double[] g = new double[NCOL];
    private final boolean[] gHas = new boolean[NCOL];
    final long[] dropped = new long[NCOL];
    long lrZero;
    long nonFiniteLoss;
    long rows;
    long events;

    Assembler(Sink sink, Bad bad, String[] tagOf) {
      this.sink = sink;
      this.bad = bad;
      this.tagOf = tagOf;
    }

    /**
     * One value; {@code step} must not be below the previous value's. {@code unit} and {@code at}
     * locate it for a message ({@code "offset", 1234} or {@code "line", 7}).
     */
    void accept(long step, int col, double v, Path file, String unit, long at) {
      if (inGroup && step != gStep) {
        closeGroup();
      }
      if (!inGroup) {
        inGroup = true;
        gStep = step;
        Arrays.fill(gHas, false);
      }
      String problem = check(col, v);
      if (problem != null) {
        bad.add(
            file,
            unit + " " + at + ": tag '" + tagOf[col] + "' (" + COLUMNS.get(col) + ") " + problem);
        return;
      }
      if (gHas[col]) {
        if (Double.doubleToLongBits(g[col]) != Double.doubleToLongBits(v)) {
          bad.add(
              file,
              unit
                  + " "
                  + at
                  + ": tag '"
                  + tagOf[col]
                  + "' has a second value "
                  + v
                  + " at step "
                  + step
                  + " (the first was "
                  + g[col]
                  + "); one value per step expected");
        }
        return;
      }
      gHas[col] = true;
      g[col] = v;
    }

    private static String check(int col, double v) {
      switch (col) {
        case GRAD, PARAM, UPDATE -> {
          if (v < 0) {
            return "is a norm and must be >= 0, but was " + v;
          }
        }
        case LR -> {
          if (v < 0 || v == Double.POSITIVE_INFINITY) {
            return "must be finite and >= 0, but was " + v;
          }
        }
        case CLIP -> {
          if (!(v > 0) && !Double.isNaN(v)) {
            return "must be > 0 (or inf for none), but was " + v;
          }
        }
        case WD -> {
          if (v < 0 || v == Double.POSITIVE_INFINITY) {
            return "must be finite and >= 0, but was " + v;
          }
        }
        case EPOCH -> {
          if (!(v >= 0 && v <= Integer.MAX_VALUE && v == Math.rint(v))) {
            return "must be an integer in [0, " + Integer.MAX_VALUE + "], but was " + v;
          }
        }
        default -> {
          // loss, val_loss: any value is data; skip / rollback: a value other than 0 or NaN marks
          // one
        }
      }
      return null;
    }

    private void closeGroup() {
      inGroup = false;
      if (gHas[LR]) {
        if (g[LR] == 0) {
          lrZero++;
          lr = Double.NaN;
        } else {
          lr = g[LR];
        }
      }
      if (gHas[CLIP]) {
        clip = g[CLIP];
      }
      if (gHas[WD]) {
        wd = g[WD];
      }
      if (gHas[EPOCH]) {
        epoch = (int) g[EPOCH];
      }
      if (gHas[LOSS]) {
        flush();
        pending = true;
        pStep = gStep;
        p[LOSS] = g[LOSS];
        if (!Double.isFinite(g[LOSS])) {
          nonFiniteLoss++;
        }
        p[LR] = lr;
        p[CLIP] = clip;
        p[WD] = wd;
        p[EPOCH] = epoch;
        for (int c : new int[] {GRAD, VAL, PARAM, UPDATE}) {
          p[c] = gHas[c] ? g[c] : Double.NaN;
        }
      } else {
        for (int c : new int[] {GRAD, VAL, PARAM, UPDATE}) {
          if (gHas[c]) {
            if (pending && Double.isNaN(p[c])) {
              p[c] = g[c];
            } else {
              dropped[c]++;
            }
          }
        }
      }
      for (int c : new int[] {SKIP, ROLLBACK, RESET}) {
        if (gHas[c] && g[c] != 0 && !Double.isNaN(g[c])) {
          long[] e = {c, gStep};
          if (pending) {
            pEvents.add(e);
          } else {
            sink.event(guardKind(c), gStep);
            events++;
          }
        }
      }
    }

    private void flush() {
      if (!pending) {
        return;
      }
      sink.observation(
          Observation.builder(pStep)
              .epoch((int) p[EPOCH])
              .loss(p[LOSS])
              .gradNorm(p[GRAD])
              .lr(p[LR])
              .clip(p[CLIP])
              .weightDecay(p[WD])
              .valLoss(p[VAL])
              .paramNorm(p[PARAM])
              .updateNorm(p[UPDATE])
              .build());
      rows++;
      for (long[] e : pEvents) {
        sink.event(guardKind((int) e[0]), e[1]);
        events++;
      }
      pEvents.clear();
      pending = false;
    }

    private static EventKind guardKind(int col) {
      return col == SKIP ? EventKind.SKIP : col == ROLLBACK ? EventKind.ROLLBACK : EventKind.RESET;
    }

    /** Closes the last step and writes the pending observation. */
    void finish() {
      if (inGroup) {
        closeGroup();
      }
      flush();
    }
  }

  static Map<String, String> mappingOf(TagMapping m) {
    Map<String, String> r = new LinkedHashMap<>();
    for (int c = 0; c < NCOL; c++) {
      if (m.tagOf[c] != null) {
        r.put(COLUMNS.get(c), m.tagOf[c]);
      }
    }
    return r;
  }

  static void describeAssembly(Assembler a, TagMapping m, List<String> warnings) {
    for (int c = 0; c < NCOL; c++) {
      if (a.dropped[c] > 0) {
        warnings.add(
            a.dropped[c]
                + " values of tag '"
                + m.tagOf[c]
                + "' ("
                + COLUMNS.get(c)
                + ") at steps with no loss dropped (no earlier observation lacked one)");
      }
    }
    if (a.lrZero > 0) {
      warnings.add(a.lrZero + " lr values of 0 (a warm-up start) imported as not measured");
    }
    if (a.nonFiniteLoss > 0) {
      warnings.add(a.nonFiniteLoss + " steps with a NaN or infinite loss kept as data");
    }
    if (m.tagOf[GRAD] == null) {
      warnings.add(
          "no tag for grad_norm (tried "
              + DEFAULTS.get("grad_norm")
              + "): imported as not measured; policies that read it will hold");
    }
  }

  private static Sink countingSink() {
    return new Sink() {
      @Override
      public void observation(Observation o) {}

      @Override
      public void event(EventKind kind, long step) {}
    };
  }

  private static Sink appendingSink(TelemetryLog.Appender a) {
    return new Sink() {
      @Override
      public void observation(Observation o) {
        a.append(o);
      }

      @Override
      public void event(EventKind kind, long step) {
        a.appendEvent(kind, step, Double.NaN);
      }
    };
  }

  /**
   * Refuses an input whose dry run assembled no observation ({@code noRows} + the loss tag, and the
   * first bad record if there was one), then adds the assembly's warnings ({@link
   * #describeAssembly}).
   *
   * @throws TelemetryException when there is no observation
   */
  static void checkAssembly(
      Assembler dry, TagMapping m, String noRows, List<String> badList, List<String> warnings) {
    if (dry.rows == 0) {
      throw new TelemetryException(
          noRows
              + " '"
              + m.tagOf[LOSS]
              + "' (loss)"
              + (badList.isEmpty() ? "" : " (" + badList.get(0) + ")"));
    }
    describeAssembly(dry, m, warnings);
  }

  /** Feeds one format's values, in non-decreasing step order, into an assembler. */
  interface Feed {
    void into(Assembler a, Bad bad);
  }

  /**
   * Assembles the whole input without writing anything: a fatal bad record fails here, before the
   * run folder exists; skipped ones are added to {@code badList}.
   */
  static Assembler dryRun(TagMapping m, boolean skipBadRecords, List<String> badList, Feed feed) {
    Bad bad = new Bad(skipBadRecords, true, badList);
    Assembler dry = new Assembler(countingSink(), bad, m.tagOf);
    feed.into(dry, bad);
    dry.finish();
    return dry;
  }

  /**
   * Assembles the input again into the telemetry of the new {@code run} (its bad records were
   * reported by the dry run) and returns the import's report.
   */
  static Interchange.ImportReport write(
      RunFolder run,
      TagMapping m,
      Assembler dry,
      List<String> badList,
      List<String> warnings,
      Feed feed) {
    Bad quiet = new Bad(true, false, badList);
    try (TelemetryLog log = run.openTelemetry();
        TelemetryLog.Appender a = log.appender()) {
      Assembler w = new Assembler(appendingSink(a), quiet, m.tagOf);
      feed.into(w, quiet);
      w.finish();
    }
    return new Interchange.ImportReport(
        run, dry.rows, badList.size(), warnings, badList, mappingOf(m));
  }
}
