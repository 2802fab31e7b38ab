package dev.governor.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code pi(optimizer=adaptive)}: the update-ratio LR loop for Adam-family optimizers.
 *
 * <p>Plant: an adaptive optimizer's update ratio is proportional to the learning rate, {@code
 * ‖Δθ‖/‖θ‖ = k·η} (here k = 2, no noise). The loop regulates log10(k·η) to the setpoint −1.5, so
 * its fixed point is η* = 10^−1.5 / k = 0.0158113883… (10^−1.5 = 0.03162277660168379, halved),
 * whatever the initial LR. With a cosine base of horizon T and lr-min 0 the setpoint follows the
 * base's shape, so at step t the ratio settles at 10^−1.5 · ½(1 + cos(π t/T)) and η_t = η* · ½(1 +
 * cos(π t/T)).
 */
class PiAdaptiveTest {
  static final double K = 2.0;
  static final double ETA_STAR = 0.03162277660168379 / K;

  private static Observation obs(long t, double lr) {
    return Observation.builder(t)
        .loss(1.0)
        .gradNorm(1.0)
        .paramNorm(10.0)
        .updateNorm(10.0 * K * lr)
        .alignment(0.5) // positive, as measured with Adam: must not drive the adaptive loop
        .lr(lr)
        .build();
  }

  private static double run(Policy p, int steps, long checkAt, double[] lrAt) {
    Decision d = new Decision();
    double lr = p.initial().lr();
    for (int t = 0; t < steps; t++) {
      p.decide(obs(t, lr), d);
      lr = d.lr;
      if (t + 1 == checkAt) {
        lrAt[0] = lr;
      }
    }
    return lr;
  }

  @ParameterizedTest
  @ValueSource(doubles = {1e-4, 1e-3, 1e-2})
  void findsTheLrOfTheSetpointRatioFromAnyInitialLr(double lr0) {
    Policy p = Policies.create("pi(optimizer=adaptive, lr=" + lr0 + ", clip-loop=false)");
    double lr = run(p, 1500, -1, new double[1]);
    assertEquals(ETA_STAR, lr, 0.01 * ETA_STAR, "initial lr " + lr0);
  }

  @ParameterizedTest
  @ValueSource(doubles = {1e-4, 1e-2})
  void withAHorizonTheRateFollowsTheCosineShape(double lr0) {
    long tMax = 4000;
    Policy p =
        Policies.create(
            "pi(optimizer=adaptive, lr=" + lr0 + ", t-max=" + tMax + ", clip-loop=false)");
    double[] mid = new double[1];
    run(p, 3000, 2000, mid);
    // over a cosine base the loop is calibrated with setpoint -0.5: peak 10^-0.5 / K =
    // 0.31622776601683794 / 2; at t = T/2 the cosine factor is exactly 1/2 (the calibrated trim
    // needs no settling: exact to rounding)
    assertEquals(0.5 * 0.31622776601683794 / K, mid[0], 1e-12);
    // the running loop (calibrate=false, setpoint -1.5) settles there too: its lag costs well
    // under 3 %
    Policy q =
        Policies.create(
            "pi(optimizer=adaptive, lr="
                + lr0
                + ", t-max="
                + tMax
                + ", clip-loop=false, calibrate=false, setpoint=-1.5)");
    run(q, 3000, 2000, mid);
    assertEquals(0.5 * ETA_STAR, mid[0], 0.03 * 0.5 * ETA_STAR);
  }

