package dev.governor.sim;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.governor.control.GuardAction;
import dev.governor.control.Hyperparameters;
import dev.governor.control.Observation;
import dev.governor.control.PolicySpec;
import dev.governor.report.HtmlPage;
import dev.governor.report.Json;
import dev.governor.report.Num;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The {@code validation} suite: the simulator against closed forms (docs/theory.md).
 *
 * <ol>
 *   <li><b>Stationary loss.</b> Constant-η SGD on the NQM reaches E[L] = (η s²/2B) Σ
 *       w<sub>i</sub>/(2 − η h<sub>i</sub>). Runs start at the seeded start point, burn in for T
 *       steps (T ≥ the time for every coordinate's transient to decay to 10⁻⁶ of its start, in loss
 *       units), then average the exact loss over T steps and K seeds. Tolerance: 4 standard errors
 *       of that mean, computed exactly for this model — each coordinate is an AR(1) process with ρ
 *       = 1 − ηh and stationary variance v = η²σ²/(1 − ρ²), so Var(½h x²) = ½h²v² with integrated
 *       autocorrelation time (1 + ρ²)/(1 − ρ²); SE² = Σ ½h²v²(1 + ρ²)/(1 − ρ²) / (T K). A correct
 *       simulator fails one check with probability ≈ 6·10⁻⁵.
 *   <li><b>Gradient-descent threshold.</b> Noise-free SGD converges at 0.98·2/λ<sub>max</sub>
 *       (exact loss after N steps below 10⁻⁶ of the start) and diverges at 1.02·2/λ<sub>max</sub>
 *       (above 10⁶ × the start within N steps); the same at 0.98/1.02 × 2(1+β)/λ<sub>max</sub> for
 *       heavy-ball momentum.
 *   <li><b>LR range test.</b> On the noisy NQM, η grows by 0.2 % per step from
 *       10⁻⁴/λ<sub>max</sub>, one step each (Smith's test); η* = the first η at which the
 *       mini-batch loss, smoothed by a bias-corrected EMA (β = 0.8), exceeds 2 × its lowest value;
 *       λ̂ = 2/η* must be within 10 % of λ<sub>max</sub>. (The blow-up needs some steps above 2/λ
 *       to show, so λ̂ is biased low; the bias shrinks as the square root of the growth rate — 1
 *       %/step with a 4× threshold gave 9–14 % low.)
 * </ol>
 */
public final class ValidationSuite {
  private ValidationSuite() {}

  /** One stationary-loss configuration. */
  record Stationary(ProblemConfig.Nqm problem, double eta) {}

  /** The stationary-loss configurations (η, B, spectrum, noise). */
  static List<Stationary> stationaryCases() {
    ProblemConfig.Nqm base =
        new ProblemConfig.Nqm(20, 1.0, 1.0, NoiseKind.ISOTROPIC, 1.0, 4, 1.0, 1.0);
    return List.of(
        new Stationary(base, 0.5),
        new Stationary(base.withBatch(16), 1.5),
        new Stationary(
            base.withSpectrum(50, 2.0, 0.5).withNoise(NoiseKind.CURVATURE, 1.0).withBatch(8), 0.4),
        new Stationary(
            base.withSpectrum(10, 10.0, 2.0).withNoise(NoiseKind.CURVATURE, 2.0).withBatch(1),
            0.15));
  }

  /** Predicted mean and its standard error for T samples per seed, K seeds. */
  static double[] prediction(ProblemConfig.Nqm p, double eta, long t, int k) {
    double var = 0;
    for (int i = 0; i < p.dim(); i++) {
      double h = p.curvature(i);
      double w = p.noise() == NoiseKind.ISOTROPIC ? 1.0 : h;
      double sigma2 = p.noiseScale() * w / p.batch();
      double rho = 1 - eta * h;
      double v = eta * eta * sigma2 / (1 - rho * rho);
      double tau = (1 + rho * rho) / (1 - rho * rho);
      var += 0.5 * h * h * v * v * tau;
    }
    return new double[] {p.stationaryLoss(eta), Math.sqrt(var / ((double) t * k))};
  }

  /** Burn-in (and averaging) length: every coordinate within 1e-6 of stationary variance. */
  static long burnIn(ProblemConfig.Nqm p, double eta) {
    double worst = 0;
    for (int i = 0; i < p.dim(); i++) {
      double rho = 1 - eta * p.curvature(i);
      worst = Math.max(worst, rho * rho);
    }
    return (long) Math.ceil(Math.log(1e-6) / Math.log(worst));
  }

  /** Runs the suite; {@code quick} uses fewer seeds and steps. */
  public static Outcome run(boolean quick, int seedsOverride, Runner runner) {
    int seeds = seedsOverride > 0 ? seedsOverride : (quick ? 4 : 16);
    ObjectNode s = Json.object();
    s.put("suite", "validation");
    s.put("quick", quick);
    s.put("seeds", seeds);
    s.putObject("policies");
    ArrayNode checks = s.putArray("checks");
    List<String> failures = new ArrayList<>();
    List<String> table = new ArrayList<>();
    List<List<String>> rows = new ArrayList<>();
    rows.add(List.of("check", "expected", "measured", "tolerance", "result"));
    table.add(
        String.format(
            Locale.ROOT, "%-58s %12s %12s %10s  %s", "check", "expected", "measured", "tol", "ok"));

    // 1. stationary loss
    List<RunSpec> specs = new ArrayList<>();
    List<long[]> lengths = new ArrayList<>();
    for (Stationary c : stationaryCases()) {
      long t = Math.max(quick ? 4000 : 20000, burnIn(c.problem(), c.eta()));
      lengths.add(new long[] {t});
      for (int k = 0; k < seeds; k++) {
        specs.add(
            RunSpec.of(
                SimulatedTrainer.Config.of(c.problem(), OptimizerKind.SGD, 1000 + k),
                PolicySpec.of("constant").with("lr", c.eta()),
                2 * t));
      }
    }
    List<RunResult> res = runner.runAll(specs, "validation");
    int idx = 0;
    for (int ci = 0; ci < stationaryCases().size(); ci++) {
      Stationary c = stationaryCases().get(ci);
      long t = lengths.get(ci)[0];
      double sum = 0;
      for (int k = 0; k < seeds; k++) {
        sum += res.get(idx++).tailMeanLoss();
      }
      double measured = sum / seeds;
      double[] pred = prediction(c.problem(), c.eta(), t, seeds);
      double tol = 4 * pred[1];
      String name =
          String.format(
              Locale.ROOT,
              "stationary loss D=%d a=%s %s B=%d eta=%s",
              c.problem().dim(),
              c.problem().exponent(),
              c.problem().noise().id(),
              c.problem().batch(),
              c.eta());
      check(
          checks,
          rows,
          table,
          failures,
          name,
          pred[0],
          measured,
          tol,
          Math.abs(measured - pred[0]) <= tol);
    }

    // 2. GD threshold
    for (OptimizerKind k : List.of(OptimizerKind.SGD, OptimizerKind.MOMENTUM)) {
      for (ProblemConfig.Nqm p :
          List.of(
              new ProblemConfig.Nqm(100, 1.0, 1.0, NoiseKind.ISOTROPIC, 0.0, 1, 1.0, 1.0),
              new ProblemConfig.Nqm(30, 5.0, 0.5, NoiseKind.ISOTROPIC, 0.0, 1, 1.0, 1.0))) {
        double bound = k.stabilityBound(p.lambdaMax());
        long n = 3000;
        double below = gdRatio(p, k, 0.98 * bound, n);
        double above = gdRatio(p, k, 1.02 * bound, n);
        String base =
            String.format(Locale.ROOT, "%s lambda=%s D=%d", k.id(), p.lambdaMax(), p.dim());
        check(
            checks,
            rows,
            table,
            failures,
            base + " converges at 0.98 bound (L_N/L_0)",
            1e-6,
            below,
            Double.NaN,
            below < 1e-6);
        check(
            checks,
            rows,
            table,
            failures,
            base + " diverges at 1.02 bound (L_max/L_0)",
            1e6,
            above,
            Double.NaN,
            above > 1e6);
      }
    }

    // 3. LR range test
    for (double lambda : new double[] {0.1, 1.0, 10.0}) {
      for (int seed = 1; seed <= (quick ? 2 : 5); seed++) {
        ProblemConfig.Nqm p =
            new ProblemConfig.Nqm(100, lambda, 1.0, NoiseKind.CURVATURE, 1.0, 16, 1.0, 1.0);
        double est = rangeTest(p, seed);
        check(
            checks,
            rows,
            table,
            failures,
            String.format(Locale.ROOT, "LR range test lambda_max=%s seed=%d", lambda, seed),
            lambda,
            est,
            0.1 * lambda,
            Math.abs(est - lambda) <= 0.1 * lambda);
      }
    }
    s.put("passed", failures.isEmpty());
    s.put("failed_checks", failures.size());
    HtmlPage rep = new HtmlPage("Validation suite" + (quick ? " (quick)" : ""));
    rep.text(
        "The simulator against closed forms: the stationary loss of constant-LR SGD on the noisy"
            + " quadratic model (tolerance: 4 exact standard errors), the gradient-descent stability"
            + " threshold 2/lambda_max, and the LR range test.");
    rep.table(rows);
    rep.text(failures.isEmpty() ? "All checks passed." : "FAILED: " + String.join("; ", failures));
    table.add(
        failures.isEmpty()
            ? "validation: all " + checks.size() + " checks passed"
            : "validation FAILED: " + failures.size() + " of " + checks.size() + " checks");
    return new Outcome(s, rep, table, failures);
  }

  private static void check(
      ArrayNode checks,
      List<List<String>> rows,
      List<String> table,
      List<String> failures,
      String name,
      double expected,
      double measured,
      double tol,
      boolean ok) {
    ObjectNode c = checks.addObject();
    c.put("name", name);
    Json.put(c, "expected", expected);
    Json.put(c, "measured", measured);
    Json.put(c, "tolerance", tol);
    c.put("passed", ok);
    if (!ok) {
      failures.add(name + ": expected " + expected + ", measured " + measured);
    }
    rows.add(
        List.of(
            name,
            Num.sig(expected, 4),
            Num.sig(measured, 4),
            Num.sig(tol, 4),
            ok ? "pass" : "FAIL"));
    table.add(
        String.format(
            Locale.ROOT,
            "%-58s %12.5g %12.5g %10.3g  %s",
            name,
            expected,
            measured,
            tol,
            ok ? "pass" : "FAIL"));
  }

  /**
   * Noise-free run at constant η for n steps. Returns L_n/L_0 when the run stays bounded, else the
   * largest ratio reached (≥ 10⁶ means it diverged).
   */
  static double gdRatio(ProblemConfig.Nqm p, OptimizerKind k, double eta, long n) {
    SimulatedTrainer t = SimulatedTrainer.of(SimulatedTrainer.Config.of(p, k, 7));
    double l0 = t.initialLoss();
    double max = 0;
    double last = l0;
    for (long s = 0; s < n; s++) {
      t.step(s, eta, Hyperparameters.NO_CLIP, 0, GuardAction.NONE);
      last = t.exactLoss();
      max = Math.max(max, last / l0);
      if (!(last / l0 < 1e12)) {
        return Double.POSITIVE_INFINITY;
      }
    }
    return max > 1e6 ? max : last / l0;
  }

  /** Smith's LR range test; returns λ̂ = 2/η*. */
  static double rangeTest(ProblemConfig.Nqm p, long seed) {
    SimulatedTrainer t =
        SimulatedTrainer.of(SimulatedTrainer.Config.of(p, OptimizerKind.SGD, seed));
    double eta = 1e-4 / p.lambdaMax();
    double best = Double.POSITIVE_INFINITY;
    double ema = 0;
    for (long s = 0; s < 20000; s++) {
      Observation o = t.step(s, eta, Hyperparameters.NO_CLIP, 0, GuardAction.NONE);
      ema = 0.8 * ema + 0.2 * o.loss();
      double l = ema / (1 - Math.pow(0.8, s + 1));
      if (!(l <= 2 * best)) {
        return 2 / eta;
      }
      best = Math.min(best, l);
      eta *= 1.002;
    }
    return Double.NaN;
  }
}
