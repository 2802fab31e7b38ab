package dev.governor.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.governor.sim.Report;
import dev.governor.trainers.Calibration;
import dev.governor.trainers.TrainingResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.knowm.xchart.XYChart;

/**
 * Summaries, terminal tables and HTML plots of DL4J training runs ({@code demo}, {@code train}).
 */
final class Dl4jReports {
  private Dl4jReports() {}

  static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

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
    m.put("final_train_loss", finiteOrText(r.finalTrainLoss()));
    m.put("diverged", r.diverged());
    m.put("wall_seconds", r.wallSeconds());
    m.put("steps_per_second", r.stepsPerSecond());
    m.put("epoch_test_accuracy", r.epochAccuracy());
    m.put("guard_events", r.events().size());
    if (r.calibration() != null) {
      m.put("calibration", calibration(r.calibration()));
    }
    return m;
  }

  /**
   * The {@code calibration} object of a summary: the test set's ECE (equal-width and equal-mass
   * bins), NLL and Brier score of the model's probabilities, the temperature fitted on {@code
   * fit_split}, and the same figures after dividing the logits by it.
   */
  static Map<String, Object> calibration(Calibration.Report c) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("ece", finiteOrText(c.before().ece()));
    m.put("ece_equal_mass", finiteOrText(c.before().eceEqualMass()));
    m.put("nll", finiteOrText(c.before().nll()));
    m.put("brier", finiteOrText(c.before().brier()));
    m.put("temperature", finiteOrText(c.temperature()));
    m.put("ece_after", finiteOrText(c.after().ece()));
    m.put("ece_equal_mass_after", finiteOrText(c.after().eceEqualMass()));
    m.put("nll_after", finiteOrText(c.after().nll()));
    m.put("brier_after", finiteOrText(c.after().brier()));
    m.put("bins", c.bins());
    m.put("test_examples", c.testExamples());
    m.put("fit_split", c.fitSplit());
    m.put("fit_examples", c.fitExamples());
    m.put("fit_nll", finiteOrText(c.fitNllBefore()));
    m.put("fit_nll_after", finiteOrText(c.fitNllAfter()));
    return m;
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

  /** JSON has no NaN/Infinity: such values are written as the strings "NaN", "Infinity". */
  static Object finiteOrText(double v) {
    return Double.isFinite(v) ? (Object) v : Double.toString(v);
  }

  static void writeJson(Path file, Object value) throws IOException {
    Files.createDirectories(file.toAbsolutePath().getParent());
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    Files.writeString(tmp, JSON.writeValueAsString(value) + "\n");
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  /** A fixed-width table: header row first. */
  static List<String> table(List<List<String>> rows) {
    int cols = rows.get(0).size();
    int[] w = new int[cols];
    for (List<String> r : rows) {
      for (int c = 0; c < cols; c++) {
        w[c] = Math.max(w[c], r.get(c).length());
      }
    }
    List<String> out = new ArrayList<>();
    for (int i = 0; i < rows.size(); i++) {
      StringBuilder sb = new StringBuilder();
      for (int c = 0; c < cols; c++) {
        String v = rows.get(i).get(c);
        sb.append(
            c == 0 ? String.format("%-" + w[c] + "s", v) : String.format("  %" + w[c] + "s", v));
      }
      out.add(sb.toString());
      if (i == 0) {
        out.add("-".repeat(sb.length()));
      }
    }
    return out;
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
        fmt("%.0e", r.initialLr()),
        fmt("%.4f", r.testAccuracy()),
        fmt("%.4f", r.finalTrainLoss()),
        r.diverged() ? "YES" : "no",
        Integer.toString(r.events().size()),
        fmt("%.1f", r.stepsPerSecond()),
        fmt("%.1f", r.wallSeconds()));
  }

  static String fmt(String f, double v) {
    return String.format(Locale.ROOT, f, v);
  }

  /** Mean of consecutive windows of {@code w} values (NaN windows stay NaN), and their x. */
  static double[][] smooth(double[] y, int w) {
    int n = Math.max(1, y.length / w);
    double[] xs = new double[n];
    double[] ys = new double[n];
    for (int i = 0; i < n; i++) {
      double s = 0;
      int from = i * w;
      int to = Math.min(y.length, from + w);
      for (int k = from; k < to; k++) {
        s += y[k];
      }
      xs[i] = from + (to - from) / 2.0;
      ys[i] = s / (to - from);
    }
    return new double[][] {xs, ys};
  }

  /** Plots for a group of runs compared on one chart each (loss, accuracy, LR, clip, WD). */
  static void plots(Report rep, String title, List<TrainingResult> runs) {
    if (runs.isEmpty()) {
      return;
    }
    int w = (int) Math.max(1, runs.get(0).steps() / 200);
    XYChart loss =
        Report.chart(
            title + ": training loss (mean of " + w + " steps)", "step", "loss", false, true);
    XYChart acc =
        Report.chart(title + ": test accuracy after each epoch", "epoch", "accuracy", false, false);
    XYChart lr = Report.chart(title + ": learning rate", "step", "lr", false, true);
    XYChart clip =
        Report.chart(title + ": clip threshold (finite values)", "step", "clip", false, true);
    XYChart wd = Report.chart(title + ": weight decay", "step", "wd", false, false);
    boolean anyDecay = false;
    for (TrainingResult r : runs) {
      String name = r.policy();
      double[][] l = smooth(r.loss(), w);
      Report.line(loss, name, l[0], l[1], false);
      double[] ep = new double[r.epochAccuracy().length];
      for (int i = 0; i < ep.length; i++) {
        ep[i] = i + 1;
      }
      Report.line(acc, name, ep, r.epochAccuracy(), true);
      double[] steps = new double[r.lr().length];
      for (int i = 0; i < steps.length; i++) {
        steps[i] = i;
      }
      double[][] s = smooth(r.lr(), w);
      Report.line(lr, name, s[0], s[1], false);
      double[][] c = smooth(r.clip(), w);
      Report.line(clip, name, c[0], c[1], false);
      if (java.util.Arrays.stream(r.weightDecay()).anyMatch(v -> v != 0)) {
        double[][] d = smooth(r.weightDecay(), w);
        Report.line(wd, name, d[0], d[1], false);
        anyDecay = true;
      }
    }
    rep.chart(acc).chart(loss).chart(lr).chart(clip);
    if (anyDecay) {
      rep.chart(wd); // only when some run decays: a chart of zeros says nothing
    }
  }
}
