package dev.governor.sim;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.governor.control.PiPolicyConfig;
import dev.governor.control.PolicySpec;
import dev.governor.report.Chart;
import dev.governor.report.HtmlPage;
import dev.governor.report.Json;
import dev.governor.report.Num;
import dev.governor.report.Series;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The {@code gains} suite: tunes the LR loop's gains of {@code pi} (K<sub>p</sub>, K<sub>i</sub>
 * and the PV filter weight α, everything else at its default) offline by Sobol-sampled random
 * search over a family of training problems, reports Sobol sensitivity indices of the outcome to
 * each gain ({@link Sensitivity}), and checks whether the tuning transfers to held-out problems.
 *
 * <p><b>Outcome</b> of a gain vector on a problem set: the mean over runs (problems × initial LRs
 * {@code {0.01, 0.3, 3} × the stability bound} × seeds) of ln(steps-to-target), with a run that
 * never reaches its target ({@link Bench#target}) scored ln(2·steps) and a diverged run ln(4·steps)
 * — a geometric-mean time to target, lower is better.
 *
 * <p><b>Search</b>: the gains are sampled in log space on the Saltelli design of a Sobol sequence
 * (N(d + 2) points, which also give the sensitivity indices); the tuned gains are the sample with
 * the lowest training outcome. <b>Transfer check</b>: on the N points of design matrix A (an even
 * Sobol sample) the training and held-out outcomes are compared by Spearman's rank correlation
 * (Commons Math); the check holds when ρ ≥ {@value #MIN_SPEARMAN} and the tuned gains' held-out
 * outcome beats the current defaults' by at least {@value #MIN_GAIN} (relative geometric-mean
 * steps). Only then are the tuned gains recommended as the new {@code pi} defaults.
 */
public final class GainsSuite {
  private GainsSuite() {}

  /** Minimum Spearman correlation between training and held-out outcomes. */
  static final double MIN_SPEARMAN = 0.5;

  /** Minimum relative improvement of the held-out geometric-mean steps over the defaults. */
  static final double MIN_GAIN = 0.02;

  /** Parameter names and log10 ranges. */
  static final String[] NAMES = {"kp", "ki", "alpha"};

  static final double[][] RANGE = {{-2.0, 0.5}, {-2.0, 0.0}, {-1.7, -0.3}};

  /** Initial LRs as multiples of the stability bound. */
  static final double[] LRS = {0.01, 0.3, 3.0};

  /** Maps a unit-cube point to gains. */
  static double[] gains(double[] u) {
    double[] g = new double[u.length];
    for (int i = 0; i < u.length; i++) {
      g[i] = Math.pow(10, RANGE[i][0] + u[i] * (RANGE[i][1] - RANGE[i][0]));
    }
    return g;
  }

  static List<Bench> training() {
    return List.of(
        Bench.sgdNqm("nqm-a1-curv", 50, 1.0, 1.0, NoiseKind.CURVATURE, 16),
        Bench.sgdNqm("nqm-a0.5-iso", 50, 10.0, 0.5, NoiseKind.ISOTROPIC, 8),
        Bench.sgdNqm("nqm-a1.5-iso", 50, 1.0, 1.5, NoiseKind.ISOTROPIC, 32),
        Bench.sgdLogReg("logreg-10", 10, 512, 16));
  }

  static List<Bench> heldOut() {
    return List.of(
        Bench.sgdNqm("nqm-a0.8-curv", 100, 5.0, 0.8, NoiseKind.CURVATURE, 8),
        Bench.sgdNqm("nqm-a2-iso", 30, 0.5, 2.0, NoiseKind.ISOTROPIC, 4),
        Bench.sgdLogReg("logreg-20", 20, 1024, 16));
  }

  /** The specs of one gain vector on a problem set. */
  static List<RunSpec> specs(double[] g, List<Bench> benches, int seeds, long steps, String tag) {
    List<RunSpec> out = new ArrayList<>();
    for (Bench b : benches) {
      for (int k = 0; k < seeds; k++) {
        long seed = 1 + k;
        Problem p = b.problem().create(seed);
        for (double m : LRS) {
          PolicySpec s =
              PolicySpec.of("pi")
                  .with("lr", m * b.scale(p))
                  .with("kp", g[0])
                  .with("ki", g[1])
                  .with("alpha", g[2]);
          out.add(
              new RunSpec(
                  SimulatedTrainer.Config.of(b.problem(), b.optimizer(), seed),
                  s,
                  steps,
                  b.target(p),
                  0,
                  tag + "|" + b.name()));
        }
      }
    }
    return out;
  }

  /** The outcome (mean log steps, penalised) of a block of results. */
  static double outcome(List<RunResult> rs) {
    double s = 0;
    for (RunResult r : rs) {
      s += score(r);
    }
    return s / rs.size();
  }

  static double score(RunResult r) {
    long steps = r.spec().steps();
    if (r.diverged()) {
      return Math.log(4.0 * steps);
    }
    return r.reachedTarget() ? Math.log(Math.max(1, r.stepsToTarget())) : Math.log(2.0 * steps);
  }

  /** Runs the suite. */
  public static Outcome run(boolean quick, int seedsOverride, Runner runner) {
    int seeds = seedsOverride > 0 ? seedsOverride : (quick ? 1 : 2);
    int n = quick ? 32 : 64;
    long steps = quick ? 800 : 2000;
    int d = NAMES.length;
    double[][] design = Sensitivity.design(d, n);
    List<Bench> train = training();
    List<Bench> held = heldOut();
    PiPolicyConfig.LrLoop def = PiPolicyConfig.defaults().lr();
    double[] defaults = {def.kp(), def.ki(), def.alpha()};
    // training outcomes over the whole design
    List<RunSpec> specs = new ArrayList<>();
    int perTrain = specs(defaults, train, seeds, steps, "x").size();
    for (double[] u : design) {
      specs.addAll(specs(gains(u), train, seeds, steps, "train"));
    }
    specs.addAll(specs(defaults, train, seeds, steps, "train-default"));
    List<RunResult> tr = runner.runAll(specs, "gains: training");
    double[] y = new double[design.length];
    for (int k = 0; k < design.length; k++) {
      y[k] = outcome(tr.subList(k * perTrain, (k + 1) * perTrain));
    }
    double yDefaultTrain =
        outcome(tr.subList(design.length * perTrain, (design.length + 1) * perTrain));
    int best = 0;
    for (int k = 1; k < y.length; k++) {
      if (y[k] < y[best]) {
        best = k;
      }
    }
    double[] tuned = gains(design[best]);
    double[][] idx = Sensitivity.indices(y, d, n);
    // held-out: the A rows (an even Sobol sample), the tuned gains and the defaults
    List<RunSpec> hs = new ArrayList<>();
    int perHeld = specs(defaults, held, seeds, steps, "x").size();
    for (int k = 0; k < n; k++) {
      hs.addAll(specs(gains(design[k]), held, seeds, steps, "held"));
    }
    hs.addAll(specs(tuned, held, seeds, steps, "held-tuned"));
    hs.addAll(specs(defaults, held, seeds, steps, "held-default"));
    List<RunResult> hr = runner.runAll(hs, "gains: held-out");
    double[] yHeld = new double[n];
    for (int k = 0; k < n; k++) {
      yHeld[k] = outcome(hr.subList(k * perHeld, (k + 1) * perHeld));
    }
    List<RunResult> tunedHeld = hr.subList(n * perHeld, (n + 1) * perHeld);
    List<RunResult> defaultHeld = hr.subList((n + 1) * perHeld, (n + 2) * perHeld);
    double yTunedHeld = outcome(tunedHeld);
    double yDefaultHeld = outcome(defaultHeld);
    double rho = Stats.spearman(java.util.Arrays.copyOf(y, n), yHeld);
    double improvement = 1 - Math.exp(yTunedHeld - yDefaultHeld);
    boolean holds = rho >= MIN_SPEARMAN && improvement >= MIN_GAIN;

    ObjectNode s = Outcome.summaryHead("gains", quick, seeds, steps);
    s.put("method", "Sobol-sampled random search on the Saltelli design (Commons Math Sobol)");
    s.put("sobol_n", n);
    s.put("evaluations", design.length);
    s.put(
        "outcome",
        "mean ln(steps-to-target) over problems x initial LRs {0.01,0.3,3} x bound x seeds;"
            + " not reached = ln(2 steps), diverged = ln(4 steps); lower is better");
    ObjectNode ranges = s.putObject("log10_ranges");
    for (int i = 0; i < d; i++) {
      ranges.set(NAMES[i], Json.array(RANGE[i]));
    }
    s.set("training_problems", names(train));
    s.set("held_out_problems", names(held));
    ObjectNode dg = s.putObject("defaults");
    ObjectNode tg = s.putObject("tuned");
    for (int i = 0; i < d; i++) {
      Json.put(dg, NAMES[i], defaults[i]);
      Json.put(tg, NAMES[i], tuned[i]);
    }
    Json.put(dg, "training_outcome", yDefaultTrain);
    Json.put(dg, "held_out_outcome", yDefaultHeld);
    Json.put(tg, "training_outcome", y[best]);
    Json.put(tg, "held_out_outcome", yTunedHeld);
    ObjectNode sob = s.putObject("sobol_indices");
    for (int i = 0; i < d; i++) {
      ObjectNode o = sob.putObject(NAMES[i]);
      Json.put(o, "first_order", idx[0][i]);
      Json.put(o, "total", idx[1][i]);
    }
    sob.put("estimators", "first order: Saltelli 2010; total: Jansen 1999");
    ObjectNode tc = s.putObject("transfer");
    Json.put(tc, "spearman_train_vs_held_out", rho);
    tc.put("points", n);
    Json.put(tc, "held_out_geomean_steps_improvement_over_defaults", improvement);
    Json.put(tc, "min_spearman", MIN_SPEARMAN);
    Json.put(tc, "min_improvement", MIN_GAIN);
    tc.put("holds", holds);
    ObjectNode goals = s.putObject("goals");
    Goals.add(
        goals,
        "spearman_train_vs_held_out",
        rho,
        ">= " + MIN_SPEARMAN + " (tuning on the training problems transfers)",
        rho >= MIN_SPEARMAN);
    s.put(
        "recommendation",
        holds
            ? "held-out check holds: the tuned gains may become the pi defaults"
            : "held-out check does not hold: keep the current pi defaults");
    ObjectNode pol = s.putObject("policies");
    PolicyStats.write(pol.putObject("pi-defaults-held-out"), defaultHeld);
    PolicyStats.write(pol.putObject("pi-tuned-held-out"), tunedHeld);
    ArrayNode samples = s.putArray("samples");
    for (int k = 0; k < design.length; k++) {
      ObjectNode o = samples.addObject();
      double[] g = gains(design[k]);
      for (int i = 0; i < d; i++) {
        Json.put(o, NAMES[i], g[i]);
      }
      Json.put(o, "training_outcome", y[k]);
      if (k < n) {
        Json.put(o, "held_out_outcome", yHeld[k]);
      }
    }

    List<String> table = new ArrayList<>();
    table.add(
        String.format(
            Locale.ROOT, "%-8s %10s %10s %10s %10s", "gains", "default", "tuned", "S_i", "S_Ti"));
    for (int i = 0; i < d; i++) {
      table.add(
          String.format(
              Locale.ROOT,
              "%-8s %10.4g %10.4g %10.3f %10.3f",
              NAMES[i],
              defaults[i],
              tuned[i],
              idx[0][i],
              idx[1][i]));
    }
    table.add(
        String.format(
            Locale.ROOT,
            "outcome (mean ln steps): training default %.3f tuned %.3f; held-out default %.3f"
                + " tuned %.3f",
            yDefaultTrain,
            y[best],
            yDefaultHeld,
            yTunedHeld));
    table.add(
        String.format(
            Locale.ROOT,
            "transfer: Spearman %.3f over %d samples, held-out improvement %.1f%% -> %s",
            rho,
            n,
            100 * improvement,
            holds ? "HOLDS" : "does not hold"));

    HtmlPage rep = new HtmlPage("Gains suite" + (quick ? " (quick)" : ""));
    rep.text(
        "Sobol-sampled random search over log10 kp in "
            + java.util.Arrays.toString(RANGE[0])
            + ", log10 ki in "
            + java.util.Arrays.toString(RANGE[1])
            + ", log10 alpha in "
            + java.util.Arrays.toString(RANGE[2])
            + "; "
            + design.length
            + " samples x "
            + perTrain
            + " training runs of "
            + steps
            + " steps. Outcome: "
            + s.get("outcome").asText()
            + ".");
    List<List<String>> rows = new ArrayList<>();
    rows.add(List.of("gain", "default", "tuned", "first-order S_i", "total S_Ti"));
    for (int i = 0; i < d; i++) {
      rows.add(
          List.of(
              NAMES[i],
              Num.sig(defaults[i], 4),
              Num.sig(tuned[i], 4),
              String.format(Locale.ROOT, "%.3f", idx[0][i]),
              String.format(Locale.ROOT, "%.3f", idx[1][i])));
    }
    rep.table(rows);
    rep.text(table.get(d + 1)).text(table.get(d + 2)).text(s.get("recommendation").asText());
    Chart sc =
        Chart.of(
            "Transfer: training vs held-out outcome (design matrix A)",
            "training outcome (mean ln steps)",
            "held-out outcome (mean ln steps)");
    sc.add(
        Series.scatter(
            "Sobol samples", java.util.Arrays.copyOf(y, n), yHeld, Series.Marker.CIRCLE));
    sc.add(
        Series.scatter(
            "defaults",
            new double[] {yDefaultTrain},
            new double[] {yDefaultHeld},
            Series.Marker.CIRCLE));
    sc.add(
        Series.scatter(
            "tuned", new double[] {y[best]}, new double[] {yTunedHeld}, Series.Marker.CIRCLE));
    rep.chart(sc);
    for (int i = 0; i < d; i++) {
      Chart c =
          Chart.of(
                  "Training outcome against " + NAMES[i] + " (all samples)",
                  NAMES[i],
                  "training outcome (mean ln steps)")
              .logX();
      double[] x = new double[design.length];
      for (int k = 0; k < design.length; k++) {
        x[k] = gains(design[k])[i];
      }
      c.add(Series.scatter("samples", x, y, Series.Marker.CIRCLE));
      rep.chart(c);
    }
    table.addAll(Goals.lines(goals));
    return new Outcome(s, rep, table, Goals.failures("gains", goals));
  }

  private static ArrayNode names(List<Bench> bs) {
    ArrayNode a = Json.MAPPER.createArrayNode();
    for (Bench b : bs) {
      a.add(b.name() + ": " + b.problem());
    }
    return a;
  }
}
