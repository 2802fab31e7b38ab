package dev.governor.cli;

import static dev.governor.cli.BakeoffPlan.LR_GRID;
import static dev.governor.cli.BakeoffPlan.trainingSeeds;
import static dev.governor.cli.BakeoffScoring.clean;

import dev.governor.cli.BakeoffPlan.Entry;
import dev.governor.report.Chart;
import dev.governor.report.HtmlPage;
import dev.governor.report.Num;
import dev.governor.report.Series;
import dev.governor.trainers.EarlyStopping;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The outputs of a {@code governor bakeoff} ({@link BakeoffCommand}): the protocol record, the
 * {@code summary.json} tree, the goal lines and the HTML report.
 */
final class BakeoffPage {
  private BakeoffPage() {}

  @SuppressWarnings("unchecked")
  private static Map<String, Object> castMap(Object o) {
    return (Map<String, Object>) o;
  }

  /** Prints each goal's line: met, MISSED or not evaluated, with its value and bound. */
  static void printGoals(PrintWriter stdout, Map<String, Object> goals) {
    for (Map.Entry<String, Object> g : goals.entrySet()) {
      Map<String, Object> v = castMap(g.getValue());
      stdout.println(
          "goal "
              + g.getKey()
              + ": "
              + (v.get("met") == null
                  ? "not evaluated (" + v.get("reason") + ")"
                  : Boolean.TRUE.equals(v.get("met")) ? "met" : "MISSED")
              + (v.get("value") instanceof Double d
                  ? String.format(Locale.ROOT, " (value %.4f, goal %s)", d, v.get("goal"))
                  : ""));
    }
  }

  /**
   * The {@code summary.json} tree: the command, the protocol, each entry's spec per workload (the
   * template for a skipped one), the skipped entries, the scores.
   */
  static Map<String, Object> summary(
      boolean quick,
      double wall,
      Map<String, Object> protocol,
      List<BakeoffWorkload> ws,
      Map<BakeoffWorkload, Map<String, List<Entry>>> plan,
      List<Map<String, Object>> skipped,
      BakeoffScoring.Scores sc) {
    Map<String, Object> summary = new LinkedHashMap<>();
    summary.put("command", "bakeoff");
    summary.put("quick", quick);
    summary.put("wall_seconds", wall);
    summary.put("protocol", protocol);
    Map<String, Object> cs = new LinkedHashMap<>();
    for (BakeoffWorkload w : ws) {
      for (List<Entry> list : plan.get(w).values()) {
        for (Entry e : list) {
          Object prev = cs.get(e.name);
          String text =
              e.spec != null
                  ? e.spec.toString()
                  : e.gear.equals("on") ? e.contender.gearOn() : e.contender.gearOff();
          Map<String, Object> specs =
              prev instanceof Map<?, ?> ? castMap(prev) : new LinkedHashMap<>();
          specs.put(w.name, text);
          cs.put(e.name, specs);
        }
      }
    }
    summary.put("contenders", cs);
    summary.put("skipped", skipped);
    summary.put("per_problem", sc.perProblem());
    summary.put("aggregate", sc.aggregate());
    summary.put("goals", sc.goals());
    return summary;
  }

