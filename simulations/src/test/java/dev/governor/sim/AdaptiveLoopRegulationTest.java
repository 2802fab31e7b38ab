package dev.governor.sim;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.governor.control.Decision;
import dev.governor.control.GuardAction;
import dev.governor.control.Hyperparameters;
import dev.governor.control.LrLoopStability;
import dev.governor.control.Observation;
import dev.governor.control.PiPolicyConfig;
import dev.governor.control.Policies;
import dev.governor.control.Policy;
import dev.governor.control.PolicySpec;
import dev.governor.control.ProcessVariable;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/**
 * {@code pi(optimizer=adaptive)} regulates: its process variable, the update ratio {@code log10
 * ‖Δθ‖/‖θ‖}, reaches the setpoint from an LR more than a decade too low or too high and holds it,
 * on the simulated AdamW plant (logistic regression, the defaults of {@code logreg}), with every
 * other option at its shipped default and a constant base (no {@code t-max}, so the setpoint does
 * not move).
 *
 * <p>The settling time is derived, not measured: Adam's step is proportional to η, so the PV moves
 * by {@code 1/ln 10} per nat of ln η and the loop is a PI controller around that static gain. From
 * an initial error {@code e0} (log10, the first measurement minus the setpoint) the slew limit
 * needs {@code |e0|·ln 10 / ln(slew)} steps, and the linear loop then shrinks what is left by the
 * closed-loop spectral radius ρ per step ({@link LrLoopStability}); the test allows that plus twice
 * {@code ln(20)/(−ln ρ)} steps (to 5 %, doubled for the plant's drift). After it: the mean error of
 * the filtered PV is within ±0.05 (±12 % in the ratio), and its RMS is no larger than the plant's
 * own PV fluctuation at the loop's final LR with no controller (a baseline measured in the test).
 * Without the loop ({@code kp=0, ki=0}) the mean error stays above 0.2 from both starts.
 */
class AdaptiveLoopRegulationTest {
  private static final PiPolicyConfig.LrLoop SHIPPED =
      PiPolicyConfig.from(PolicySpec.parse("pi(optimizer=adaptive)")).lr();

  private static final int STEPS = 1500;

  /** Bound on the mean error after settling (log10: ±12 % in the ratio). */
  private static final double MEAN_BAND = 0.05;

  /**
   * One run: the initial error, the mean and RMS of the filtered PV's error after the settling
   * bound, that bound, and the LR at the end.
   */
  record Run(
      double initialError,
      double meanError,
      double rmsError,
      long settleBound,
      double lr,
      long reachedAt,
      double meanExcess) {}

  private static SimulatedTrainer plant(long seed) {
    SimulatedTrainer.Config cfg =
        SimulatedTrainer.Config.of(
            ProblemConfig.parse("logreg"), OptimizerSpec.parse("adamw"), seed);
    return SimulatedTrainer.of(cfg, cfg.problem().create(seed));
  }

  /**
   * The plant's own fluctuation of the PV at a constant LR (no controller): the residual std about
   * its trend over steps {@code from} … end.
   */
  static double openLoopNoise(double lr, long seed, long from) {
    SimulatedTrainer plant = plant(seed);
    double[] y = new double[(int) (STEPS - from)];
    for (int t = 0; t < STEPS; t++) {
      Observation o = plant.step(t, lr, Double.POSITIVE_INFINITY, 0, GuardAction.NONE);
      if (t >= from) {
        y[(int) (t - from)] = ProcessVariable.UPDATE_RATIO.measure(o);
      }
    }
    return Stats.detrendedStd(y);
  }

