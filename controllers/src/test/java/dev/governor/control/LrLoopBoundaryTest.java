package dev.governor.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class LrLoopBoundaryTest {

  // The plant: first order, pole 0.5, static gain -0.5; α = 0.1. References by NumPy: the loop
  // matrix on [x, f, I, u] built from the loop equations, ρ = max |eig|, 200 log bisections.
  private static final LrLoopStability.Plant PLANT = LrLoopStability.firstOrder(0.5, -0.5);

  @Test
  void criticalGainsMatchAnIndependentBisection() {
    // Ki where ρ = 1 at Kp = 0: 1.1000000000000016 (NumPy); 40 log bisections of [1e-4, 1e4]
    // leave a relative bracket of 1e8^(2^-40), about 2e-11
    double ki = LrLoopBoundary.critical(PLANT, LrLoopBoundary.Axis.KI, 0, 0.1);
    assertEquals(1.1, ki, 1.1e-9);
    // Kp where ρ = 1 at Ki = 0.01: 21.983321743156218 (NumPy)
    double kp = LrLoopBoundary.critical(PLANT, LrLoopBoundary.Axis.KP, 0.01, 0.1);
    assertEquals(21.983321743156218, kp, 22e-9);
  }

  @Test
  void aLoopStableOverTheWholeRangeHasNoCriticalGain() {
    // static gain -1e-12: ρ at Ki = 1e4, Kp = 0 is 0.99999999 (NumPy), stable over the whole
    // search range
    double ki =
        LrLoopBoundary.critical(LrLoopStability.staticGain(-1e-12), LrLoopBoundary.Axis.KI, 0, 0.1);
    assertEquals(Double.POSITIVE_INFINITY, ki);
  }

  @Test
  void curvePointsLieOnTheBoundary() {
    LrLoopBoundary.Curve c = LrLoopBoundary.alongKi(PLANT, 0.1, 2, 0.05, 50);
    assertTrue(c.size() > 0);
    for (int k = 0; k < c.size(); k++) {
      double kp = c.kp()[k];
      double ki = c.ki()[k];
      assertTrue(LrLoopBoundary.spectralRadius(PLANT, kp, ki * 0.999, 0.1) < 1, "below " + k);
      assertTrue(LrLoopBoundary.spectralRadius(PLANT, kp, ki * 1.001, 0.1) > 1, "above " + k);
    }
    // at Kp = 0 the Ki scan finds the critical gain above
    assertEquals(0, c.kp()[0], 0);
    assertEquals(1.1, c.ki()[0], 1.1e-3);
  }
}