  static Map<String, Object> protocol(
      List<BakeoffWorkload> ws,
      List<String> gears,
      int nTrials,
      int nTrain,
      String scoreOn,
      List<Integer> scoredSeeds,
      EarlyStopping.Config early) {
    Map<String, Object> p = new LinkedHashMap<>();
    Map<String, Object> gear = new LinkedHashMap<>();
    gear.put("settings", gears);
    gear.put(
        "on",
        "every baseline: gear=standard (spike guard skip/rollback + safety cut, pi's defaults;"
            + " start restart off, as in pi's Adam form)"
            + " and the workload's standard global-norm clip; pi: its own guard and safety cut"
            + " (same defaults) and its clip loop");
    gear.put(
        "off",
        "no guard, no safety cut, no clipping (pi: guard=off, clip-loop=off, clip=inf,"
            + " cut-growth=1e308)");
    p.put("gear", gear);
    Map<String, Object> budget = new LinkedHashMap<>();
    for (BakeoffWorkload w : ws) {
      Map<String, Object> b = new LinkedHashMap<>();
      b.put("steps", w.steps);
      b.put("batch", w.batch);
      b.put("eval_every", w.evalEvery);
      b.put("default_lr", w.defaultLr);
      b.put("standard_clip", w.standardClip);
      b.put("data", w.data);
      b.put("description", w.describe());
      budget.put(w.name, b);
    }
    p.put("budget", budget);
    p.put("early_stop", early == null ? null : earlyStop(ws, early));
    Map<String, Object> trialsM = new LinkedHashMap<>();
    trialsM.put("per_tuned_baseline", nTrials);
    trialsM.put(
        "grid",
        "LR = default x 10^(k/4), k = -4..4; cosine also t-max in {1, 1.5, 2} x budget; drawn"
            + " without replacement with a fixed seed");
    trialsM.put("selected_by", "mean validation metric over the training seeds");
    p.put("trials", trialsM);
    Map<String, Object> seedsM = new LinkedHashMap<>();
    seedsM.put("scored_on", scoreOn);
    seedsM.put("heldout", scoredSeeds);
    seedsM.put("training", trainingSeeds(nTrain));
    seedsM.put("lr_grid", Arrays.stream(LR_GRID).boxed().toList());
    p.put("seeds", seedsM);
    p.put(
        "split",
        "tuning runs on the training seeds only; every reported figure is from the held-out seeds."
            + " Fashion-MNIST: train = first 55000 training images, validation = last 5000"
            + " (steps-to-target, tuning), test = the 10000 test images (reported accuracy)."
            + " Fortunes: per-fortune seeded split (TextCorpus, seed 1), 90/5/5 %.");
    Map<String, Object> targets = new LinkedHashMap<>();
    for (BakeoffWorkload w : ws) {
      Map<String, Object> t = new LinkedHashMap<>();
      t.put("metric", w.text ? "validation bits per character (lower is better)" : "accuracy");
      t.put("value", w.target);
      t.put("derivation", w.targetDerivation);
      targets.put(w.name, t);
    }
    p.put("targets", targets);
    p.put(
        "ci95",
        "mean ± t(0.975, n-1) s / sqrt(n) over the held-out seeds; diverged runs score accuracy 0"
            + " or log2(98) bits per character");
    return p;
  }

