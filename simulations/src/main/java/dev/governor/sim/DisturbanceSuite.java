package dev.governor.sim;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.governor.control.PolicySpec;
import dev.governor.report.Chart;
import dev.governor.report.HtmlPage;
import dev.governor.report.Json;
import dev.governor.report.Num;
import dev.governor.report.Series;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The {@code disturbance} suite: on the curvature-noise NQM ({@link Bench#nqmCurvature()}), SGD,
 * every policy starting at η₀ = 0.25 × the stability bound, with one event at step E = steps/2:
 * curvature ×10 (the stable LR drops 10×), a noise burst (noise std ×5 for steps/10 steps), batch
 * halving, or loss/gradient spikes ×100 every steps/10 steps from E. Besides the robustness suite's
 * policies, {@code lrfind} (range test, then open-loop cosine) is the frozen calibration the
 * feedback has to beat when the plant changes mid-run.
 *
 * <p>Per run: <b>recovery steps</b> = steps from E until the exact loss is back at or below 1.5 ×
 * its mean over the 50 steps before E (scaled by the curvature factor for the jump; -1 = never);
 * <b>wasted steps</b> = steps after E spent above that level. A diverged run wastes every remaining
 * step. Every baseline carries the same safety gear as {@code pi} ({@link
 * RobustnessSuite#BASELINE_GEAR}).
 */
public final class DisturbanceSuite {
  private DisturbanceSuite() {}

  static Map<String, Disturbance> disturbances(long steps) {
    long e = steps / 2;
    Map<String, Disturbance> m = new LinkedHashMap<>();
    m.put("curvature-x10", Disturbance.curvatureJump(e, 10));
    m.put("noise-burst-x5", Disturbance.noiseBurst(e, steps / 10, 5));
    m.put("batch-halving", Disturbance.batchChange(e, Bench.nqmCurvature().problem().batch() / 2));
    m.put("spikes-x100", Disturbance.spikes(e, steps / 10, 100));
    return m;
  }

  /**
   * Policy {@code p} for a run of {@code steps} starting at {@code lr}: the robustness suite's
   * specs, and {@code lrfind} — the LR range test over the first {@code max(20, steps/10)} steps,
   * then cosine from the LR it suggests (a frozen calibration: it does not look at the run again),
   * with the baselines' gear.
   */
  static PolicySpec spec(String p, double lr, long steps) {
    if (p.equals("lrfind")) {
      return PolicySpec.of("lrfind")
          .with("t-max", steps)
          .with("sweep-steps", Math.max(20, steps / 10))
          .with("gear", "standard")
          .with("clip", "zclip");
    }
    return RobustnessSuite.spec(p, lr, steps);
  }

  /** Runs the suite. */
  public static Outcome run(boolean quick, int seedsOverride, Runner runner) {
    int seeds = seedsOverride > 0 ? seedsOverride : (quick ? 2 : 8);
    long steps = quick ? 1200 : 3000;
    long e = steps / 2;
    Bench b = Bench.nqmCurvature();
    List<String> policies = new ArrayList<>(RobustnessSuite.policies());
    policies.add("lrfind");
    Map<String, Disturbance> dist = disturbances(steps);
    List<RunSpec> specs = new ArrayList<>();
    for (Map.Entry<String, Disturbance> d : dist.entrySet()) {
      for (String p : policies) {
        for (int k = 0; k < seeds; k++) {
          long seed = 1 + k;
          Problem prob = b.problem().create(seed);
          specs.add(
              new RunSpec(
                  SimulatedTrainer.Config.of(b.problem(), b.optimizer(), seed)
                      .withDisturbance(d.getValue()),
                  spec(p, 0.25 * b.scale(prob), steps),
                  steps,
                  b.target(prob),
                  1,
                  RunGroups.label(d.getKey(), p)));
        }
      }
    }
    RunGroups by = RunGroups.of(runner.runAll(specs, "disturbance"));
    ObjectNode s = Outcome.summaryHead("disturbance", quick, seeds, steps);
    s.put("event_step", e);
    s.put("problem", b.problem().toString());
    s.put("initial_lr_relative_to_bound", 0.25);
    s.put("baseline_gear", RobustnessSuite.BASELINE_GEAR);
    ObjectNode pol = s.putObject("policies");
    for (String p : policies) {
      List<RunResult> rs = new ArrayList<>();
      for (String d : dist.keySet()) {
        rs.addAll(by.get(d, p));
      }
      PolicyStats.write(pol.putObject(p), rs);
    }
    ObjectNode per = s.putObject("disturbances");
    List<String> table = new ArrayList<>();
    table.add(
        String.format(
            Locale.ROOT,
            "%-16s %-10s %9s %14s %14s %12s",
            "disturbance",
            "policy",
            "diverged",
            "recovery_med",
            "wasted_med",
            "final_med"));
    List<List<String>> rows = new ArrayList<>();
    rows.add(
        List.of(
            "disturbance",
            "policy",
            "diverged",
            "median recovery steps",
            "median wasted steps",
            "final loss median"));
    for (Map.Entry<String, Disturbance> d : dist.entrySet()) {
      ObjectNode pd = per.putObject(d.getKey());
      for (String p : policies) {
        List<RunResult> rs = by.get(d.getKey(), p);
        double[] rec = new double[rs.size()];
        double[] waste = new double[rs.size()];
        int div = 0;
        for (int i = 0; i < rs.size(); i++) {
          RunResult r = rs.get(i);
          double[] m = recovery(r, e, d.getValue().curvatureScale(e));
          rec[i] = m[0];
          waste[i] = m[1];
          div += r.diverged() ? 1 : 0;
        }
        ObjectNode o = PolicyStats.write(pd.putObject(p), rs);
        Json.put(o, "recovery_steps_median", Stats.median(rec));
        o.set("recovery_steps_ci95", Json.array(Stats.medianCi(rec, 0.95)));
        Json.put(o, "wasted_steps_median", Stats.median(waste));
        o.set("wasted_steps_ci95", Json.array(Stats.medianCi(waste, 0.95)));
        double fl = Stats.median(PolicyStats.finalLoss(rs));
        table.add(
            String.format(
                Locale.ROOT,
                "%-16s %-10s %9d %14.0f %14.0f %12.4g",
                d.getKey(),
                p,
                div,
                Stats.median(rec),
                Stats.median(waste),
                fl));
        rows.add(
            List.of(
                d.getKey(),
                p,
                Integer.toString(div),
                String.format(Locale.ROOT, "%.0f", Stats.median(rec)),
                String.format(Locale.ROOT, "%.0f", Stats.median(waste)),
                Num.sig(fl, 4)));
      }
    }
    ObjectNode goals = s.putObject("goals");
    for (String d : List.of("curvature-x10", "spikes-x100")) {
      List<RunResult> rs = by.get(d, "pi");
      double[] waste = new double[rs.size()];
      for (int i = 0; i < rs.size(); i++) {
        waste[i] = recovery(rs.get(i), e, dist.get(d).curvatureScale(e))[1];
      }
      double frac = Stats.median(waste) / (steps - e);
      Goals.add(
          goals,
          "pi_wasted_fraction_after_" + d,
          frac,
          "<= 0.01 of the steps after the event (median over seeds)",
          frac <= 0.01);
    }
    int piDiverged = 0;
    for (String d : dist.keySet()) {
      for (RunResult r : by.get(d, "pi")) {
        piDiverged += r.diverged() ? 1 : 0;
      }
    }
    Goals.add(goals, "pi_diverged_runs", piDiverged, "0", piDiverged == 0);
    table.addAll(Goals.lines(goals));
    HtmlPage rep = new HtmlPage("Disturbance suite" + (quick ? " (quick)" : ""));
    rep.text(
        "Problem "
            + b.problem()
            + ", SGD, initial LR 0.25 x bound for every policy, event at step "
            + e
            + ". Recovery: steps until the exact loss is back below 1.5 x its pre-event level;"
            + " wasted: steps after the event spent above it (infinite = never recovered).");
    rep.table(rows);
    for (String d : dist.keySet()) {
      Chart loss = Chart.of(d + ": exact loss (seed 1)", "step", "loss").logY();
      Chart lr = Chart.of(d + ": learning rate (seed 1)", "step", "lr").logY();
      Chart clip = Chart.of(d + ": clip threshold (seed 1)", "step", "clip").logY();
      for (String p : policies) {
        Trace t = by.get(d, p).get(0).trace();
        double[] x = SingleRun.toDouble(t.step());
        loss.add(Series.line(p, x, t.exactLoss()));
        lr.add(Series.line(p, x, t.lr()));
        clip.add(Series.line(p, x, t.clip()));
      }
      rep.heading(d).chart(loss).chart(lr).chart(clip);
    }
    rep.text("Goals: " + goals);
    return new Outcome(s, rep, table, Goals.failures("disturbance", goals));
  }

  /** {recovery steps (+Inf = never), wasted steps} of one run with a full trace. */
  static double[] recovery(RunResult r, long event, double scale) {
    Trace t = r.trace();
    double[] loss = t.exactLoss();
    long[] step = t.step();
    double pre = 0;
    int n = 0;
    for (int i = 0; i < step.length; i++) {
      if (step[i] >= event - 50 && step[i] < event) {
        pre += loss[i];
        n++;
      }
    }
    double level = 1.5 * scale * pre / Math.max(1, n);
    double rec = Double.POSITIVE_INFINITY;
    long wasted = 0;
    for (int i = 0; i < step.length; i++) {
      if (step[i] < event) {
        continue;
      }
      if (loss[i] <= level) {
        if (rec == Double.POSITIVE_INFINITY) {
          rec = step[i] - event;
        }
      } else {
        wasted++;
      }
    }
    if (r.diverged()) {
      wasted += r.spec().steps() - 1 - r.divergedAt();
      rec = Double.POSITIVE_INFINITY;
    }
    return new double[] {rec, wasted};
  }
}
