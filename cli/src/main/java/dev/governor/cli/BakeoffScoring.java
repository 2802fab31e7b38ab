package dev.governor.cli;

import static dev.governor.cli.BakeoffPlan.LR_GRID;
import static dev.governor.cli.BakeoffPlan.mult;

import dev.governor.cli.BakeoffContenders.Lr;
import dev.governor.cli.BakeoffPlan.Entry;
import dev.governor.report.Num;
import dev.governor.sim.Stats;
import dev.governor.trainers.Calibration;
import dev.governor.trainers.EarlyStopping;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.commons.math3.distribution.TDistribution;

/**
 * The figures of a {@code governor bakeoff} ({@link BakeoffCommand}): per entry the mean metric
 * with its 95 % t-interval, steps to the target and the ratio to the best tuned baseline; the
 * performance profile over the workloads; and the goals.
 */
final class BakeoffScoring {
  private BakeoffScoring() {}

  /**
   * The scores of a bake-off: per workload and entry its figures ({@code per_problem}), the table
   * rows of the entries that ran, the aggregate over the workloads, the goals (in the first gear
   * setting) and the goals missed.
   */
  record Scores(
      Map<String, Object> perProblem,
      List<List<String>> table,
      Map<String, Object> aggregate,
      Map<String, Object> goals,
      List<String> missed) {}

  /**
   * The header of the results table; with early stopping a column of the mean steps the runs used
   * follows the median steps to the target.
   */
  static List<String> tableHeader(boolean earlyStop) {
    List<String> h =
        new ArrayList<>(
            List.of("workload", "entry", "runs", "diverged", "reached", "median steps"));
    if (earlyStop) {
      h.add("steps used");
    }
    h.addAll(List.of("metric mean ± ci95", "test", "ratio", "spec"));
    return h;
  }

  /**
   * Scores every entry of {@code plan} (the scored runs are in the entries); {@code goalValues} are
   * the {@code --goal} values per workload, {@code firstSeed} the first scored seed, {@code early}
   * the runs' early stopping (null: none).
   */
  static Scores score(
      List<BakeoffWorkload> ws,
      List<String> gears,
      Map<BakeoffWorkload, Map<String, List<Entry>>> plan,
      Map<String, Double> goalValues,
      int firstSeed,
      EarlyStopping.Config early) {
    Map<String, Object> perProblem = new LinkedHashMap<>();
    Map<String, Map<String, Double>> ratios = new LinkedHashMap<>();
    List<List<String>> table = new ArrayList<>();
    table.add(tableHeader(early != null));
    for (BakeoffWorkload w : ws) {
      Map<String, Object> pw = new LinkedHashMap<>();
      for (String g : gears) {
        List<Entry> list = plan.get(w).get(g);
        double bestTuned = Double.POSITIVE_INFINITY;
        for (Entry e : list) {
          if (e.skipped == null && e.contender.lr() == Lr.TUNED) {
            bestTuned = Math.min(bestTuned, medianSteps(e));
          }
        }
        for (Entry e : list) {
          Map<String, Object> m = figures(w, e, bestTuned, firstSeed, early);
          pw.put(e.name, m);
          if (e.skipped == null) {
            ratios.computeIfAbsent(e.name, k -> new LinkedHashMap<>()).put(w.name, medianSteps(e));
            table.add(row(w, e, m));
          }
        }
      }
      perProblem.put(w.name, pw);
    }
    Map<String, Object> aggregate = aggregate(ratios, ws);
    Map<String, Object> goals = new LinkedHashMap<>();
    List<String> missed = new ArrayList<>();
    for (BakeoffWorkload w : ws) {
      String g = gears.get(0);
      goals(w, plan.get(w).get(g), goalValues.get(w.name), goals, missed);
    }
    return new Scores(perProblem, table, aggregate, goals, missed);
  }

  static double medianSteps(Entry e) {
    if (e.runs.isEmpty()) {
      return Double.POSITIVE_INFINITY;
    }
    double[] v = new double[e.runs.size()];
    for (int i = 0; i < v.length; i++) {
      long s = e.runs.get(i).stepsToTarget();
      v[i] = s < 0 ? Double.POSITIVE_INFINITY : s;
    }
    return Stats.median(v);
  }

  static double mean(double[] v) {
    double s = 0;
    for (double x : v) {
      s += x;
    }
    return s / v.length;
  }