  static Run run(String options, double lr, long seed) {
    SimulatedTrainer plant = plant(seed);
    Policy policy =
        Policies.create(
            PolicySpec.parse(
                String.format(Locale.ROOT, "pi(optimizer=adaptive, lr=%s%s)", lr, options)));
    Hyperparameters h = policy.initial();
    double eta = h.lr();
    double clip = h.clip();
    double wd = h.weightDecay();
    GuardAction a = h.action();
    Decision d = new Decision();
    double e0 = Double.NaN;
    double[] err = new double[STEPS];
    for (int t = 0; t < STEPS; t++) {
      Observation o = plant.step(t, eta, clip, wd, a);
      policy.decide(o, d);
      if (t == 0) {
        e0 = ProcessVariable.UPDATE_RATIO.measure(o) - SHIPPED.setpoint();
      }
      err[t] = d.lrMeasurement - SHIPPED.setpoint();
      eta = d.lr;
      clip = d.clip;
      wd = d.weightDecay;
      a = d.action;
    }
    double rho =
        LrLoopStability.analyze(
                LrLoopStability.staticGain(1 / Math.log(10)),
                SHIPPED.kp(),
                SHIPPED.ki(),
                SHIPPED.alpha(),
                1,
                0,
                false)
            .spectralRadius();
    long slewSteps = (long) Math.ceil(Math.abs(e0) * Math.log(10) / Math.log(SHIPPED.slew()));
    long settle = slewSteps + 2 * (long) Math.ceil(Math.log(20) / -Math.log(rho));
    double sum = 0;
    double sq = 0;
    double excess = 0;
    int n = 0;
    for (long t = settle; t < STEPS; t++) {
      n++;
      double e = err[(int) t];
      sum += e;
      sq += e * e;
      excess += Math.max(0, e);
    }
    long reachedAt = -1;
    for (int t = 0; t < STEPS && reachedAt < 0; t++) {
      if (Math.signum(err[t]) != Math.signum(err[0])) {
        reachedAt = t;
      }
    }
    return new Run(e0, sum / n, Math.sqrt(sq / n), settle, eta, reachedAt, excess / n);
  }

  @Test
  void theUpdateRatioReachesItsSetpointFromADecadeOffAndNeverStaysAboveIt() {
    for (double lr : new double[] {1e-3, 1.0}) {
      for (long seed = 1; seed <= 3; seed++) {
        Run r = run("", lr, seed);
        assertTrue(
            Math.abs(r.initialError()) >= 0.5,
            "start lr " + lr + " is not far from the setpoint: " + r);
        assertTrue(r.settleBound() < STEPS / 2, "settling bound too long: " + r);
        assertTrue(
            r.reachedAt() >= 0 && r.reachedAt() <= r.settleBound(),
            "lr " + lr + " seed " + seed + ": " + r);
        assertTrue(r.meanExcess() <= MEAN_BAND, "lr " + lr + " seed " + seed + ": " + r);
      }
    }
  }

  /**
   * With the rise hold off the loop holds the ratio on both sides: mean error within ±0.05 and an
   * RMS no larger than the plant's own open-loop PV fluctuation at the loop's final LR.
   */
  @Test
  void withoutTheRiseHoldTheRatioIsHeldOnBothSides() {
    for (double lr : new double[] {1e-3, 1.0}) {
      for (long seed = 1; seed <= 3; seed++) {
        Run r = run(", rise-hold=false", lr, seed);
        assertTrue(Math.abs(r.meanError()) <= MEAN_BAND, "lr " + lr + " seed " + seed + ": " + r);
        double noise = openLoopNoise(r.lr(), seed, r.settleBound());
        assertTrue(r.rmsError() <= noise, "noise " + noise + ", lr " + lr + ": " + r);
      }
    }
  }

  @Test
  void withoutTheLoopTheRatioStaysOffTarget() {
    Run low = run(", kp=0, ki=0", 1e-3, 1);
    assertTrue(low.reachedAt() < 0, "reached without the loop: " + low);
    Run high = run(", kp=0, ki=0", 1.0, 1);
    assertTrue(high.meanExcess() > 4 * MEAN_BAND, "lr 1 without the loop: " + high);
  }
}
