package dev.governor.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.governor.control.LrLoopBoundary;
import dev.governor.control.LrLoopStability;
import java.util.List;
import org.junit.jupiter.api.Test;

class StabilityMapSuiteTest {

  private static final StabilityMapSuite.Regime REGIME = StabilityMapSuite.regimes(true).get(0);

  private static LrLoopStability.Plant plant() {
    return LrLoopStability.alignmentOnQuadratic(
        REGIME.spectrum(), REGIME.noiseVar(), REGIME.setpoint());
  }

  @Test
  void deliberatelyUnstableGainsAreUnstableInAnalysisAndSimulation() {
    LrLoopStability.Plant p = plant();
    // Ki = 4 × the analytic critical integral gain (at Kp = 0): the analysis must put a pole
    // outside
    double kiCrit = LrLoopBoundary.critical(p, LrLoopBoundary.Axis.KI, 0, StabilityMapSuite.ALPHA);
    assertTrue(Double.isFinite(kiCrit));
    LrLoopStability.Result a =
        LrLoopStability.analyze(p, 0, 4 * kiCrit, StabilityMapSuite.ALPHA, 1, 0, true);
    assertFalse(a.stable());
    StabilityMap.Sim s =
        StabilityMapSuite.simulate(REGIME, p.equilibriumLr(), 0, 4 * kiCrit, 1, 16, 100, 800);
    assertTrue(s.unstable(), "simulated " + s);
  }

  @Test
  void comfortablyStableGainsAreStableInBoth() {
    LrLoopStability.Plant p = plant();
    double kiCrit = LrLoopBoundary.critical(p, LrLoopBoundary.Axis.KI, 0, StabilityMapSuite.ALPHA);
    LrLoopStability.Result a =
        LrLoopStability.analyze(p, 0, kiCrit / 10, StabilityMapSuite.ALPHA, 1, 0, true);
    assertTrue(a.stable());
    StabilityMap.Sim s =
        StabilityMapSuite.simulate(REGIME, p.equilibriumLr(), 0, kiCrit / 10, 1, 16, 100, 800);
    assertFalse(s.unstable(), "simulated " + s);
    // the loop corrected the hand-over step: ln(lr) settles near ln(eta*) (std small, no bound)
    assertTrue(s.logLrStd() < StabilityMapSuite.OSCILLATION_LIMIT / 2, "std " + s.logLrStd());
  }

  @Test
  void replicatedProblemStartsAtTheStationaryLoss() {
    // E[L] at the stationary distribution of constant-η SGD = (1/2) Σ h_i v_i, v_i = η s_i²/(h_i(2
    // −
    // η h_i)) per coordinate, times the copies: the same closed form docs/theory.md states.
    double eta = 0.3;
    int copies = 64;
    double expected = 0;
    double[] h = REGIME.spectrum();
    double[] s2 = REGIME.noiseVar();
    for (int i = 0; i < h.length; i++) {
      expected += copies * 0.5 * eta * s2[i] / (2 - eta * h[i]);
    }
    double mean = 0;
    int seeds = 20;
    for (int k = 0; k < seeds; k++) {
      NqmProblem q = NqmProblem.stationary(REGIME.nqm(), copies, eta, k);
      double[] x = new double[q.dim()];
      q.start(x);
      mean += q.loss(x) / seeds;
    }
    // sd of the mean over 20 seeds × 640 coordinates is a few percent; 10 % tolerance
    assertEquals(expected, mean, 0.1 * expected);
  }

  @Test
  void quickSuiteHasTheSchema() {
    Outcome o = StabilityMapSuite.run(true, 1, Runner.of(2, null));
    JsonNode s = o.summary();
    assertEquals("stability-map", s.get("suite").asText());
    // the summary's keys, in their order
    List<String> keys = new java.util.ArrayList<>();
    s.fieldNames().forEachRemaining(keys::add);
    assertEquals(
        List.of(
            "suite",
            "quick",
            "seeds",
            "warmup_steps",
            "steps",
            "copies_per_curvature",
            "initial_log_lr_offset",
            "loop",
            "regimes",
            "grid",
            "agreement",
            "agreement_with_noise_margin",
            "agreement_outside_margin",
            "points",
            "confusion",
            "agreement_goal_met",
            "policies",
            "noise_check"),
        keys);
    List<String> checkKeys = new java.util.ArrayList<>();
    s.get("noise_check").fieldNames().forEachRemaining(checkKeys::add);
    assertEquals(
        List.of("points", "copies", "what", "checked", "settle_with_less_noise"), checkKeys);
    // terminal: header, one line per regime, the agreement, (a note below the goal,) noise check
    int note = s.get("agreement_goal_met").asBoolean() ? 0 : 1;
    assertEquals(1 + 2 + 1 + note + 1, o.table().size());
    assertTrue(o.table().get(o.table().size() - 1).startsWith("noise check: "));
    int regimes = s.get("regimes").size();
    assertEquals(2, regimes);
    int perRegime =
        s.get("regimes").get(0).get("kp_grid").size()
            * s.get("regimes").get(0).get("ki_grid").size();
    assertEquals(regimes * perRegime, s.get("grid").size());
    assertEquals(s.get("points").asInt(), s.get("grid").size());
    for (JsonNode p : s.get("grid")) {
      for (String f :
          List.of("kp", "ki", "spectral_radius", "analytic_stable", "simulated_stable")) {
        assertTrue(p.has(f), "grid point lacks " + f);
      }
      assertEquals(1, p.get("runs").size());
    }
    JsonNode c = s.get("confusion");
    int sum =
        c.get("both_stable").asInt()
            + c.get("both_unstable").asInt()
            + c.get("analytic_stable_simulated_unstable").asInt()
            + c.get("analytic_unstable_simulated_stable").asInt();
    assertEquals(s.get("grid").size(), sum);
    double agreement = s.get("agreement").asDouble();
    assertEquals(
        (c.get("both_stable").asInt() + c.get("both_unstable").asInt()) / (double) sum,
        agreement,
        1e-12);
    // both classes present: the grid straddles the analytic boundary
    assertTrue(c.get("both_unstable").asInt() > 0 && c.get("both_stable").asInt() > 0);
    assertTrue(o.report().html().contains("data:image/png;base64,"));
  }
}