  /**
   * Half-width of the 95 % t-interval of the mean: {@code t(0.975, n−1) · s / √n} with the sample
   * standard deviation {@code s}; NaN for fewer than 2 values.
   */
  static double ci95(double[] v) {
    int n = v.length;
    if (n < 2) {
      return Double.NaN;
    }
    double m = mean(v);
    double ss = 0;
    for (double x : v) {
      ss += (x - m) * (x - m);
    }
    double sd = Math.sqrt(ss / (n - 1));
    return new TDistribution(null, n - 1).inverseCumulativeProbability(0.975) * sd / Math.sqrt(n);
  }

  static double[] scores(BakeoffWorkload w, Entry e) {
    return e.runs.stream().mapToDouble(r -> clean(w, w.score(r))).toArray();
  }

  static double clean(BakeoffWorkload w, double v) {
    return Double.isFinite(v) ? v : w.worst();
  }

  static Map<String, Object> figures(
      BakeoffWorkload w, Entry e, double bestTuned, int firstSeed, EarlyStopping.Config early) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("contender", e.contender.label());
    m.put("gear", e.gear);
    m.put("optimizer", e.contender.optimizer());
    m.put("initial_lr_multiplier", e.contender.lr() == Lr.GRID ? e.lrMult : null);
    m.put("tuned", e.contender.lr() == Lr.TUNED);
    m.put("spec", e.spec == null ? null : e.spec.toString());
    if (e.skipped != null) {
      m.put("skipped", e.skipped);
      return m;
    }
    double[] s = scores(w, e);
    double med = medianSteps(e);
    int reached = 0;
    int diverged = 0;
    double[] test = new double[e.runs.size()];
    double[] val = new double[e.runs.size()];
    double[] fin = new double[e.runs.size()];
    for (int i = 0; i < test.length; i++) {
      BakeoffWorkload.Run r = e.runs.get(i);
      reached += r.stepsToTarget() >= 0 ? 1 : 0;
      diverged += r.diverged() ? 1 : 0;
      test[i] = clean(w, r.testMetric());
      val[i] = clean(w, r.valMetric());
      fin[i] = r.finalLr();
    }
    m.put("runs", e.runs.size());
    m.put("diverged", diverged);
    m.put("reached", reached);
    m.put("median_steps_to_target", med);
    double mean = mean(s);
    double h = ci95(s);
    m.put("metric", w.metric());
    m.put("mean", mean);
    m.put("ci95", List.of(mean - h, mean + h));
    m.put(
        "final_loss_median",
        Stats.median(e.runs.stream().mapToDouble(BakeoffWorkload.Run::finalLoss).toArray()));
    m.put(
        "ratio_to_best_tuned",
        Double.isFinite(med) && Double.isFinite(bestTuned) ? med / bestTuned : null);
    m.put("heldout", heldoutSeeds(e, firstSeed));
    if (w.text) {
      m.put("val_bpc_mean", mean(val));
      m.put("val_bpc_ci95", ci95(val));
      m.put("test_bpc_mean", mean(test));
      m.put("test_bpc_ci95", ci95(test));
      m.put("unigram_bpc", w.unigramBits);
    } else {
      m.put("test_accuracy_mean", mean(test));
      m.put("test_accuracy_ci95", ci95(test));
      m.put("val_accuracy_mean", mean(val));
      // calibration of the runs' final models on the test set (temperature fitted on the
      // validation split): mean over the seeds of ECE, NLL and Brier before and after scaling
      double[][] cal = new double[7][e.runs.size()];
      for (int i = 0; i < e.runs.size(); i++) {
        Calibration.Report c = e.runs.get(i).calibration();
        double[] v =
            c == null
                ? new double[] {
                  Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN
                }
                : new double[] {
                  c.before().ece(),
                  c.after().ece(),
                  c.before().nll(),
                  c.after().nll(),
                  c.before().brier(),
                  c.after().brier(),
                  c.temperature()
                };
        for (int k = 0; k < 7; k++) {
          cal[k][i] = v[k];
        }
      }
      Map<String, Object> c = new LinkedHashMap<>();
      String[] keys = {
        "ece", "ece_after", "nll", "nll_after", "brier", "brier_after", "temperature"
      };
      for (int k = 0; k < 7; k++) {
        c.put(keys[k] + "_mean", mean(cal[k]));
      }
      m.put("calibration", c);
    }
    m.put("per_seed", Arrays.stream(s).boxed().toList());
    m.put(
        "steps_to_target_per_seed",
        e.runs.stream()
            .map(r -> r.stepsToTarget() < 0 ? null : (Object) r.stepsToTarget())
            .toList());
    m.put("final_lr_median", Stats.median(fin));
    if (early != null) {
      m.put("early_stop", earlyStop(w, e, early, firstSeed));
    }
    m.put("guard_events", e.runs.stream().mapToInt(BakeoffWorkload.Run::guardEvents).sum());
    if (e.tuning != null) {
      m.put("tuning", e.tuning);
    }
    return m;
  }

  /** The mean over the entry's runs of the steps each trained (the budget without early stops). */
  static double meanStepsUsed(Entry e) {
    return mean(e.runs.stream().mapToDouble(r -> r.stepsRun()).toArray());
  }

  /**
   * An entry's {@code early_stop} object: the spec, the budget, the mean steps used and saved (a
   * fraction of the budget), how many runs stopped, and per scored run its seed, whether it
   * stopped, the step it stopped after (the budget when it ran it all), the steps used and saved,
   * the best evaluation's step (steps done) and monitored value, and the evaluations counted.
   */
  static Map<String, Object> earlyStop(
      BakeoffWorkload w, Entry e, EarlyStopping.Config early, int firstSeed) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("spec", early.toString());
    m.put("budget", w.steps);
    double used = meanStepsUsed(e);
    m.put("steps_used_mean", used);
    m.put("steps_saved_fraction", 1 - used / w.steps);
    List<Map<String, Object>> runs = new ArrayList<>();
    int stopped = 0;
    for (int i = 0; i < e.runs.size(); i++) {
      BakeoffWorkload.Run r = e.runs.get(i);
      EarlyStopping.Status st = r.earlyStop();
      Map<String, Object> p = new LinkedHashMap<>();
      p.put("seed", firstSeed + i);
      p.put("stopped", st.stopped());
      p.put("stop_step", st.stopped() ? st.stopStep() : w.steps);
      p.put("steps_used", r.stepsRun());
      p.put("steps_saved", w.steps - r.stepsRun());
      p.put("best_step", st.bestStep());
      p.put("best", st.best());
      p.put("evaluations", st.evaluations());
      runs.add(p);
      stopped += st.stopped() ? 1 : 0;
    }
    m.put("stopped", stopped);
    m.put("per_seed", runs);
    return m;
  }

  private static List<Integer> heldoutSeeds(Entry e, int first) {
    List<Integer> s = new ArrayList<>();
    for (int i = first; i < first + e.runs.size(); i++) {
      s.add(i);
    }
    return s;
  }

  private static List<String> row(BakeoffWorkload w, Entry e, Map<String, Object> m) {
    double[] s = scores(w, e);
    double med = medianSteps(e);
    double[] test = e.runs.stream().mapToDouble(r -> clean(w, r.testMetric())).toArray();
    Object ratio = m.get("ratio_to_best_tuned");
    List<String> row =
        new ArrayList<>(
            List.of(
                w.name,
                e.name,
                Integer.toString(e.runs.size()),
                m.get("diverged").toString(),
                m.get("reached").toString(),
                Double.isFinite(med) ? Long.toString((long) med) : "-"));
    if (m.containsKey("early_stop")) {
      row.add(String.format(Locale.ROOT, "%.0f", meanStepsUsed(e)));
    }
    row.addAll(
        List.of(
            String.format(Locale.ROOT, "%.4f ± %.4f", mean(s), ci95(s)),
            String.format(Locale.ROOT, "%.4f", mean(test)),
            ratio instanceof Double d ? String.format(Locale.ROOT, "%.2f", d) : "-",
            e.spec.toString()));
    return row;
  }

  /** τ values of the performance profile. */
  static final double[] TAUS = {1, 1.1, 1.25, 1.5, 2, 3, 4, 8, 16};

  /**
   * Dolan–Moré performance profile over the workloads on median steps to target: for entry e on
   * workload w, r = steps(e, w) / min over entries of steps(·, w); ρ_e(τ) = fraction of workloads
   * with r ≤ τ (an entry that missed the target never counts). Entries of different gear settings
   * are profiled together. {@code geomean_ratio} is over the workloads the entry reached.
   */
  static Map<String, Object> aggregate(
      Map<String, Map<String, Double>> steps, List<BakeoffWorkload> ws) {
    Map<String, Double> best = new LinkedHashMap<>();
    for (BakeoffWorkload w : ws) {
      double b = Double.POSITIVE_INFINITY;
      for (Map<String, Double> per : steps.values()) {
        Double s = per.get(w.name);
        if (s != null) {
          b = Math.min(b, s);
        }
      }
      best.put(w.name, b);
    }
    Map<String, Object> out = new LinkedHashMap<>();
    for (Map.Entry<String, Map<String, Double>> e : steps.entrySet()) {
      List<Double> r = new ArrayList<>();
      int n = 0;
      for (BakeoffWorkload w : ws) {
        Double s = e.getValue().get(w.name);
        if (s == null) {
          continue;
        }
        n++;
        if (Double.isFinite(s) && Double.isFinite(best.get(w.name))) {
          r.add(s / best.get(w.name));
        }
      }
      double lg = 0;
      for (double x : r) {
        lg += Math.log(x);
      }
      List<List<Double>> profile = new ArrayList<>();
      for (double tau : TAUS) {
        int c = 0;
        for (double x : r) {
          c += x <= tau ? 1 : 0;
        }
        profile.add(List.of(tau, n == 0 ? 0.0 : (double) c / n));
      }
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("geomean_ratio", r.isEmpty() ? null : Math.exp(lg / r.size()));
      m.put("problems", n);
      m.put("problems_reached", r.size());
      m.put("profile", profile);
      out.put(e.getKey(), m);
    }
    return out;
  }

  private static Entry find(List<Entry> list, String contender, double mult) {
    for (Entry e : list) {
      if (e.contender.label().equals(contender) && e.lrMult == mult) {
        return e;
      }
    }
    return null;
  }

  private static void goals(
      BakeoffWorkload w,
      List<Entry> list,
      Double extra,
      Map<String, Object> goals,
      List<String> missed) {
    boolean up = w.higherIsBetter();
    Entry cos = find(list, "cosine", 1);
    for (double m : LR_GRID) {
      Entry pi = find(list, "pi", m);
      String name = w.name + ": pi@x" + mult(m) + " within the 95% CI of tuned cosine or better";
      if (pi == null || cos == null || pi.skipped != null || cos.skipped != null) {
        goals.put(name, unknown(pi == null || cos == null ? "not in this run" : reason(pi, cos)));
        continue;
      }
      double[] c = scores(w, cos);
      double h = ci95(c);
      double bound = up ? mean(c) - h : mean(c) + h;
      put(goals, missed, name, mean(scores(w, pi)), bound, up);
    }
    Entry pi1 = find(list, "pi", 1);
    for (String other : List.of("sf-adamw", "prodigy")) {
      Entry o = find(list, other, 1);
      String name = w.name + ": pi@x1 ahead of " + other + " at its defaults";
      if (pi1 == null || o == null || pi1.skipped != null || o.skipped != null) {
        goals.put(name, unknown(pi1 == null || o == null ? "not in this run" : reason(pi1, o)));
        continue;
      }
      double v = mean(scores(w, pi1));
      double g = mean(scores(w, o));
      boolean met = up ? v > g : v < g;
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("value", v);
      m.put("goal", (up ? "> " : "< ") + Num.fixed(g, 4));
      m.put("met", met);
      goals.put(name, m);
      if (!met) {
        missed.add(name + " (pi " + Num.fixed(v, 4) + ", " + other + " " + Num.fixed(g, 4) + ")");
      }
    }
    if (extra != null) {
      for (double m : LR_GRID) {
        Entry pi = find(list, "pi", m);
        String name = w.name + ": pi@x" + mult(m) + " reaches " + Num.fixed(extra, 4) + " (--goal)";
        if (pi == null || pi.skipped != null) {
          goals.put(name, unknown(pi == null ? "not in this run" : pi.skipped));
          continue;
        }
        put(goals, missed, name, mean(scores(w, pi)), extra, up);
      }
    }
  }

  private static String reason(Entry a, Entry b) {
    return a.skipped != null ? a.name + ": " + a.skipped : b.name + ": " + b.skipped;
  }

  private static void put(
      Map<String, Object> goals,
      List<String> missed,
      String name,
      double value,
      double bound,
      boolean up) {
    boolean met = up ? value >= bound : value <= bound;
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("value", value);
    m.put("goal", (up ? ">= " : "<= ") + Num.fixed(bound, 4));
    m.put("met", met);
    goals.put(name, m);
    if (!met) {
      missed.add(name + " (value " + Num.fixed(value, 4) + ", goal " + m.get("goal") + ")");
    }
  }

  private static Map<String, Object> unknown(String reason) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("value", null);
    m.put("goal", null);
    m.put("met", null);
    m.put("reason", reason);
    return m;
  }
}
