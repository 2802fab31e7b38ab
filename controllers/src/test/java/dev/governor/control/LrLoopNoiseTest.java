package dev.governor.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class LrLoopNoiseTest {

  // References from NumPy: the closed-loop matrix M on [x, f, I, u] built directly from the loop
  // equations (x' = A x + B u, f' = (1-α) f + α (C x + D u), I' = I + Ki f', u' = Kp f' + I'), the
  // noise input G = [0, α, Ki α, (Kp + Ki) α], and the stationary covariance P from the discrete
  // Lyapunov equation P = M P Mᵀ + G Gᵀ solved as vec P = (I − M⊗M)⁻¹ vec(G Gᵀ); std = sqrt(σ²
  // P_uu).

  @Test
  void staticPlantMatchesTheLyapunovSolution() {
    // static gain -0.5, Kp 0.2, Ki 0.05, α 0.1, σ² 0.01: ρ = 0.96952, std = 0.021884063139220266
    double sd = LrLoopNoise.logLrStd(LrLoopStability.staticGain(-0.5), 0.2, 0.05, 0.1, 0.01);
    assertEquals(0.021884063139220266, sd, 1e-9);
  }

  @Test
  void firstOrderPlantMatchesTheLyapunovSolution() {
    // first order a 0.5, gain -0.5 (B = (1 - a) g, C = 1), same gains: std = 0.02241219908107111
    double sd = LrLoopNoise.logLrStd(LrLoopStability.firstOrder(0.5, -0.5), 0.2, 0.05, 0.1, 0.01);
    assertEquals(0.02241219908107111, sd, 1e-9);
  }

  // References for the slew-limited loop: an independent scalar recursion of the static-plant loop
  // (Python, 200 000 terms): after the noise impulse f = α, I = N Ki α, u = N (Kp α + I), then per
  // step y = g u, f ← (1 − α) f + α y, e = f, I ← I + N Ki e, u ← u + N (Kp e + I − u); sd = √(σ²
  // Σ u_k²), step sd = √(σ² Σ (u_k − u_{k−1})²); N by 60 bisections of erf(ln s · N / (√2 step
  // sd(N))) − N on (1e-9, 1], N = 1 when that is >= 0 at 1.

  @Test
  void stepStdMatchesTheScalarRecursion() {
    // g -0.5, Kp 0.2, Ki 0.05, α 0.1, σ² 0.01, N = 1: step sd 0.0025608531458494108
    double sd = LrLoopNoise.logLrStepStd(LrLoopStability.staticGain(-0.5), 0.2, 0.05, 0.1, 0.01);
    assertEquals(0.0025608531458494108, sd, 1e-12);
  }

  @Test
  void slewLimitTakesTheLargestFixedPointWhenTheLagDestabilisesIntermediateGains() {
    // First-order plant (pole 0.8, gain −1), Kp 6, Ki 0.1, α 0.3: the lagged loop is stable for
    // N ≥ 0.7 and N ≤ 0.15 and unstable in between (spectral radius up to 1.004). With σ² 1e-4
    // the fixed-point equation has roots near 0.99, 0.75 and 0.17 (at the band's lower edge).
    // Independent scalar recursion of the loop (Python: 400 000 impulse-response terms, 60
    // bisections between the grid points 0.9 and 0.99 where the excess changes sign):
    // largest N 0.9876878414, sd 0.0515821224, step sd 0.0376085162; the low root N 0.1693482590
    // has sd 0.2067730437 — a slew-bound loop the unlimited loop never turns into.
    LrLoopStability.Plant p = LrLoopStability.firstOrder(0.8, -1.0);
    LrLoopNoise.Slewed s = LrLoopNoise.slewLimited(p, 6.0, 0.1, 0.3, 1e-4, Math.log(1.1));
    assertEquals(0.9876878414, s.gain(), 1e-6);
    assertEquals(0.0515821224, s.logLrStd(), 1e-6);
    assertEquals(0.0376085162, s.stepStd(), 1e-6);
  }

  @Test
  void slewLimitLowersTheEquivalentGainWhenTheNoiseDemandsLargerSteps() {
    LrLoopStability.Plant p = LrLoopStability.staticGain(-0.5);
    double lnSlew = Math.log(1.1);
    // σ² 1e-4: the demand stays well inside ±ln 1.1, N = 1 and the plain loop's deviations
    LrLoopNoise.Slewed quiet = LrLoopNoise.slewLimited(p, 0.3, 0.2, 0.3, 1e-4, lnSlew);
    assertEquals(1.0, quiet.gain(), 0.0);
    assertEquals(0.0044650166, quiet.logLrStd(), 1e-9);
    assertEquals(0.0015343366, quiet.stepStd(), 1e-9);
    // σ² 0.04: N = 0.9981165856, sd 0.0892193647, step sd 0.0306080671
    LrLoopNoise.Slewed loud = LrLoopNoise.slewLimited(p, 0.3, 0.2, 0.3, 0.04, lnSlew);
    assertEquals(0.9981165856, loud.gain(), 1e-6);
    assertEquals(0.0892193647, loud.logLrStd(), 1e-6);
    assertEquals(0.0306080671, loud.stepStd(), 1e-6);
    // Kp 2, Ki 1: N = 0.4263736023, sd 0.1471702691, step sd 0.0722167920
    LrLoopNoise.Slewed high = LrLoopNoise.slewLimited(p, 2.0, 1.0, 0.3, 0.04, lnSlew);
    assertEquals(0.4263736023, high.gain(), 1e-6);
    assertEquals(0.1471702691, high.logLrStd(), 1e-6);
    assertEquals(0.0722167920, high.stepStd(), 1e-6);
    // no limit: the linear loop
    LrLoopNoise.Slewed none =
        LrLoopNoise.slewLimited(p, 2.0, 1.0, 0.3, 0.04, Double.POSITIVE_INFINITY);
    assertEquals(1.0, none.gain(), 0.0);
    assertEquals(LrLoopNoise.logLrStd(p, 2.0, 1.0, 0.3, 0.04), none.logLrStd(), 1e-12);
    assertThrows(
        IllegalArgumentException.class, () -> LrLoopNoise.slewLimited(p, 2, 1, 0.3, 0.04, 0));
    assertThrows(
        IllegalArgumentException.class,
        () -> LrLoopNoise.slewLimited(p, 2, 1, 0.3, Double.NaN, lnSlew));
  }

  @Test
  void unstableLoopHasInfiniteStdAndNaNVariancePropagates() {
    // Ki 4.4 = 4 × the critical 1.1 of this plant (LrLoopBoundaryTest): the response grows
    LrLoopStability.Plant p = LrLoopStability.firstOrder(0.5, -0.5);
    assertEquals(Double.POSITIVE_INFINITY, LrLoopNoise.logLrStd(p, 0, 4.4, 0.1, 0.01));
    assertTrue(Double.isNaN(LrLoopNoise.logLrStd(p, 0.2, 0.05, 0.1, Double.NaN)));
  }

  @Test
  void alignmentVarianceIsTheInverseEffectiveDimension() {
    // h = [1, 0.5], s² = [0.1, 0.05], η = 0.4, 4 copies: v = η s²/(h(2 − η h)),
    // m = h² v + s², Σm²/((Σm)² · 4) = 0.14349112426035504 (NumPy)
    double v =
        LrLoopNoise.alignmentVariance(new double[] {1, 0.5}, new double[] {0.1, 0.05}, 0.4, 4);
    assertEquals(0.14349112426035504, v, 1e-15);
    // one coordinate: effective dimension 1 per copy
    assertEquals(0.5, LrLoopNoise.alignmentVariance(new double[] {1}, new double[] {1}, 1, 2), 0);
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> LrLoopNoise.alignmentVariance(new double[] {1}, new double[] {1}, 1, 0));
    assertEquals("copies must be >= 1, but was 0", e.getMessage());
  }
}
