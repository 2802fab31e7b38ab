package dev.governor.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@link LrLoopStability} against closed forms, and against the real {@link PiController} driving
 * the (nonlinear) mean-field quadratic plant.
 */
class LrLoopStabilityTest {

  /** Largest |root| of z² + b z + c (real coefficients). */
  static double maxRootQuadratic(double b, double c) {
    double disc = b * b - 4 * c;
    if (disc >= 0) {
      double s = Math.sqrt(disc);
      return Math.max(Math.abs((-b + s) / 2), Math.abs((-b - s) / 2));
    }
    return Math.sqrt(c); // complex pair: |z|² = c
  }

  /**
   * Integral-only loop, no filter, static plant y_t = g u_t, direct acting, no delay: u_{t+1} = u_t
   * + Ki (r − g u_t), so the only non-zero pole is 1 − Ki g; stable iff 0 < Ki g < 2. With a period
   * P the held output gives the same per-period map.
   */
  @ParameterizedTest
  @CsvSource({
    "0.5, 1, 1",
    "1.5, 1, 1",
    "0.1, 3, 1",
    "2.5, 1, 1",
    "0.7, 2, 1",
    "1.9, 1, 3",
    "0.4, 2, 5"
  })
  void integralOnlyStaticPlantPoleIsOneMinusKiG(double ki, double g, int period) {
    LrLoopStability.Result r =
        LrLoopStability.analyze(LrLoopStability.staticGain(g), 0, ki, 1, period, 0, false);
    assertEquals(Math.abs(1 - ki * g), r.spectralRadius(), 1e-9);
    assertEquals(Math.abs(1 - ki * g) < 1, r.stable());
    // the eigen-solver's poles agree: the largest is 1 − Ki g (per period: the same)
    double maxPole = 0;
    for (int i = 0; i < r.polesRe().length; i++) {
      maxPole = Math.max(maxPole, Math.hypot(r.polesRe()[i], r.polesIm()[i]));
    }
    assertEquals(r.spectralRadius(), maxPole, 1e-9);
  }

  /**
   * Integral-only loop on the first-order plant x_{t+1} = a x_t + (1 − a) g u_t, y = x: with
   * u_{t+1} = u_t − Ki x_t (deviation form, direct acting) the characteristic polynomial is det[[z
   * − a, −(1 − a) g], [Ki, z − 1]] = z² − (1 + a) z + a + Ki g (1 − a).
   */
  @ParameterizedTest
  @CsvSource({
    "0.5, 1, 0.3",
    "0.9, 2, 0.2",
    "0.5, 1, 3.5",
    "0.0, 1, 0.9",
    "0.0, 1, 1.1",
    "0.8, 1, 6"
  })
  void integralOnlyFirstOrderPlantMatchesItsQuadratic(double a, double g, double ki) {
    LrLoopStability.Result r =
        LrLoopStability.analyze(LrLoopStability.firstOrder(a, g), 0, ki, 1, 1, 0, false);
    double expected = maxRootQuadratic(-(1 + a), a + ki * g * (1 - a));
    assertEquals(expected, r.spectralRadius(), 1e-9);
  }

  /**
   * Integral-only, static plant, EMA filter α: f_t = (1 − α) f_{t−1} + α g u_t, u_{t+1} = u_t − Ki
   * f_t. In z: (z − 1)(z − (1 − α)) + Ki α g z = 0, i.e. z² − (2 − α − Ki α g) z + (1 − α) = 0.
   */
  @ParameterizedTest
  @CsvSource({"0.1, 1, 0.5", "0.3, 2, 2.0", "0.5, 1, 3.9", "0.5, 1, 6.1", "1.0, 1, 1.0"})
  void filteredIntegralLoop(double alpha, double g, double ki) {
    LrLoopStability.Result r =
        LrLoopStability.analyze(LrLoopStability.staticGain(g), 0, ki, alpha, 1, 0, false);
    double expected = maxRootQuadratic(-(2 - alpha - ki * alpha * g), 1 - alpha);
    assertEquals(expected, r.spectralRadius(), 1e-9);
  }

  /**
   * PI on a static plant, α = 1: u_{t+1} = −Kp g u_t + I_t, I_t = I_{t−1} − Ki g u_t ⇒ u_{t+1} = (1
   * − (Kp + Ki) g) u_t + Kp g u_{t−1}: z² − (1 − (Kp + Ki) g) z − Kp g = 0.
   */
  @ParameterizedTest
  @CsvSource({"0.2, 0.3, 1", "0.5, 0.5, 1", "0.6, 0.1, 2", "0.1, 1.7, 1"})
  void piOnStaticPlant(double kp, double ki, double g) {
    LrLoopStability.Result r =
        LrLoopStability.analyze(LrLoopStability.staticGain(g), kp, ki, 1, 1, 0, false);
    assertEquals(maxRootQuadratic(-(1 - (kp + ki) * g), -kp * g), r.spectralRadius(), 1e-9);
  }

