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
        StabilityMapSuite.simulate(
            REGIME, StabilityMapSuite.Gear.BARE, p.equilibriumLr(), 0, 4 * kiCrit, 1, 16, 100, 800);
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
        StabilityMapSuite.simulate(
            REGIME,
            StabilityMapSuite.Gear.BARE,
            p.equilibriumLr(),
            0,
            kiCrit / 10,
            1,
            16,
            100,
            800);
    assertFalse(s.unstable(), "simulated " + s);
    // the loop corrected the hand-over step: ln(lr) settles near ln(eta*) (std small, no bound)
    assertTrue(s.logLrStd() < StabilityMapSuite.OSCILLATION_LIMIT / 2, "std " + s.logLrStd());
  }

  @Test
  void theShippedSlewLimitStabilisesAHighGainLoopAndTheAnalysisPredictsIt() {
    LrLoopStability.Plant p = plant();
    double kiCrit = LrLoopBoundary.critical(p, LrLoopBoundary.Axis.KI, 0, StabilityMapSuite.ALPHA);
    double kpCrit =
        LrLoopBoundary.critical(p, LrLoopBoundary.Axis.KP, kiCrit / 100, StabilityMapSuite.ALPHA);
    // the quick grid's corner Kp = 1.4 Kp*, Ki = Ki* 10^-1.7: outside the linear stable region
    double kp = 1.4 * kpCrit;
    double ki = kiCrit * Math.pow(10, -1.7);
    assertFalse(LrLoopStability.analyze(p, kp, ki, StabilityMapSuite.ALPHA, 1, 0, true).stable());
    double eta = p.equilibriumLr();
    int copies = StabilityMapSuite.COPIES;
    // without the slew limit the simulated loop is unstable, as the linear analysis says
    StabilityMap.Sim bare =
        StabilityMapSuite.simulate(
            REGIME, StabilityMapSuite.Gear.BARE, eta, kp, ki, 1, copies, 200, 1500);
    assertTrue(bare.unstable(), "bare " + bare);
    assertEquals(0, bare.activity().slewBoundFraction(), 0.0);
    // with pi's shipped slew limit, cut, guard and clip loop it settles: the slew-limited
    // analysis predicts that, and its predicted sd(ln lr) is within 25 % of the simulated one
    StabilityMap.Sim shipped =
        StabilityMapSuite.simulate(
            REGIME, StabilityMapSuite.Gear.SHIPPED, eta, kp, ki, 1, copies, 200, 1500);
    assertFalse(shipped.unstable(), "shipped " + shipped);
    assertTrue(shipped.activity().slewBoundFraction() > 0.1, "slew binds: " + shipped);
    StabilityMap.RegimeMap m =
        new StabilityMap.RegimeMap(REGIME, p, new double[] {kp}, new double[] {ki});
    StabilityMap.Slew pred = StabilityMapSuite.slewPrediction(m, kp, ki, copies);
    assertTrue(pred.stable(), "predicted " + pred);
    assertTrue(pred.quietGain() < 0.5, "the limit binds in the prediction too: " + pred);
    assertEquals(shipped.logLrStd(), pred.quietStd(), 0.25 * shipped.logLrStd());
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
            "gear",
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
            "activity",
            "policies",
            "noise_check"),
        keys);
    List<String> checkKeys = new java.util.ArrayList<>();
    s.get("noise_check").fieldNames().forEachRemaining(checkKeys::add);
    assertEquals(
        List.of("points", "copies", "what", "checked", "settle_with_less_noise"), checkKeys);
    // terminal: header, one line per regime, the agreement, the shipped parts' activity of the
    // stable and the unstable runs, the noise check
    assertEquals(1 + 2 + 1 + 2 + 1, o.table().size());
    // the goal is a check: missing it is a failure the command exits 1 on
    assertEquals(!s.get("agreement_goal_met").asBoolean(), !o.failures().isEmpty());
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