  /**
   * The cut freeze. The plant's ratio carries a ±5 % ripple, so the filtered PV crosses its
   * setpoint and the rise hold engages; from step 600 the ratio per unit LR falls to 1 % (Adam's
   * step shrinks when the gradients stop agreeing, exaggerated here), so the loop wants 100× the LR
   * and sits on the rise hold's bound unless something holds it lower. No guard: at steps 600 and
   * 601 the loss jumps to 20 and 25 (above 10× the detector's ~100-step level of 1, and rising: two
   * safety cuts by 0.5, one episode), then stays at 3 until step 700 (above 2× its level before the
   * episode, 1.19 = 1 + 0.01·19 after step 600's loss was folded in); from step 700 it is back at
   * 1. With {@code cut-freeze=2} (the adaptive form's default) the LR stays exactly where the cuts
   * left it, 0.5² of the LR before step 600, for the whole high-loss phase (98 steps, inside the
   * freeze's 100-step horizon); with {@code cut-freeze=0} the loop is back on its held bound by
   * then. Once the loss is back the freeze ends and both runs end on the same bound.
   */
  @Test
  void cutFreezeHoldsTheLrWhileTheLossStaysAboveItsLevelBeforeTheCuts() {
    double[] without =
        lossShiftAfterTwoCuts("pi(optimizer=adaptive, lr=1e-3, clip-loop=false, cut-freeze=0)");
    double[] with = lossShiftAfterTwoCuts("pi(optimizer=adaptive, lr=1e-3, clip-loop=false)");
    assertEquals(without[0], with[0], 0.0);
    assertEquals(0.25 * with[0], with[1], 1e-12 * with[0]);
    assertTrue(without[1] >= without[0] * (1 - 1e-12), without[1] + " vs " + without[0]);
    assertEquals(without[2], with[2], 1e-12 * without[2]);
  }

  /**
   * The plant of the cut tests: update ratio {@code K·η} per unit LR with a ±5 % ripple, falling to
   * 1 % of that from step 600 on.
   */
  private static Observation noisyPhasePlant(int t, double loss, double gradNorm, double lr) {
    double snr = t < 600 ? 1.0 : 0.01;
    return Observation.builder(t)
        .loss(loss)
        .gradNorm(gradNorm)
        .paramNorm(10.0)
        .updateNorm(10.0 * K * snr * lr * (1 + 0.05 * Math.sin(1.7 * t)))
        .alignment(0.5)
        .lr(lr)
        .build();
  }

  /** {LR before step 600, LR after step 699, LR after step 900}. */
  private static double[] lossShiftAfterTwoCuts(String spec) {
    Policy p = Policies.create(spec.replace(")", ", guard=false)"));
    Decision d = new Decision();
    double lr = p.initial().lr();
    double[] out = new double[3];
    for (int t = 0; t < 900; t++) {
      double loss = t == 600 ? 20 : t == 601 ? 25 : t < 600 || t >= 700 ? 1.0 : 3.0;
      Observation o = noisyPhasePlant(t, loss, 1.0, lr);
      if (t == 600) {
        out[0] = lr;
      }
      p.decide(o, d);
      lr = d.lr;
      if (t == 699) {
        out[1] = lr;
      }
    }
    out[2] = lr;
    return out;
  }

  /**
   * {@code hold-cut}: the plant of the cut-freeze test above, with the guard on and NaN losses (a
   * guard rollback each, a cut by 0.5) at steps 600 and 601 (one episode: consecutive steps) and at
   * 700 (a second). The loss is back at its level at once, so the cut freeze lets go; the loop then
   * climbs back to the held bound, which with {@code hold-cut} fell by 0.5 per episode: the LR ends
   * at exactly 0.5² of the run without it (0.5³ if every cut counted). Both runs are identical up
   * to step 600 and both end on their bounds.
   */
  @Test
  void holdCutLowersTheHeldPeakOncePerEpisodeOfCuts() {
    double[] without = rollbackEpisodes("pi(optimizer=adaptive, lr=1e-3, clip-loop=false)");
    double[] with =
        rollbackEpisodes("pi(optimizer=adaptive, lr=1e-3, clip-loop=false, hold-cut=true)");
    assertEquals(without[0], with[0], 0.0);
    assertTrue(without[1] >= without[0] * (1 - 1e-12), without[1] + " vs " + without[0]);
    assertEquals(0.25, with[1] / without[1], 1e-12);
    assertEquals(3, (long) with[2], "rollbacks");
  }