  /**
   * One step of extra loop delay: u_{t+2} = u_{t+1} − Ki g u_t ⇒ z² − z + Ki g = 0; for Ki g > 1/4
   * the roots are complex with |z|² = Ki g, so the loop is stable iff Ki g < 1 (half the no-delay
   * margin of 2).
   */
  @Test
  void oneStepOfDelayHalvesTheMargin() {
    LrLoopStability.Plant p = LrLoopStability.staticGain(1);
    assertEquals(
        Math.sqrt(0.99),
        LrLoopStability.analyze(p, 0, 0.99, 1, 1, 1, false).spectralRadius(),
        1e-9);
    assertTrue(LrLoopStability.analyze(p, 0, 0.99, 1, 1, 1, false).stable());
    assertFalse(LrLoopStability.analyze(p, 0, 1.01, 1, 1, 1, false).stable());
    assertTrue(LrLoopStability.analyze(p, 0, 1.5, 1, 1, 0, false).stable());
  }

  @Test
  void regionSweep() {
    double[] kp = {0, 0.5, 1.0};
    double[] ki = {0.5, 1.5, 2.5};
    LrLoopStability.Region reg =
        LrLoopStability.region(LrLoopStability.staticGain(1), kp, ki, 1, 1, 0, false);
    for (int i = 0; i < kp.length; i++) {
      for (int j = 0; j < ki.length; j++) {
        double expected = maxRootQuadratic(-(1 - (kp[i] + ki[j])), -kp[i]);
        assertEquals(expected < 1, reg.stable(i, j), "kp " + kp[i] + " ki " + ki[j]);
      }
    }
    assertTrue(reg.stableFraction() > 0 && reg.stableFraction() < 1);
  }

  static double[] spectrum(int n) {
    double[] h = new double[n];
    for (int i = 0; i < n; i++) {
      h[i] = 1.0 / (i + 1);
    }
    return h;
  }

  static double[] noise(double[] h, double sigma2) {
    double[] s = new double[h.length];
    for (int i = 0; i < h.length; i++) {
      s[i] = sigma2 * h[i];
    }
    return s;
  }

  @Test
  void quadraticEquilibriumSolvesTheSetpoint() {
    double[] h = spectrum(20);
    LrLoopStability.Plant p = LrLoopStability.alignmentOnQuadratic(h, noise(h, 0.09), -0.2);
    assertEquals(
        -0.2, LrLoopStability.stationaryAlignment(h, noise(h, 0.09), p.equilibriumLr()), 1e-12);
    // one coordinate: E[cos] = −ηh/2 exactly, so η* = 0.4/h and the gain dE/dlnη = −ηh/2 = r
    LrLoopStability.Plant one =
        LrLoopStability.alignmentOnQuadratic(new double[] {2.0}, new double[] {0.5}, -0.3);
    assertEquals(0.3, one.equilibriumLr(), 1e-12);
    assertEquals(-0.3, one.gain(), 1e-6);
  }

