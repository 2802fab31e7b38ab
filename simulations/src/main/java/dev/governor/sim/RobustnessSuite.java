package dev.governor.sim;

import com.fasterxml.jackson.databind.node.ArrayNode;
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
 * The {@code robustness} suite: every policy at every initial LR of a 13-point grid spanning 4
 * decades (10⁻³ … 10 × the stability bound 2/λ<sub>max</sub>, ratio 10<sup>1/3</sup>) × seeds ×
 * problems ({@link Bench}). {@code pi} runs with its default configuration (only the initial LR
 * set); cosine anneals over the whole run, SGDR restarts with T₀ = steps/7 and T<sub>mult</sub> = 2
 * (restarts at 1/7 and 3/7 of the run), plateau uses PyTorch's defaults on the mini-batch loss.
 * "Tuned" = each baseline at its best grid LR per problem (lowest median steps-to-target, ties by
 * median final loss). Every baseline carries the same safety gear as {@code pi} ({@link
 * #BASELINE_GEAR}), so what the suite compares is the LR policy, not the protection.
 */
public final class RobustnessSuite {
  private RobustnessSuite() {}

  /** Grid multipliers of the stability bound: 10^(−3 + k/3), k = 0..12. */
  static double[] grid() {
    double[] g = new double[13];
    for (int k = 0; k < 13; k++) {
      g[k] = Math.pow(10, -3 + k / 3.0);
    }
    return g;
  }

  static List<String> policies() {
    return List.of("pi", "cosine", "sgdr", "constant", "plateau");
  }

  /**
   * The safety gear every baseline carries: {@code pi}'s spike guard and safety cut with {@code
   * pi}'s defaults ({@code gear=standard}) and the adaptive clip {@code clip=zclip}, as in the
   * bake-off; {@code pi} has its own guard, cut and clip loop.
   */
  static final String BASELINE_GEAR = "gear=standard, clip=zclip";

  /**
   * Policy {@code policy} at initial LR {@code lr} for a run of {@code steps}, baselines geared.
   */
  static PolicySpec spec(String policy, double lr, long steps) {
    return spec(policy, lr, steps, Map.of());
  }

  /**
   * {@link #spec(String, double, long)} with {@code piOptions} added to {@code pi}'s spec (the
   * baselines' specs are unchanged).
   */
  static PolicySpec spec(String policy, double lr, long steps, Map<String, String> piOptions) {
    PolicySpec s = PolicySpec.of(policy).with("lr", lr);
    if (policy.equals("pi")) {
      s = s.withAll(piOptions);
    } else {
      s = s.with("gear", "standard").with("clip", "zclip");
    }
    return switch (policy) {
      case "cosine" -> s.with("t-max", steps);
      case "sgdr" -> s.with("t0", Math.max(1, steps / 7)).with("t-mult", 2);
      default -> s;
    };
  }

  /** Runs the suite. */
  public static Outcome run(boolean quick, int seedsOverride, Runner runner) {
    return run(quick, seedsOverride, Map.of(), runner);
  }

  /**
   * Runs the suite with {@code piOptions} added to every {@code pi} run's spec (a variant of {@code
   * pi} scored under the same protocol; {@code summary.json} records them).
   */
  public static Outcome run(
      boolean quick, int seedsOverride, Map<String, String> piOptions, Runner runner) {
    int seeds = seedsOverride > 0 ? seedsOverride : (quick ? 2 : 5);
    long steps = quick ? 1000 : 3000;
    List<Bench> benches = Bench.robustness(quick);
    double[] grid = grid();
    List<String> policies = policies();
    List<RunSpec> specs = new ArrayList<>();
    Map<String, Problem> instances = new LinkedHashMap<>();
    for (Bench b : benches) {
      for (int k = 0; k < seeds; k++) {
        long seed = 1 + k;
        Problem p = b.problem().create(seed);
        instances.put(b.name() + "#" + seed, p);
        double target = b.target(p);
        double scale = b.scale(p);
        for (int gi = 0; gi < grid.length; gi++) {
          for (String pol : policies) {
            boolean trace = k == 0;
            specs.add(
                new RunSpec(
                    SimulatedTrainer.Config.of(b.problem(), b.optimizer(), seed),
                    spec(pol, grid[gi] * scale, steps, piOptions),
                    steps,
                    target,
                    trace ? (int) Math.max(1, steps / 300) : 0,
                    RunGroups.label(b.name(), pol, gi)));
          }
        }
      }
    }
    // cells: bench | policy | grid index
    RunGroups by = RunGroups.of(runner.runAll(specs, "robustness"));
    ObjectNode s = Outcome.summaryHead("robustness", quick, seeds, steps);
    s.set("lr_grid_relative_to_bound", Json.array(grid));
    s.put("baseline_gear", BASELINE_GEAR);
    ObjectNode piOpts = s.putObject("pi_options");
    new java.util.TreeMap<>(piOptions).forEach(piOpts::put);
    ArrayNode probs = s.putArray("problems");
    for (Bench b : benches) {
      Problem p = instances.get(b.name() + "#1");
      ObjectNode o = probs.addObject();
      o.put("name", b.name());
      o.put("problem", b.problem().toString());
      o.put("optimizer", b.optimizer().id());
      Json.put(o, "lambda_max_seed1", p.lambdaMax());
      Json.put(o, "stability_bound_seed1", b.bound(p));
      Json.put(o, "target_seed1", b.target(p));
      o.put("target_rule", b.targetRule());
    }
    // whole-grid stats per policy
    ObjectNode pol = s.putObject("policies");
    Map<String, List<RunResult>> all = new LinkedHashMap<>();
    for (String p : policies) {
      List<RunResult> rs = new ArrayList<>();
      for (Bench b : benches) {
        for (int gi = 0; gi < grid.length; gi++) {
          rs.addAll(by.get(b.name(), p, gi));
        }
      }
      all.put(p, rs);
      PolicyStats.write(pol.putObject(p), rs);
    }
    // tuned baselines
    ObjectNode tuned = s.putObject("tuned");
    Map<String, List<RunResult>> tunedRuns = new LinkedHashMap<>();
    for (String p : policies) {
      if (p.equals("pi")) {
        continue;
      }
      ObjectNode t = tuned.putObject(p);
      List<RunResult> rs = new ArrayList<>();
      for (Bench b : benches) {
        List<List<RunResult>> g = new ArrayList<>();
        for (int gi = 0; gi < grid.length; gi++) {
          g.add(by.get(b.name(), p, gi));
        }
        int best = bestIndex(g);
        t.put(b.name() + "_best_lr_relative", grid[best]);
        rs.addAll(g.get(best));
      }
      tunedRuns.put(p, rs);
      PolicyStats.write(t, rs);
      PolicyStats.write(pol.putObject(p + "-tuned"), rs);
    }
    // per-LR table
    ObjectNode perLr = s.putObject("per_lr");
    for (Bench b : benches) {
      ObjectNode pb = perLr.putObject(b.name());
      for (String p : policies) {
        ArrayNode arr = pb.putArray(p);
        for (int gi = 0; gi < grid.length; gi++) {
          List<RunResult> g = by.get(b.name(), p, gi);
          ObjectNode o = arr.addObject();
          o.put("lr_relative", grid[gi]);
          PolicyStats.write(o, g);
        }
      }
    }
    // comparisons
    ObjectNode cmp = s.putObject("comparisons");
    ObjectNode goals = s.putObject("goals");
    List<String> table = new ArrayList<>();
    table.add(
        String.format(
            Locale.ROOT,
            "%-16s %6s %9s %9s %12s %18s %12s %12s",
            "policy",
            "runs",
            "diverged",
            "reached",
            "median_steps",
            "ci95",
            "final_med",
            "final_p90"));
    for (Map.Entry<String, List<RunResult>> e : concat(all, tunedRuns).entrySet()) {
      table.add(row(e.getKey(), e.getValue()));
    }
    if (all.containsKey("pi")) {
      List<RunResult> pi = all.get("pi");
      double[] piSteps = PolicyStats.censoredSteps(pi);
      double piMedian = Stats.median(PolicyStats.steps(pi));
      boolean beatsAll = true;
      for (Map.Entry<String, List<RunResult>> e : concat(all, tunedRuns).entrySet()) {
        if (e.getKey().equals("pi")) {
          continue;
        }
        ObjectNode c = cmp.putObject("pi_vs_" + e.getKey());
        double other = Stats.median(PolicyStats.steps(e.getValue()));
        Json.put(c, "pi_median_steps", piMedian);
        Json.put(c, "other_median_steps", other);
        Json.put(c, "ratio_pi_over_other", piMedian / other);
        Json.put(
            c,
            "mann_whitney_p",
            Stats.mannWhitneyP(piSteps, PolicyStats.censoredSteps(e.getValue())));
        if (!e.getKey().endsWith("-tuned") && !(piMedian < other)) {
          beatsAll = false;
        }
      }
      int div = 0;
      int reached = 0;
      for (RunResult r : pi) {
        div += r.diverged() ? 1 : 0;
        reached += r.reachedTarget() ? 1 : 0;
      }
      Goals.add(goals, "pi_diverged_runs", div, "0", div == 0);
      double frac = (double) reached / pi.size();
      Goals.add(goals, "pi_reached_fraction", frac, ">= 0.99", frac >= 0.99);
      Goals.add(
          goals,
          "pi_median_beats_every_baseline_grid_median",
          beatsAll ? 1 : 0,
          "1 (pi's median steps below each baseline's median over the whole LR grid)",
          beatsAll);
      if (tunedRuns.containsKey("cosine")) {
        double ratio = piMedian / Stats.median(PolicyStats.steps(tunedRuns.get("cosine")));
        Goals.add(goals, "pi_over_tuned_cosine", ratio, "<= 1.2", ratio <= 1.2);
      }
    }
    ObjectNode observations = s.putObject("observations");
    for (String p : policies) {
      if (p.equals("pi")) {
        continue;
      }
      int div = 0;
      for (RunResult r : all.get(p)) {
        div += r.diverged() ? 1 : 0;
      }
      observations.put(p + "_diverged_runs_with_the_same_gear", div);
    }
    table.addAll(Goals.lines(goals));

    HtmlPage rep = new HtmlPage("Robustness suite" + (quick ? " (quick)" : ""));
    rep.text(
        "Initial LR over 13 values from 1e-3 to 10 x the stability bound, "
            + seeds
            + " seeds, "
            + steps
            + " steps, problems: "
            + benches.stream().map(Bench::name).toList()
            + ". Steps-to-target counts runs that never reach the target as infinite.");
    List<List<String>> rows = new ArrayList<>();
    rows.add(
        List.of(
            "policy",
            "runs",
            "diverged",
            "reached",
            "median steps",
            "95% CI",
            "final loss median",
            "final loss p90"));
    for (Map.Entry<String, List<RunResult>> e : concat(all, tunedRuns).entrySet()) {
      rows.add(htmlRow(e.getKey(), e.getValue()));
    }
    rep.table(rows);
    rep.text("Goals: " + goals);
    rep.text("Comparisons (Mann-Whitney U of steps-to-target, censored at steps+1): " + cmp);
    for (Bench b : benches) {
      rep.heading(b.name());
      Chart div =
          Chart.of(
                  b.name() + ": diverged fraction vs initial LR",
                  "initial LR / bound",
                  "fraction diverged")
              .logX();
      Chart st =
          Chart.of(
                  b.name() + ": median steps-to-target vs initial LR",
                  "initial LR / bound",
                  "steps (missing = not reached)")
              .logX()
              .logY();
      for (String p : policies) {
        double[] dv = new double[grid.length];
        double[] sv = new double[grid.length];
        for (int gi = 0; gi < grid.length; gi++) {
          List<RunResult> g = by.get(b.name(), p, gi);
          dv[gi] = g.stream().filter(RunResult::diverged).count() / (double) g.size();
          sv[gi] = Stats.median(PolicyStats.steps(g));
        }
        div.add(Series.points(p, grid, dv));
        st.add(Series.points(p, grid, sv));
      }
      rep.chart(div).chart(st);
      for (int gi : new int[] {3, 7, 10}) {
        Chart lr =
            Chart.of(
                    String.format(
                        Locale.ROOT,
                        "%s: LR trajectories, initial LR = %.3g x bound (seed 1)",
                        b.name(),
                        grid[gi]),
                    "step",
                    "lr")
                .logY();
        Chart loss =
            Chart.of(
                    String.format(
                        Locale.ROOT,
                        "%s: exact loss, initial LR = %.3g x bound (seed 1)",
                        b.name(),
                        grid[gi]),
                    "step",
                    "loss")
                .logY();
        for (String p : policies) {
          RunResult r = by.get(b.name(), p, gi).get(0);
          Trace t = r.trace();
          double[] x = SingleRun.toDouble(t.step());
          lr.add(Series.line(p, x, t.lr()));
          loss.add(Series.line(p, x, t.exactLoss()));
        }
        rep.chart(lr).chart(loss);
      }
    }
    return new Outcome(s, rep, table, Goals.failures("robustness", goals));
  }

  private static Map<String, List<RunResult>> concat(
      Map<String, List<RunResult>> a, Map<String, List<RunResult>> tuned) {
    Map<String, List<RunResult>> m = new LinkedHashMap<>(a);
    tuned.forEach((k, v) -> m.put(k + "-tuned", v));
    return m;
  }

  static int bestIndex(List<List<RunResult>> g) {
    int best = 0;
    double bestSteps = Double.POSITIVE_INFINITY;
    double bestLoss = Double.POSITIVE_INFINITY;
    for (int i = 0; i < g.size(); i++) {
      double st = Stats.median(PolicyStats.steps(g.get(i)));
      double fl = Stats.median(PolicyStats.finalLoss(g.get(i)));
      if (st < bestSteps || (st == bestSteps && fl < bestLoss)) {
        best = i;
        bestSteps = st;
        bestLoss = fl;
      }
    }
    return best;
  }

  static String row(String name, List<RunResult> rs) {
    double[] st = PolicyStats.steps(rs);
    double[] ci = Stats.medianCi(st, 0.95);
    double[] fl = PolicyStats.finalLoss(rs);
    long div = rs.stream().filter(RunResult::diverged).count();
    long reached = rs.stream().filter(RunResult::reachedTarget).count();
    return String.format(
        Locale.ROOT,
        "%-16s %6d %9d %9d %12.0f %18s %12.4g %12.4g",
        name,
        rs.size(),
        div,
        reached,
        Stats.median(st),
        String.format(Locale.ROOT, "[%.0f, %.0f]", ci[0], ci[1]),
        Stats.median(fl),
        Stats.quantile(fl, 0.9));
  }

  static List<String> htmlRow(String name, List<RunResult> rs) {
    double[] st = PolicyStats.steps(rs);
    double[] ci = Stats.medianCi(st, 0.95);
    double[] fl = PolicyStats.finalLoss(rs);
    return List.of(
        name,
        Integer.toString(rs.size()),
        Long.toString(rs.stream().filter(RunResult::diverged).count()),
        Long.toString(rs.stream().filter(RunResult::reachedTarget).count()),
        String.format(Locale.ROOT, "%.0f", Stats.median(st)),
        String.format(Locale.ROOT, "[%.0f, %.0f]", ci[0], ci[1]),
        Num.sig(Stats.median(fl), 4),
        Num.sig(Stats.quantile(fl, 0.9), 4));
  }
}