  /** {LR before step 600, LR after step 900, rollbacks}. */
  private static double[] rollbackEpisodes(String spec) {
    Policy p = Policies.create(spec);
    Decision d = new Decision();
    double lr = p.initial().lr();
    double before = Double.NaN;
    long rollbacks = 0;
    for (int t = 0; t < 900; t++) {
      double loss = t == 600 || t == 601 || t == 700 ? Double.NaN : 1.0 + 0.01 * Math.sin(t);
      Observation o = noisyPhasePlant(t, loss, 1.0 + 0.01 * Math.cos(t), lr);
      if (t == 600) {
        before = lr;
      }
      p.decide(o, d);
      if (d.action == GuardAction.ROLLBACK) {
        rollbacks++;
      }
      lr = d.lr;
    }
    return new double[] {before, lr, rollbacks};
  }

  @Test
  void cutFreezeIsTheAdaptiveFormsDefaultAndBadValuesNameThemselves() {
    assertEquals(
        2.0, PiPolicyConfig.from(PolicySpec.parse("pi(optimizer=adaptive)")).lr().cutFreeze());
    assertEquals(0.0, PiPolicyConfig.from(PolicySpec.parse("pi")).lr().cutFreeze());
    for (String bad : new String[] {"0.5", "-1", "inf"}) {
      IllegalArgumentException e =
          assertThrows(
              IllegalArgumentException.class,
              () -> Policies.create("pi(optimizer=adaptive, cut-freeze=" + bad + ")"));
      assertTrue(e.getMessage().contains("pi.cut-freeze"), e.getMessage());
    }
  }

