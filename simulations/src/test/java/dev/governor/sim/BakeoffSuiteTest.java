package dev.governor.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BakeoffSuiteTest {

  private static final List<String> CELL_FIELDS =
      List.of(
          "runs",
          "diverged",
          "reached",
          "median_steps_to_target",
          "ci95",
          "final_loss_median",
          "ratio_to_best_tuned",
          "heldout",
          "anytime_loss_median",
          "median_steps_to_strict_target");

  static Outcome tiny(boolean gear) {
    BakeoffSuite.Protocol pr =
        new BakeoffSuite.Protocol(
            300, List.of(101L, 102L), List.of(1L, 2L, 3L), 3, Tuner.Method.SOBOL, List.of(gear));
    List<BakeoffLineup.Prob> problems =
        List.of(
            new BakeoffLineup.Prob(
                "train-nqm", ProblemConfig.parse("nqm(dim=10, lambda-max=1, batch=8)"), false),
            new BakeoffLineup.Prob(
                "nqm(dim=12, lambda-max=2, noise=isotropic, batch=4)",
                ProblemConfig.parse("nqm(dim=12, lambda-max=2, noise=isotropic, batch=4)"),
                true));
    List<BakeoffLineup.Contender> cs = new ArrayList<>();
    for (BakeoffLineup.Contender c : BakeoffLineup.contenders()) {
      if (List.of("pi", "constant", "cosine").contains(c.name())) {
        cs.add(c);
      }
    }
    return BakeoffSuite.run(pr, problems, cs, Runner.of(2, null), true);
  }

  @Test
  void summaryHasTheContractAndFailuresAreTheMissedGoals() {
    Outcome o = tiny(false);
    JsonNode s = o.summary();
    assertEquals("bakeoff", s.get("suite").asText());
    // the gear notes in a fixed order (not a hash map's, which changes from one JVM to the next)
    List<String> gearKeys = new ArrayList<>();
    s.get("protocol").get("gear").fieldNames().forEachRemaining(gearKeys::add);
    assertEquals(List.of("on", "off", "modes", "headline"), gearKeys);
    JsonNode split = s.get("protocol").get("split");
    assertEquals("train-nqm", split.get("training").get(0).asText());
    assertEquals(1, split.get("heldout").size());
    for (String c : List.of("pi", "constant", "cosine")) {
      assertTrue(s.get("contenders").has(c), c);
      for (String p : List.of("train-nqm", "nqm(dim=12, lambda-max=2, noise=isotropic, batch=4)")) {
        JsonNode cell = s.get("per_problem").get(p).get(c);
        for (String f : CELL_FIELDS) {
          assertTrue(cell.has(f), p + " " + c + " lacks " + f);
        }
      }
      JsonNode a = s.get("aggregate").get(c);
      assertTrue(a.has("geomean_ratio") && a.has("profile"), c);
      assertEquals(BakeoffStats.TAUS.length, a.get("profile").size());
    }
    // pi runs at every point of its initial-LR grid on every held-out seed, pooled
    JsonNode piHeld =
        s.get("per_problem").get("nqm(dim=12, lambda-max=2, noise=isotropic, batch=4)").get("pi");
    assertEquals(3 * BakeoffLineup.PI_GRID.length, piHeld.get("runs").asInt());
    // the best tuned baseline of each problem has ratio 1 (the ratio's denominator)
    for (String p : List.of("train-nqm", "nqm(dim=12, lambda-max=2, noise=isotropic, batch=4)")) {
      double best = Double.POSITIVE_INFINITY;
      for (String c : List.of("constant", "cosine")) {
        best =
            Math.min(
                best, s.get("per_problem").get(p).get(c).get("ratio_to_best_tuned").asDouble());
      }
      assertEquals(1.0, best, 1e-12, p);
    }
    List<String> missed = new ArrayList<>();
    s.get("goals")
        .properties()
        .forEach(
            e -> {
              JsonNode g = e.getValue();
              assertTrue(g.has("value") && g.has("goal") && g.has("met"), e.getKey());
              if (!g.get("met").asBoolean()) {
                missed.add(e.getKey());
              }
            });
    assertEquals(4, s.get("goals").size());
    assertEquals(missed.size(), o.failures().size());
    for (int i = 0; i < missed.size(); i++) {
      assertTrue(o.failures().get(i).contains(missed.get(i)));
    }
  }

  @Test
  void theTunedPointIsTheBestTrialAndTuningNeverSeesAHeldOutSeed() {
    Outcome o = tiny(false);
    JsonNode s = o.summary();
    for (JsonNode t : s.get("protocol").get("train_seeds")) {
      for (JsonNode h : s.get("protocol").get("heldout_seeds")) {
        assertFalse(t.asLong() == h.asLong());
      }
    }
    JsonNode tc = s.get("tuning").get("gear_off").get("cosine").get("train-nqm");
    double min = Double.POSITIVE_INFINITY;
    JsonNode arg = null;
    for (JsonNode t : tc.get("trials")) {
      if (t.get("score").asDouble() < min) {
        min = t.get("score").asDouble();
        arg = t.get("params");
      }
    }
    assertEquals(3, tc.get("trials").size());
    assertEquals(arg, tc.get("best"));
  }

  @Test
  void polyakGetsTheMiniBatchLossAtTheOptimum() {
    // curvature noise: sigma_i^2 = s^2 h_i, so 1/2 sum s^2 h_i / (B h_i) = D s^2 / (2B)
    //   default NQM: 100 * 1 / 32 = 3.125
    Problem p = ProblemConfig.Nqm.defaults().create(1);
    assertEquals(3.125, BakeoffLineup.batchLossAtOptimum(p), 1e-12);
    // isotropic, h_i = 1 * i^-1 for i = 1..3, s^2 = 2, B = 4: 1/2 * (2/4) * (1 + 2 + 3) = 1.5
    Problem q =
        ProblemConfig.parse("nqm(dim=3, lambda-max=1, noise=isotropic, noise-scale=2, batch=4)")
            .create(1);
    assertEquals(1.5, BakeoffLineup.batchLossAtOptimum(q), 1e-12);
    // a data-set loss averages to L* itself
    Problem l = ProblemConfig.parse("logreg(dim=5, examples=64, batch=4)").create(1);
    assertEquals(l.minLoss(), BakeoffLineup.batchLossAtOptimum(l), 0);
  }

  @Test
  void statisticsMatchHandComputedValues() {
    // geometric mean of 2 and 8 = 4; of 1, 10, 100 = 10
    assertEquals(
        4.0,
        BakeoffStats.geomean(
            Map.of("a", new double[] {2, 0}, "b", new double[] {8, 0}), List.of("a", "b"), 0),
        1e-12);
    assertEquals(
        10.0,
        BakeoffStats.geomean(
            Map.of("a", new double[] {1}, "b", new double[] {10}, "c", new double[] {100}),
            List.of("a", "b", "c"),
            0),
        1e-12);
    // not reached counts as twice the budget
    assertEquals(2000, BakeoffStats.penalised(Double.POSITIVE_INFINITY, 1000), 0);
    assertEquals(250, BakeoffStats.penalised(250, 1000), 0);
    assertTrue(Double.isNaN(BakeoffStats.ratio(100, Double.POSITIVE_INFINITY)));
    // a constant sample's bootstrap interval is the point; any interval lies within the range
    double[] ci = BakeoffStats.bootstrapMedianCi(new double[] {7, 7, 7, 7, 7}, 1);
    assertEquals(7, ci[0], 0);
    assertEquals(7, ci[1], 0);
    ci = BakeoffStats.bootstrapMedianCi(new double[] {1, 2, 3, 4, 5}, 1);
    assertTrue(ci[0] >= 1 && ci[0] <= 3 && ci[1] >= 3 && ci[1] <= 5, ci[0] + " " + ci[1]);
    // the tuning score of runs that all reached at 100 steps is ln 100
    assertEquals(Math.log(100), Math.log(100), 0);
  }
}