  /**
   * The protocol's {@code early_stop} record: the spec, the rule in words, and per workload the
   * evaluation period and what the patience and warm-up come to in steps.
   */
  static Map<String, Object> earlyStop(List<BakeoffWorkload> ws, EarlyStopping.Config early) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("spec", early.toString());
    m.put(
        "rule",
        "every run of every contender (tuning trials included) evaluates its "
            + early.monitor().text()
            + " on the workload's validation split before steps 0, eval_every, 2 eval_every, ..."
            + " (the model after that many steps) and once more at the end of the budget; it stops"
            + " after patience counted evaluations (at steps >= warm-up) without an improvement of"
            + " more than min-delta"
            + (early.restoreBest()
                ? "; the best evaluation's model is restored and is the one scored (validation"
                    + " and test metric, calibration)"
                : "; the last model is scored (restore-best=false)")
            + ". best_step and stop_step are in steps done; steps_used = stop_step + 1, or the"
            + " budget.");
    Map<String, Object> per = new LinkedHashMap<>();
    for (BakeoffWorkload w : ws) {
      Map<String, Object> b = new LinkedHashMap<>();
      b.put("eval_every", w.evalEvery);
      b.put("evaluations_in_budget", (w.steps - 1) / w.evalEvery + 2);
      b.put("patience_steps", (long) early.patience() * w.evalEvery);
      b.put("warm_up_steps", early.warmUp());
      per.put(w.name, b);
    }
    m.put("per_workload", per);
    return m;
  }

  static void report(
      Path file,
      boolean quick,
      int seeds,
      List<BakeoffWorkload> ws,
      Map<BakeoffWorkload, Map<String, List<Entry>>> plan,
      List<String> gears,
      List<List<String>> table,
      Map<String, Object> goals,
      List<Map<String, Object>> skipped,
      Map<String, Object> aggregate,
      EarlyStopping.Config early)
      throws java.io.IOException {
    HtmlPage rep = new HtmlPage("Governor DL4J bake-off" + (quick ? " (quick)" : ""));
    rep.text(
        "Same safety gear for every contender (gear "
            + String.join(" and ", gears)
            + "); tuned baselines chosen on training seeds, every figure from held-out seeds 1.."
            + seeds
            + "; targets fixed before the runs."
            + (early == null
                ? ""
                : " Every run early-stopped by "
                    + early
                    + " on the validation split"
                    + (early.restoreBest() ? ", the restored best model scored" : "")
                    + "; the column 'steps used' is the mean over the seeds of the steps run."));
    List<List<String>> g = new ArrayList<>();
    g.add(List.of("goal", "value", "goal", "met"));
    for (Map.Entry<String, Object> e : goals.entrySet()) {
      Map<String, Object> v = castMap(e.getValue());
      g.add(
          List.of(
              e.getKey(),
              v.get("value") == null ? "-" : Num.fixed((Double) v.get("value"), 4),
              v.get("goal") == null ? String.valueOf(v.get("reason")) : v.get("goal").toString(),
              v.get("met") == null ? "not evaluated" : v.get("met").toString()));
    }
    rep.heading("Goals").table(g);
    rep.heading("Results").table(table);
    for (BakeoffWorkload w : ws) {
      rep.heading(w.describe());
      rep.text("Target: " + Num.fixed(w.target, 4) + " — " + w.targetDerivation);
      for (String gs : gears) {
        Chart c =
            Chart.of(
                w.name + " (gear " + gs + "): validation " + (w.text ? "bpc" : "accuracy"),
                "step",
                w.text ? "bits per character" : "accuracy");
        for (Entry e : plan.get(w).get(gs)) {
          if (e.skipped != null || e.runs.isEmpty()) {
            continue;
          }
          // the mean over the runs at each evaluation; a run that stopped early drops out of the
          // evaluations after its stop
          long[] xs = e.runs.get(0).evalSteps();
          for (BakeoffWorkload.Run r : e.runs) {
            xs = r.evalSteps().length > xs.length ? r.evalSteps() : xs;
          }
          double[] x = new double[xs.length];
          double[] y = new double[xs.length];
          for (int i = 0; i < xs.length; i++) {
            x[i] = xs[i];
            double s = 0;
            int n = 0;
            for (BakeoffWorkload.Run r : e.runs) {
              if (i < r.evalMetric().length) {
                s += clean(w, r.evalMetric()[i]);
                n++;
              }
            }
            y[i] = s / n;
          }
          c.add(Series.points(e.name, x, y));
        }
        rep.chart(c);
      }
    }
    Chart prof =
        Chart.of(
                "Performance profile over the workloads (median steps to target)",
                "tau (ratio to the fastest entry)",
                "fraction of workloads")
            .logX();
    for (Map.Entry<String, Object> e : aggregate.entrySet()) {
      @SuppressWarnings("unchecked")
      List<List<Double>> p = (List<List<Double>>) castMap(e.getValue()).get("profile");
      double[] x = new double[p.size()];
      double[] y = new double[p.size()];
      for (int i = 0; i < p.size(); i++) {
        x[i] = p.get(i).get(0);
        y[i] = p.get(i).get(1);
      }
      prof.add(Series.points(e.getKey(), x, y));
    }
    rep.heading("Performance profile").chart(prof);
    if (!skipped.isEmpty()) {
      List<List<String>> s = new ArrayList<>();
      s.add(List.of("workload", "entry", "gear", "reason"));
      for (Map<String, Object> m : skipped) {
        s.add(
            List.of(
                m.get("workload").toString(),
                m.get("entry").toString(),
                m.get("gear").toString(),
                m.get("reason").toString()));
      }
      rep.heading("Skipped").table(s);
    }
    rep.write(file);
  }
}