  @Test
  void explicitOptionsStillWinAndBadValuesNameThemselves() {
    PiPolicyConfig c = PiPolicyConfig.from(PolicySpec.parse("pi(optimizer=adaptive, setpoint=-3)"));
    assertEquals(ProcessVariable.UPDATE_RATIO, c.lr().pv());
    assertEquals(-3.0, c.lr().setpoint());
    assertEquals("constant", c.lr().base());
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Policies.create("pi(optimizer=lion)"));
    assertTrue(e.getMessage().contains("pi.optimizer"), e.getMessage());
    assertTrue(e.getMessage().contains("lion"), e.getMessage());
  }

  /**
   * The calibration. Plant: Adam's ratio per unit LR falls as its moment estimates average noise —
   * here from K at step 0 to K/20 at step 100 and after ({@code k_t = K·20^(−min(t,100)/100)}).
   * With {@code calibrate=true} (over a constant base; over a cosine base it is the adaptive form's
   * default) the first step's ratio log10(K·η0) sets the trim at once, so from every initial LR the
   * second step runs at the calibrated setpoint's LR 10^−1/K = 0.05 exactly (the closed form of the
   * static gain), and the rise hold keeps every later LR at or below it although the ratio then
   * sits far below the setpoint. Without it ({@code calibrate=false}, same setpoint) the loop
   * climbs until the filtered ratio meets the setpoint at the fallen gain: it ends at more than 5 ×
   * 0.05 (the fixed point there is 20 × 0.05).
   */
  @ParameterizedTest
  @ValueSource(doubles = {1e-4, 1e-3, 1e-2})
  void calibrationSetsThePeakFromTheFirstStepsRatioWhateverTheInitialLr(double lr0) {
    double peak = 0.1 / K;
    String spec = "pi(optimizer=adaptive, clip-loop=false, setpoint=-1, lr=" + lr0;
    double[] cal = fallingGain(spec + ", calibrate=true)");
    assertEquals(peak, cal[0], 1e-12 * peak);
    assertTrue(cal[1] <= peak * (1 + 1e-12), cal[1] + " above " + peak);
    double[] plain = fallingGain(spec + ", calibrate=false)");
    assertTrue(plain[2] > 5 * peak, plain[2] + " vs " + peak);
  }

  /** {LR of step 1, highest LR of steps 1..599, LR after step 599} on the falling-gain plant. */
  private static double[] fallingGain(String spec) {
    Policy p = Policies.create(spec);
    Decision d = new Decision();
    double lr = p.initial().lr();
    double[] out = {Double.NaN, 0, Double.NaN};
    for (int t = 0; t < 600; t++) {
      double k = K * Math.pow(20, -Math.min(t, 100) / 100.0);
      Observation o =
          Observation.builder(t)
              .loss(1.0)
              .gradNorm(1.0)
              .paramNorm(10.0)
              .updateNorm(10.0 * k * lr)
              .alignment(0.5)
              .lr(lr)
              .build();
      p.decide(o, d);
      lr = d.lr;
      if (t == 0) {
        out[0] = lr;
      }
      out[1] = Math.max(out[1], lr);
    }
    out[2] = lr;
    return out;
  }

  /**
   * The ramp. Plant: a constant gain K (ratio = K·η). Calibrated with setpoint −1 from η0 = 1e-4
   * the loop's LR is 10^−1/K = 0.05 from step 1; with {@code ramp=10} step t < 10 runs at the
   * geometric interpolation η0^{1−t/10}·0.05^{t/10} (closed form, e.g. step 5 at √(1e-4·0.05) =
   * 2.236e-3) and step 10 on at 0.05. From η0 = 0.1 (above the peak) the ramp never binds: step 1
   * runs at 0.05 as without it. Without the ramp step 1 would be at 0.05 from both starts, so the
   * first check fails when the ramp is removed.
   */
  @Test
  void rampRaisesTheRateGeometricallyFromTheInitialLrAndNeverHoldsItUp() {
    double peak = 0.1 / K;
    double[] up =
        constantGain(
            "pi(optimizer=adaptive, clip-loop=false, setpoint=-1, calibrate=true,"
                + " ramp=10, lr=1e-4)",
            20);
    for (int t = 1; t < 20; t++) {
      double f = Math.min(1, t / 10.0);
      double want = Math.pow(1e-4, 1 - f) * Math.pow(peak, f);
      assertEquals(want, up[t], 1e-12 * want, "step " + t);
    }
    double[] down =
        constantGain(
            "pi(optimizer=adaptive, clip-loop=false, setpoint=-1,"
                + " calibrate=true, ramp=10, lr=0.1)",
            3);
    assertEquals(peak, down[1], 1e-12 * peak);
    assertEquals(peak, down[2], 1e-12 * peak);
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Policies.create("pi(ramp=-1)"));
    assertTrue(e.getMessage().contains("pi.ramp"), e.getMessage());
  }

  /** The LR of steps 0..n−1 on a plant whose update ratio is K·η. */
  private static double[] constantGain(String spec, int n) {
    Policy p = Policies.create(spec);
    Decision d = new Decision();
    double[] lr = new double[n];
    lr[0] = p.initial().lr();
    for (int t = 0; t + 1 < n; t++) {
      Observation o =
          Observation.builder(t)
              .loss(1.0)
              .gradNorm(1.0)
              .paramNorm(10.0)
              .updateNorm(10.0 * K * lr[t])
              .alignment(0.5)
              .lr(lr[t])
              .build();
      p.decide(o, d);
      lr[t + 1] = d.lr;
    }
    return lr;
  }

  @Test
  void calibrationIsTheAdaptiveFormsDefaultAndNeedsTheUpdateRatio() {
    PiPolicyConfig.LrLoop cosine =
        PiPolicyConfig.from(PolicySpec.parse("pi(optimizer=adaptive, t-max=100)")).lr();
    assertTrue(cosine.calibrate());
    assertEquals(PiPolicyConfig.CALIBRATED_SETPOINT, cosine.setpoint());
    PiPolicyConfig.LrLoop constant =
        PiPolicyConfig.from(PolicySpec.parse("pi(optimizer=adaptive)")).lr();
    assertTrue(!constant.calibrate());
    assertEquals(-1.5, constant.setpoint());
    assertTrue(!PiPolicyConfig.from(PolicySpec.parse("pi")).lr().calibrate());
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Policies.create("pi(calibrate=true)"));
    assertTrue(e.getMessage().contains("pi.calibrate"), e.getMessage());
    assertTrue(e.getMessage().contains("alignment"), e.getMessage());
  }
}
