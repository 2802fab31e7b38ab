package dev.governor.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/**
 * The Polyak step on a 1-D quadratic {@code L = ½h(x − x*)²}, {@code g = h(x − x*)}: {@code η = γ(L
 * − L*)/g² = γ/(2h)} when {@code L* = 0}, so gradient descent contracts {@code x − x*} by {@code 1
 * − γ/2} per step — closed forms, no simulation needed.
 */
class PolyakPolicyTest {

  /** Runs {@code steps} steps of GD on ½h(x − x*)² from x0 with the policy; returns the LRs. */
  static double[] run(Policy p, double h, double x0, int steps) {
    double x = x0;
    double lr = p.initial().lr();
    double[] lrs = new double[steps];
    Decision d = new Decision();
    for (int t = 0; t < steps; t++) {
      double g = h * x;
      double loss = 0.5 * h * x * x;
      x -= lr * g;
      p.decide(Observation.builder(t).loss(loss).gradNorm(Math.abs(g)).lr(lr).build(), d);
      lr = d.lr;
      lrs[t] = lr;
    }
    return lrs;
  }

  @Test
  void quadraticGivesGammaOverTwoH() {
    // h = 4, γ = 1: η = 1/8 after the first observation, whatever x is
    double[] lrs = run(Policies.create("polyak"), 4, 3, 20);
    for (double lr : lrs) {
      assertEquals(0.125, lr, 1e-15);
    }
    // γ = 2 is the exact line search 1/h = 0.25
    assertEquals(0.25, run(Policies.create("polyak(gamma=2)"), 4, 3, 1)[0], 1e-15);
  }

  @Test
  void theStepContractsTheIterateAsTheClosedForm() {
    // with the initial LR equal to the Polyak step 1/(2h), x_t = x0·(1/2)^t exactly
    Policy p = Policies.create("polyak(lr=0.125)");
    double x = 3;
    Decision d = new Decision();
    double lr = p.initial().lr();
    for (int t = 0; t < 30; t++) {
      assertEquals(3 * Math.pow(0.5, t), x, 1e-15 * 3);
      double g = 4 * x;
      p.decide(Observation.builder(t).loss(0.5 * 4 * x * x).gradNorm(Math.abs(g)).build(), d);
      x -= lr * g;
      lr = d.lr;
    }
  }

  @Test
  void lStarShiftsTheStepAndTheBandClamps() {
    // L* = 0.5 at x = 1, h = 4: η = (2 − 0.5)/16 = 0.09375
    Policy p = Policies.create("polyak(l-star=0.5)");
    Decision d = new Decision();
    p.decide(Observation.builder(0).loss(2).gradNorm(4).build(), d);
    assertEquals(0.09375, d.lr, 1e-15);
    // below the supposed optimum: negative step, clamped to min-lr
    p.decide(Observation.builder(1).loss(0.25).gradNorm(4).build(), d);
    assertEquals(1e-5, d.lr);
    // a tiny gradient: the step is huge, clamped to max-lr
    Policy q = Policies.create("polyak(max-lr=3, min-lr=0.01)");
    q.decide(Observation.builder(0).loss(1).gradNorm(1e-6).build(), d);
    assertEquals(3.0, d.lr);
    assertEquals(0.1, q.initial().lr());
    assertEquals(3.0, Policies.create("polyak(lr=7, max-lr=3)").initial().lr(), "lr clamped");
  }

  @Test
  void nanAndZeroGradientHoldThePreviousLr() {
    Policy p = Policies.create("polyak");
    Decision d = new Decision();
    p.decide(Observation.builder(0).loss(2).gradNorm(4).build(), d);
    assertEquals(0.125, d.lr, 1e-15); // (2 − 0)/4²
    p.decide(Observation.builder(1).loss(Double.NaN).gradNorm(4).build(), d);
    assertEquals(0.125, d.lr, 1e-15);
    p.decide(Observation.builder(2).loss(2).gradNorm(0).build(), d);
    assertEquals(0.125, d.lr, 1e-15);
    p.decide(Observation.builder(3).loss(2).gradNorm(Double.POSITIVE_INFINITY).build(), d);
    assertEquals(0.125, d.lr, 1e-15);
    p.decide(Observation.builder(4).loss(Double.POSITIVE_INFINITY).gradNorm(1).build(), d);
    assertEquals(0.125, d.lr, 1e-15);
    assertEquals(4, d.faults);
    p.decide(Observation.builder(5).loss(1).gradNorm(2).build(), d);
    assertEquals(0.25, d.lr, 1e-15); // (1 − 0)/2²
  }

  @Test
  void badOptionsNameThemselves() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> Policies.create("polyak(min-lr=2, max-lr=1)"));
    assertEquals("polyak.min-lr must be <= max-lr=1.0, but was 2.0", e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> Policies.create("polyak(gamma=0)"));
    assertEquals("polyak.gamma must be finite and > 0, but was 0.0", e.getMessage());
    assertFalse(Policies.create("polyak").openLoop());
  }
}
