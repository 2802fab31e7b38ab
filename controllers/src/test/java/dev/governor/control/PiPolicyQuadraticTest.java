package dev.governor.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * The {@code pi} policy end to end on the noisy quadratic ({@link NoisyQuadratic}: 100 dims, h_i =
 * 1/i, so GD is stable for η < 2; noise σ = 0.3 ∝ √h), 2000 steps, seeds 1-3. Measured when this
 * test was written (mean tail loss over the last 200 steps): cosine(lr=1) 0.0078, pi(lr=1) 0.0054,
 * pi(lr=10) 0.0057 (peak loss ~180 before the safety cut and guard recover it), constant(lr=1)
 * 0.145. The assertions leave margins around those numbers.
 */
class PiPolicyQuadraticTest {
  static final int STEPS = 2000;
  static final double SIGMA = 0.3;

  static double mean(String spec) {
    double s = 0;
    for (long seed = 1; seed <= 3; seed++) {
      double[] r = NoisyQuadratic.run(Policies.create(spec), STEPS, SIGMA, seed);
      assertTrue(Double.isFinite(r[0]), spec + " seed " + seed + " diverged");
      s += r[0] / 3;
    }
    return s;
  }

  @Test
  void untunedPiMatchesTunedCosine() {
    double cosine = mean("cosine(lr=1.0, t-max=2000)");
    double pi = mean("pi(lr=1.0)");
    assertTrue(pi <= 1.1 * cosine, "pi " + pi + " vs cosine " + cosine);
  }

  @Test
  void tenTimesTooHighInitialLrDoesNotDiverge() {
    double cosine = mean("cosine(lr=1.0, t-max=2000)");
    double constant = mean("constant(lr=1.0)");
    double pi = mean("pi(lr=10)");
    assertTrue(pi <= 1.5 * cosine, "pi(lr=10) " + pi + " vs cosine(lr=1) " + cosine);
    assertTrue(pi < constant, "pi(lr=10) " + pi + " vs constant(lr=1) " + constant);
    // without feedback the same LR diverges (|1 − 10·1| = 9 per step along the top direction)
    double[] r = NoisyQuadratic.run(Policies.create("constant(lr=10)"), 400, SIGMA, 1);
    assertTrue(!(r[0] < 1e6), "constant(lr=10) should diverge, tail loss " + r[0]);
  }

  @Test
  void safetyCutActsWithinAFewSteps() {
    // lr 10x too high, guard off: the safety cut alone must bring eta below 2/lambda_max = 2
    // within 5 steps.
    PiPolicy p = PiPolicy.of(PolicySpec.parse("pi(lr=10, guard=false)"));
    NoisyQuadratic q = new NoisyQuadratic(100, SIGMA, 4);
    Hyperparameters hp = p.initial();
    Decision d = new Decision();
    int firstStable = -1;
    for (int t = 0; t < 50; t++) {
      p.decide(q.step(t, hp), d);
      hp = d.hyperparameters();
      if (firstStable < 0 && hp.lr() < 2) {
        firstStable = t;
      }
    }
    assertTrue(firstStable >= 0 && firstStable <= 5, "first step with lr < 2: " + firstStable);
    assertTrue(p.lrCuts() >= 1);
  }

  @Test
  void scheduleTimesTrimComposes() {
    // with the trim held at 0 (no gains, no cut, no guard) pi(base=cosine) is the cosine itself
    Policy p =
        Policies.create(
            "pi(lr=0.5, base=cosine, t-max=100, lr-min=0.01, kp=0, ki=0, guard=false,"
                + " cut-growth=1e300)");
    Policy c = Policies.create("cosine(lr=0.5, t-max=100, lr-min=0.01)");
    assertEquals(c.initial().lr(), p.initial().lr(), 1e-15);
    NoisyQuadratic q = new NoisyQuadratic(100, SIGMA, 2);
    Decision dp = new Decision();
    Decision dc = new Decision();
    Hyperparameters hp = p.initial();
    for (int t = 0; t < 150; t++) {
      Observation o = q.step(t, hp);
      p.decide(o, dp);
      c.decide(o, dc);
      assertEquals(dc.lr, dp.lr, 1e-15 * dc.lr, "step " + t);
      hp = dp.hyperparameters();
    }
  }
}
