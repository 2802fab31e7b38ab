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