  /**
   * The analysis against the real controller: {@link PiController} (reverse acting, setpoint r)
   * drives the nonlinear mean-field plant from a 10 % perturbation of η*. Where the analysis says
   * stable (spectral radius ≤ 0.995) the deviation must shrink a hundredfold over the run; where it
   * says unstable (≥ 1.005) it must grow tenfold (or hit the controller's bounds).
   */
  @ParameterizedTest
  @CsvSource({
    "0.0, 0.05, 0.1",
    "0.0, 0.5, 0.5",
    "0.0, 1, 0.5",
    "0.0, 2, 0.5",
    "0.0, 3, 0.5",
    "0.0, 5, 0.5",
    "0.5, 0.5, 0.1",
    "1.0, 1, 0.2",
    "1.0, 3, 0.2",
    "1.0, 5, 0.2",
    "2.0, 2, 1.0",
    "3.0, 0.5, 1.0",
    "0.0, 2, 1.0",
    "0.0, 4, 1.0",
    "0.3, 1.5, 1.0",
    "10.0, 10, 0.3"
  })
  void analysisAgreesWithTheRealControllerOnTheMeanFieldPlant(double kp, double ki, double alpha) {
    double[] h = spectrum(10);
    double[] s2 = noise(h, 0.1);
    double r = -0.25;
    LrLoopStability.Plant p = LrLoopStability.alignmentOnQuadratic(h, s2, r);
    double rho = LrLoopStability.analyze(p, kp, ki, alpha, 1, 0, true).spectralRadius();
    if (Math.abs(rho - 1) < 0.005) {
      return; // too close to the boundary to decide in a finite run
    }
    double eta0 = p.equilibriumLr();
    PiController pi =
        PiController.of(
            PiConfig.builder()
                .kp(kp)
                .ki(ki)
                .setpoint(r)
                .reverseActing(true)
                .filterAlpha(alpha)
                .initial(Math.log(eta0 * 1.1))
                .bounds(Math.log(eta0) - 3, Math.log(2 / h[0]) - 1e-3)
                .build());
    int n = h.length;
    double[] v = new double[n];
    double[] vPrev = new double[n];
    for (int i = 0; i < n; i++) {
      v[i] = eta0 * s2[i] / (h[i] * (2 - eta0 * h[i]));
      vPrev[i] = v[i];
    }
    double etaPrev = eta0;
    double eta = eta0 * 1.1;
    double dev0 = Math.abs(Math.log(eta / eta0));
    double maxLate = 0;
    int steps = 4000;
    for (int t = 0; t < steps; t++) {
      double num = 0;
      double e0 = 0;
      double e1 = 0;
      for (int i = 0; i < n; i++) {
        num += h[i] * h[i] * (1 - etaPrev * h[i]) * vPrev[i] - h[i] * etaPrev * s2[i];
        e0 += h[i] * h[i] * v[i] + s2[i];
        e1 += h[i] * h[i] * vPrev[i] + s2[i];
      }
      double y = num / Math.sqrt(e0 * e1);
      for (int i = 0; i < n; i++) {
        vPrev[i] = v[i];
        double q = 1 - eta * h[i];
        v[i] = q * q * v[i] + eta * eta * s2[i];
      }
      etaPrev = eta;
      eta = Math.exp(pi.update(y));
      if (t > steps - 200) {
        maxLate = Math.max(maxLate, Math.abs(Math.log(eta / eta0)));
      }
    }
    if (rho < 1) {
      assertTrue(maxLate < dev0 / 100, "rho " + rho + " but late deviation " + maxLate);
    } else {
      assertTrue(
          maxLate > dev0 * 10 || pi.saturated(), "rho " + rho + " but late deviation " + maxLate);
    }
  }

  @Test
  void invalidInputsNameThemselves() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> LrLoopStability.alignmentOnQuadratic(new double[] {1}, new double[] {1}, 0.0));
    assertEquals(
        "setpoint must be in (-1, 0) for an equilibrium to exist, but was 0.0", e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class,
            () -> LrLoopStability.alignmentOnQuadratic(new double[] {-1}, new double[] {1}, -0.1));
    assertEquals("h[0] must be finite and > 0, but was -1.0", e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                LrLoopStability.analyze(
                    LrLoopStability.staticGain(1), Double.NaN, 1, 1, 1, 0, true));
    assertEquals("kp must be finite and >= 0, but was NaN", e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class,
            () -> LrLoopStability.analyze(LrLoopStability.staticGain(1), 0, 1, 1, 1, -1, true));
    assertEquals("delay must be >= 0, but was -1", e.getMessage());
  }

  /**
   * The shipped adaptive loop ({@code pi(optimizer=adaptive)}): PI with EMA filter α around Adam's
   * static gain g = 1/ln 10. Closed loop (z − 1)(z − 1 + α) + gα(Kp(z − 1) + Ki z) = 0, i.e. z² +
   * (−2 + α + gα(Kp + Ki)) z + (1 − α − gαKp) = 0; with Kp 0.5, Ki 0.3, α 0.3 NumPy's {@code
   * np.roots([1, -1.5957693243432196, 0.6348558277145122])} gives 0.83988593 and 0.7558834.
   */
  @Test
  void theShippedAdaptiveLoopHasItsDesignedPoles() {
    PiPolicyConfig.LrLoop c = PiPolicyConfig.from(PolicySpec.parse("pi(optimizer=adaptive)")).lr();
    assertEquals(0.5, c.kp());
    assertEquals(0.3, c.ki());
    assertEquals(0.3, c.alpha());
    LrLoopStability.Result r =
        LrLoopStability.analyze(
            LrLoopStability.staticGain(1 / Math.log(10)), c.kp(), c.ki(), c.alpha(), 1, 0, false);
    assertEquals(0.83988593, r.spectralRadius(), 1e-8);
    // the state-space form carries one more state (the applied u), whose pole is 0
    int n = r.polesRe().length;
    double[] mod = new double[n];
    for (int i = 0; i < n; i++) {
      assertEquals(0, r.polesIm()[i], 1e-9); // both poles are real
      mod[i] = Math.abs(r.polesRe()[i]);
    }
    java.util.Arrays.sort(mod);
    assertEquals(0.7558834, mod[n - 2], 1e-7);
    assertEquals(0.83988593, mod[n - 1], 1e-8);
    for (int i = 0; i < n - 2; i++) {
      assertEquals(0, mod[i], 1e-9);
    }
  }
}
