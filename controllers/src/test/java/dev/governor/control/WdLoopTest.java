package dev.governor.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * The weight-decay loop of {@code pi}: a fixed AdamW coefficient, a coefficient set from an EMA
 * timescale and the LR loop's peak (so the shrink per step follows the schedule's shape), and the
 * generalization-gap trim. The LR loop is frozen ({@code kp = ki = 0}, no stationarity decay) so
 * the LR is the cosine base: {@code η_t = 0.1·(1 + cos(π t/100))/2}.
 */
class WdLoopTest {
  private static final String FROZEN_LR =
      "lr=0.1, base=cosine, t-max=100, kp=0, ki=0, decay=1, clip-loop=false, clip=inf";

  /** Runs 100 steps; observation t has loss 1, gradient norm 1 and, every 5th, val loss vl. */
  private static double[][] run(String spec, double valLoss) {
    Policy p = Policies.create(spec);
    Decision d = new Decision();
    double[][] out = new double[100][];
    for (int t = 0; t < 100; t++) {
      double vl = t % 5 == 4 ? valLoss : Double.NaN;
      p.decide(Observation.builder(t).loss(1.0).gradNorm(1.0).valLoss(vl).build(), d);
      out[t] = new double[] {d.lr, d.weightDecay};
    }
    return out;
  }

  private static double cosine(long s) {
    return 0.1 * (1 + Math.cos(Math.PI * Math.min(1.0, s / 100.0))) / 2;
  }

  @Test
  void aFixedCoefficientStaysFixedSoTheShrinkFollowsTheLr() {
    double[][] r = run("pi(" + FROZEN_LR + ", wd=0.01, wd-loop=false)", Double.NaN);
    for (int t = 0; t < 99; t++) {
      assertEquals(cosine(t + 1), r[t][0], 1e-15, "lr after step " + t);
      assertEquals(0.01, r[t][1], 0.0, "λ after step " + t);
    }
  }

  @Test
  void theTimescaleSetsLambdaFromThePeakAndTheShrinkFollowsTheCosine() {
    // τ = 0.5·100 = 50 steps, peak 0.1: λ = 1/(50·0.1) = 0.2, shrink η_t·λ = (η_t/0.1)/50
    double[][] r = run("pi(" + FROZEN_LR + ", wd-tau=0.5, wd-loop=false)", Double.NaN);
    for (int t = 0; t < 99; t++) {
      assertEquals(0.2, r[t][1], 1e-15, "λ after step " + t);
      assertEquals(cosine(t + 1) / 0.1 / 50, r[t][0] * r[t][1], 1e-15, "shrink at " + (t + 1));
    }
    assertEquals(
        0.2, Policies.create("pi(" + FROZEN_LR + ", wd-tau=0.5)").initial().weightDecay(), 1e-15);
  }

  @Test
  void theGapTrimRaisesDecayOnAWideGapAndLowersItOnNone() {
    // relative gap (val − train)/train: 1.0 with val 2 (setpoint 0.1: too wide, more decay);
    // 0 with val 1 (too narrow, less decay). Without the trim λ stays 0.2.
    double[][] wide = run("pi(" + FROZEN_LR + ", wd-tau=0.5)", 2.0);
    double[][] none = run("pi(" + FROZEN_LR + ", wd-tau=0.5)", 1.0);
    double[][] off = run("pi(" + FROZEN_LR + ", wd-tau=0.5, wd-loop=false)", 2.0);
    assertTrue(wide[99][1] > 0.2 * 1.5, "wide gap: λ " + wide[99][1]);
    assertTrue(none[99][1] < 0.2 / 1.2, "no gap: λ " + none[99][1]);
    assertEquals(0.2, off[99][1], 1e-15, "loop off");
    // the trim is bounded by wd-range (10): λ ∈ [0.02, 2]
    for (double[] s : wide) {
      assertTrue(s[1] >= 0.02 - 1e-15 && s[1] <= 2.0 + 1e-15, "λ " + s[1]);
    }
    double[][] sat = run("pi(" + FROZEN_LR + ", wd-tau=0.5, wd-ki=5)", 2.0);
    assertEquals(2.0, sat[99][1], 1e-12, "saturated at wd-range × λ");
  }

  @Test
  void theTimescaleNeedsAHorizon() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Policies.create("pi(wd-tau=0.5)"));
    assertEquals("pi.wd-tau needs a horizon (t-max), but the policy has none", e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class,
            () -> Policies.create("pi(base=cosine, t-max=100, wd-tau=0)"));
    assertEquals("pi.wd-tau must be in [0.001, 1000.0], but was 0.0", e.getMessage());
  }
}
