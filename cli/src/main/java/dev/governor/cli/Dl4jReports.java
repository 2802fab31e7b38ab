package dev.governor.cli;

import dev.governor.report.Chart;
import dev.governor.report.Downsample;
import dev.governor.report.Grid;
import dev.governor.report.HtmlPage;
import dev.governor.report.Num;
import dev.governor.report.Series;
import dev.governor.trainers.Calibration;
import dev.governor.trainers.TrainingResult;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalDouble;

/**
 * Summaries, terminal tables and HTML plots of DL4J training runs ({@code demo}, {@code train}).
 */
final class Dl4jReports {
  private Dl4jReports() {}

  /** The summary.json fields of one run (the list, in its order). */
  static Map<String, Object> summary(TrainingResult r) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("dataset", r.dataset());
    m.put("model", r.model());
    m.put("optimizer", r.optimizer());
    m.put("policy", r.policy());
    m.put("initial_lr", r.initialLr());
    m.put("epochs", r.epochs());
    m.put("steps", r.steps());
    m.put("test_accuracy", r.testAccuracy());
    m.put("final_train_loss", r.finalTrainLoss());
    m.put("diverged", r.diverged());
    m.put("wall_seconds", r.wallSeconds());
    m.put("steps_per_second", r.stepsPerSecond());
    m.put("epoch_test_accuracy", r.epochAccuracy());
    m.put("guard_events", r.events().size());
    if (r.calibration() != null) {
      m.put("calibration", calibration(r.calibration()));
    }
    if (r.validationSplit() != null) {
      m.put("validation_split", r.validationSplit());
    }
    if (r.earlyStop() != null) {
      m.put("early_stop", earlyStop(r.earlyStop()));
    }
    return m;
  }

  /**
   * The {@code early_stop} object of a summary: whether the run stopped early, after which step and
   * why, and the best evaluation (its step, monitored value and validation loss).
   */
  static Map<String, Object> earlyStop(dev.governor.trainers.EarlyStopping.Status s) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("stopped", s.stopped());
    m.put("stop_step", s.stopStep());
    m.put("reason", s.reason());
    m.put("evaluations", s.evaluations());
    m.put("best_step", s.bestStep());
    m.put("best", s.best());
    m.put("best_val_loss", s.bestValLoss());
    return m;
  }

  /**
   * The {@code calibration} object of a summary: the test set's ECE (equal-width and equal-mass
   * bins), NLL and Brier score of the model's probabilities, the temperature fitted on {@code
   * fit_split}, and the same figures after dividing the logits by it.
   */
  static Map<String, Object> calibration(Calibration.Report c) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("ece", c.before().ece());
    m.put("ece_equal_mass", c.before().eceEqualMass());
    m.put("nll", c.before().nll());
    m.put("brier", c.before().brier());
    m.put("temperature", c.temperature());
    m.put("ece_after", c.after().ece());
    m.put("ece_equal_mass_after", c.after().eceEqualMass());
    m.put("nll_after", c.after().nll());
    m.put("brier_after", c.after().brier());
    m.put("bins", c.bins());
    m.put("test_examples", c.testExamples());
    m.put("fit_split", c.fitSplit());
    m.put("fit_examples", c.fitExamples());
    m.put("fit_nll", c.fitNllBefore());
    m.put("fit_nll_after", c.fitNllAfter());
    m.put("reliability", reliability(c.reliability()));
    m.put("reliability_after", reliability(c.reliabilityAfter()));
    return m;
  }

  /**
   * A reliability diagram as {@code summary.json} holds it: per equal-width bin its mean
   * confidence, accuracy and count (NaN mean and accuracy for an empty bin); null when there is
   * none.
   */
  static Map<String, Object> reliability(Calibration.Reliability r) {
    if (r == null) {
      return null;
    }
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("confidence", r.confidence());
    m.put("accuracy", r.accuracy());
    m.put("count", r.count());
    return m;
  }

  /**
   * The report's calibration section: the reliability diagram (accuracy against mean confidence per
   * bin, before and after temperature scaling, with the diagonal of a calibrated model) of the run
   * with the best test accuracy, and a table of every run's ECE before and after and its
   * temperature. Nothing when no run was calibrated.
   */
  static void calibrationSection(HtmlPage page, List<Labelled> runs) {
    Labelled best = null;
    List<List<String>> rows = new ArrayList<>();
    rows.add(List.of("run", "ECE", "temperature", "ECE after", "NLL", "NLL after"));
    for (Labelled l : runs) {
      Calibration.Report c = l.result().calibration();
      if (c == null) {
        continue;
      }
      rows.add(
          List.of(
              l.label(),
              Num.fixed(c.before().ece(), 4),
              Num.fixed(c.temperature(), 3),
              Num.fixed(c.after().ece(), 4),
              Num.fixed(c.before().nll(), 4),
              Num.fixed(c.after().nll(), 4)));
      if (c.reliability() != null
          && (best == null || l.result().testAccuracy() > best.result().testAccuracy())) {
        best = l;
      }
    }
    if (rows.size() == 1) {
      return;
    }
    page.heading("Calibration");
    if (best != null) {
      Calibration.Report c = best.result().calibration();
      Chart chart =
          Chart.of(
                  "Reliability diagram of " + best.label() + " (test set, " + c.bins() + " bins)",
                  "mean confidence of the top class",
                  "accuracy")
              .add(Series.line("calibrated", new double[] {0, 1}, new double[] {0, 1}));
      chart.add(binSeries("before (ECE " + Num.fixed(c.before().ece(), 4) + ")", c.reliability()));
      if (c.reliabilityAfter() != null) {
        chart.add(
            binSeries(
                "after T = "
                    + Num.fixed(c.temperature(), 3)
                    + " (ECE "
                    + Num.fixed(c.after().ece(), 4)
                    + ")",
                c.reliabilityAfter()));
      }
      page.chart(chart);
    }
    page.text(
        "The temperature is fitted on "
            + runs.stream()
                .filter(l -> l.result().calibration() != null)
                .findFirst()
                .map(l -> l.result().calibration().fitSplit())
                .orElse("")
            + "; ECE with equal-width bins on the test set.");
    page.table(rows);
  }

  private static Series binSeries(String name, Calibration.Reliability r) {
    double[] conf = r.confidence();
    double[] acc = r.accuracy();
    int[] count = r.count();
    int n = 0;
    for (int c : count) {
      n += c > 0 ? 1 : 0;
    }
    double[] x = new double[n];
    double[] y = new double[n];
    int j = 0;
    for (int b = 0; b < count.length; b++) {
      if (count[b] > 0) {
        x[j] = conf[b];
        y[j] = acc[b];
        j++;
      }
    }
    return Series.points(name, x, y);
  }

  /** One line for the terminal: ECE before and after temperature scaling. */
  static String calibrationLine(Calibration.Report c) {
    return String.format(
        Locale.ROOT,
        "calibration: ECE %.4f (equal-mass %.4f), NLL %.4f, Brier %.4f; temperature %.3f"
            + " (fitted on %s) -> ECE %.4f, NLL %.4f",
        c.before().ece(),
        c.before().eceEqualMass(),
        c.before().nll(),
        c.before().brier(),
        c.temperature(),
        c.fitSplit(),
        c.after().ece(),
        c.after().nll());
  }

  /** One line for the terminal after the table: where early stopping stopped the run, or not. */
  static String earlyStopLine(dev.governor.trainers.EarlyStopping.Status s, long budget) {
    return s.stopped()
        ? String.format(
            Locale.ROOT,
            "early stop: after step %d of %d (%.0f %% of the budget saved): %s",
            s.stopStep(),
            budget,
            100.0 * (budget - s.stopStep() - 1) / budget,
            s.reason())
        : String.format(
            Locale.ROOT,
            "early stop: ran the whole budget of %d steps; best evaluation at step %d (%.6g)",
            budget,
            s.bestStep(),
            s.best());
  }

  static List<String> header() {
    return List.of(
        "policy",
        "initial lr",
        "test acc",
        "final loss",
        "diverged",
        "guard events",
        "steps/s",
        "wall s");
  }

  static List<String> row(TrainingResult r) {
    return row(r.policy(), r);
  }

  /** A table row with a short label instead of the policy's full spec. */
  static List<String> row(String label, TrainingResult r) {
    return List.of(
        label,
        Num.sci(r.initialLr(), 0),
        Num.fixed(r.testAccuracy(), 4),
        Num.fixed(r.finalTrainLoss(), 4),
        r.diverged() ? "YES" : "no",
        Integer.toString(r.events().size()),
        Num.fixed(r.stepsPerSecond(), 1),
        Num.fixed(r.wallSeconds(), 1));
  }

  /** The grid's columns, in order. */
  static final List<String> GRID_COLUMNS =
      List.of("test accuracy", "training loss", "learning rate", "clip threshold", "weight decay");

  /** One labelled run for the report. */
  record Labelled(String label, TrainingResult result) {}

  /**
   * One row of small multiples per group (e.g. per initial LR): test accuracy after each epoch,
   * training loss, learning rate, clip threshold and weight decay (per-step series as means of
   * windows of {@code steps / 200} steps). Constant series are not drawn (see {@link Grid}).
   *
   * @param rows the row labels and each row's runs
   */
  static Grid grid(Map<String, List<Labelled>> rows) {
    Grid g = Grid.of(GRID_COLUMNS);
    for (Map.Entry<String, List<Labelled>> row : rows.entrySet()) {
      List<Chart> cells = new ArrayList<>();
      for (String c : GRID_COLUMNS) {
        cells.add(cell(c, row.getValue()));
      }
      g.row(row.getKey(), cells);
    }
    return g;
  }

  private static Chart cell(String column, List<Labelled> runs) {
    if (runs.isEmpty()) {
      return null;
    }
    int w = (int) Math.max(1, runs.get(0).result().steps() / 200);
    Chart c =
        switch (column) {
          case "test accuracy" -> Chart.of(column, "epoch", "accuracy");
          case "training loss" -> Chart.of(column, "step", "loss").logY();
          case "learning rate" -> Chart.of(column, "step", "lr").logY();
          case "clip threshold" -> Chart.of(column, "step", "clip").logY();
          default -> Chart.of(column, "step", "wd");
        };
    for (Labelled l : runs) {
      TrainingResult r = l.result();
      if (column.equals("test accuracy")) {
        double[] ep = new double[r.epochAccuracy().length];
        for (int i = 0; i < ep.length; i++) {
          ep[i] = i + 1;
        }
        c.add(Series.points(l.label(), ep, r.epochAccuracy()));
        continue;
      }
      double[] y =
          switch (column) {
            case "training loss" -> r.loss();
            case "learning rate" -> r.lr();
            case "clip threshold" -> r.clip();
            default -> r.weightDecay();
          };
      double[][] m = Downsample.windowMeans(y, w);
      c.add(Series.line(l.label(), m[0], m[1]));
    }
    return c;
  }

  /**
   * A per-step hyperparameter for the table: its value when constant over the run ({@code inf} for
   * no clipping), else its range {@code "min..max"} over the finite values.
   */
  static String settingText(double[] y) {
    OptionalDouble c = Series.line("", y).constantValue();
    if (c.isPresent()) {
      return c.getAsDouble() == Double.POSITIVE_INFINITY ? "inf" : Num.sig(c.getAsDouble(), 3);
    }
    double lo = Double.POSITIVE_INFINITY;
    double hi = Double.NEGATIVE_INFINITY;
    for (double v : y) {
      if (Double.isFinite(v)) {
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
    }
    return lo > hi ? "-" : Num.sig(lo, 3) + ".." + Num.sig(hi, 3);
  }

  /**
   * The report's opening sentences: per group, the best and the worst run by test accuracy and
   * their difference; then the labels that ran in every group ranked by their mean test accuracy
   * over the groups. Says so when no group shows a spread of at least 0.005.
   */
  static List<String> conclusion(Map<String, List<Labelled>> rows) {
    List<String> out = new ArrayList<>();
    double widest = 0;
    StringBuilder per = new StringBuilder();
    Map<String, double[]> sums = new LinkedHashMap<>();
    for (Map.Entry<String, List<Labelled>> row : rows.entrySet()) {
      List<Labelled> runs = row.getValue();
      if (runs.isEmpty()) {
        continue;
      }
      Labelled best = runs.get(0);
      Labelled worst = runs.get(0);
      for (Labelled l : runs) {
        if (l.result().testAccuracy() > best.result().testAccuracy()) {
          best = l;
        }
        if (!(l.result().testAccuracy() >= worst.result().testAccuracy())) {
          worst = l;
        }
        double[] a = sums.computeIfAbsent(l.label(), k -> new double[2]);
        a[0] += l.result().testAccuracy();
        a[1]++;
      }
      double spread = best.result().testAccuracy() - worst.result().testAccuracy();
      widest = Math.max(widest, Double.isNaN(spread) ? 0 : spread);
      if (per.length() > 0) {
        per.append("; ");
      }
      per.append(row.getKey()).append(": ");
      if (!(spread > 0)) {
        per.append(runs.size() > 1 ? "every run " : best.label() + " ")
            .append(Num.fixed(best.result().testAccuracy(), 4));
        continue;
      }
      per.append(best.label()).append(' ').append(Num.fixed(best.result().testAccuracy(), 4));
      per.append(" vs ")
          .append(worst.label())
          .append(' ')
          .append(Num.fixed(worst.result().testAccuracy(), 4))
          .append(" (spread ")
          .append(Num.fixed(spread, 4))
          .append(')');
    }
    if (widest < 0.005) {
      out.add(
          "No policy stands out on this task: within every group the test accuracies lie within"
              + " 0.005 of each other.");
    }
    out.add("Best vs worst test accuracy — " + per + ".");
    List<Map.Entry<String, double[]>> everywhere = new ArrayList<>();
    long groups = rows.values().stream().filter(l -> !l.isEmpty()).count();
    for (Map.Entry<String, double[]> e : sums.entrySet()) {
      if (e.getValue()[1] == groups && groups > 1) {
        everywhere.add(e);
      }
    }
    everywhere.sort((a, b) -> Double.compare(b.getValue()[0], a.getValue()[0]));
    if (everywhere.size() > 1) {
      StringBuilder r = new StringBuilder("Mean test accuracy over the " + groups + " groups: ");
      for (int i = 0; i < everywhere.size(); i++) {
        Map.Entry<String, double[]> e = everywhere.get(i);
        r.append(i == 0 ? "" : ", ")
            .append(e.getKey())
            .append(' ')
            .append(Num.fixed(e.getValue()[0] / e.getValue()[1], 4));
      }
      out.add(r.append('.').toString());
    }
    return out;
  }

  /** Single-run or few-run page section: the grid with one row. */
  static void plots(HtmlPage rep, String title, List<TrainingResult> runs) {
    if (runs.isEmpty()) {
      return;
    }
    Map<String, List<Labelled>> rows = new LinkedHashMap<>();
    rows.put(title, runs.stream().map(r -> new Labelled(r.policy(), r)).toList());
    rep.grid(grid(rows));
  }

  /** An initial LR as the table shows it ({@code 1e-03}). */
  static String lrText(double lr) {
    return Num.sci(lr, 0);
  }
}
