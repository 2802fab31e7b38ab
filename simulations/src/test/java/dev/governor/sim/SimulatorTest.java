package dev.governor.sim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.governor.control.GuardAction;
import dev.governor.control.Hyperparameters;
import dev.governor.control.PolicySpec;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SimulatorTest {

  @Test
  void stationaryLossClosedFormHandValue() {
    // D = 2, h = (1, 0.5) (a = 1), isotropic s² = 1, B = 4, η = 0.5:
    // E[L] = (0.5·1/8)·(1/(2 − 0.5) + 1/(2 − 0.25)) = 0.0625·(0.666667 + 0.571429) = 0.077381
    ProblemConfig.Nqm p = new ProblemConfig.Nqm(2, 1, 1, NoiseKind.ISOTROPIC, 1, 4, 1, 1);
    assertEquals(0.0773810, p.stationaryLoss(0.5), 1e-6);
    assertEquals(Double.POSITIVE_INFINITY, p.stationaryLoss(2.0));
  }

  @Test
  void simulatedStationaryLossMatchesClosedFormAndDetectsAWrongEta() {
    ValidationSuite.Stationary c = ValidationSuite.stationaryCases().get(0);
    long t = 8000;
    int seeds = 4;
    List<RunSpec> specs = new ArrayList<>();
    for (int k = 0; k < seeds; k++) {
      specs.add(
          RunSpec.of(
              SimulatedTrainer.Config.of(c.problem(), OptimizerKind.SGD, 50 + k),
              PolicySpec.of("constant").with("lr", c.eta()),
              2 * t));
    }
    double sum = 0;
    for (RunResult r : Runner.of(2, null).runAll(specs, "t")) {
      sum += r.tailMeanLoss();
    }
    double measured = sum / seeds;
    double[] pred = ValidationSuite.prediction(c.problem(), c.eta(), t, seeds);
    assertEquals(pred[0], measured, 4 * pred[1]);
    // the check has power: 10 % off in η is far outside the tolerance
    double[] wrong = ValidationSuite.prediction(c.problem(), 1.1 * c.eta(), t, seeds);
    assertTrue(Math.abs(wrong[0] - measured) > 4 * pred[1]);
  }

  @Test
  void gradientDescentThreshold() {
    ProblemConfig.Nqm p = new ProblemConfig.Nqm(50, 3.0, 1.0, NoiseKind.ISOTROPIC, 0, 1, 1, 1);
    assertTrue(ValidationSuite.gdRatio(p, OptimizerKind.SGD, 0.98 * 2 / 3.0, 3000) < 1e-6);
    assertTrue(ValidationSuite.gdRatio(p, OptimizerKind.SGD, 1.02 * 2 / 3.0, 3000) > 1e6);
  }

  @Test
  void quickValidationSuitePassesWithItsSchema() {
    Outcome o = ValidationSuite.run(true, 2, Runner.of(2, null));
    assertTrue(o.failures().isEmpty(), o.failures().toString());
    JsonNode s = o.summary();
    assertEquals("validation", s.get("suite").asText());
    assertTrue(s.get("policies").isObject());
    assertTrue(s.get("passed").asBoolean());
    assertTrue(s.get("checks").size() >= 12);
    for (JsonNode c : s.get("checks")) {
      assertTrue(c.has("name") && c.has("expected") && c.has("measured") && c.has("passed"));
    }
  }

  private static RunSpec spec(long seed) {
    return RunSpec.of(
            SimulatedTrainer.Config.of(ProblemConfig.Nqm.defaults(), OptimizerKind.MOMENTUM, seed),
            PolicySpec.parse("cosine(lr=0.5, t-max=300)"),
            300)
        .withTrace(1);
  }

  @Test
  void sameSeedGivesIdenticalRunsOnAnyThreadCountAndSeedsDiffer() {
    List<RunSpec> specs = List.of(spec(1), spec(2), spec(1), spec(3));
    List<RunResult> a = Runner.of(1, null).runAll(specs, "a");
    List<RunResult> b = Runner.of(2, null).runAll(specs, "b");
    for (int i = 0; i < specs.size(); i++) {
      assertArrayEquals(a.get(i).trace().exactLoss(), b.get(i).trace().exactLoss(), 0.0);
      assertArrayEquals(a.get(i).trace().loss(), b.get(i).trace().loss(), 0.0);
    }
    assertArrayEquals(a.get(0).trace().loss(), a.get(2).trace().loss(), 0.0);
    assertFalse(
        java.util.Arrays.equals(a.get(0).trace().loss(), a.get(1).trace().loss()),
        "different seeds must differ");
    assertEquals(a.get(0).finalLoss(), Runner.run(spec(1)).finalLoss(), 0.0);
  }

  @Test
  void hotLoopDoesNotAllocate() {
    com.sun.management.ThreadMXBean mx =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    for (OptimizerKind k : OptimizerKind.values()) {
      SimulatedTrainer t =
          SimulatedTrainer.of(SimulatedTrainer.Config.of(ProblemConfig.Nqm.defaults(), k, 3));
      long s = 0;
      for (; s < 20_000; s++) { // warm up (JIT)
        t.step(s, 1e-3, 10.0, 1e-4, GuardAction.NONE);
      }
      long id = Thread.currentThread().getId();
      long before = mx.getThreadAllocatedBytes(id);
      int n = 50_000;
      for (int i = 0; i < n; i++, s++) {
        t.step(s, 1e-3, 10.0, 1e-4, s % 100 == 0 ? GuardAction.SKIP : GuardAction.NONE);
      }
      long bytes = mx.getThreadAllocatedBytes(id) - before;
      // The only allocation is the returned Observation record (~120 bytes; escape analysis may
      // remove it). Any per-step array (D = 100 doubles = 816 bytes) would exceed this bound.
      assertTrue(bytes < 200L * n, k + ": " + bytes / n + " bytes per step");
    }
  }

  @Test
  void exactLossesOfAllProblemsAreAtLeastTheirMinimum() {
    for (ProblemConfig p :
        List.of(
            ProblemConfig.Nqm.defaults(),
            ProblemConfig.Rosenbrock.defaults(),
            ProblemConfig.LogReg.defaults())) {
      RunResult r =
          Runner.run(
              RunSpec.of(
                  SimulatedTrainer.Config.of(p, OptimizerKind.ADAM, 5),
                  PolicySpec.parse("constant(lr=0.01)"),
                  500));
      assertFalse(r.diverged(), p.toString());
      assertTrue(r.finalLoss() >= r.minLoss() - 1e-12, p + ": " + r.finalLoss());
      assertTrue(r.finalLoss() < r.initialLoss(), p + " should make progress");
    }
    // logistic regression's minimum is found by Newton: no gradient step gets below it
    assertEquals(
        ProblemConfig.LogReg.defaults().create(5).minLoss(),
        ProblemConfig.LogReg.defaults().create(5).minLoss(),
        0.0);
    assertTrue(ProblemConfig.LogReg.defaults().create(5).minLoss() > 0.05);
  }

  @Test
  void problemTextFormRoundTripsAndNamesBadKeys() {
    ProblemConfig p = ProblemConfig.parse("nqm(dim=7, noise=isotropic, lambda-max=2.5)");
    assertEquals(p, ProblemConfig.parse(p.toString()));
    IllegalArgumentException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            IllegalArgumentException.class, () -> ProblemConfig.parse("nqm(dim=0)"));
    assertEquals("nqm.dim must be >= 1, but was 0", e.getMessage());
    e =
        org.junit.jupiter.api.Assertions.assertThrows(
            IllegalArgumentException.class, () -> ProblemConfig.parse("logreg(noise=1)"));
    assertTrue(e.getMessage().startsWith("problem logreg has no option 'noise'"), e.getMessage());
    assertTrue(Hyperparameters.NO_CLIP > 0);
  }

  @Test
  void piOptionsReachEveryPiRunAndNoBaseline() {
    Map<String, String> off = Map.of("decay", "1");
    assertEquals("1", RobustnessSuite.spec("pi", 0.1, 100, off).options().get("decay"));
    for (String p : RobustnessSuite.policies()) {
      if (!p.equals("pi")) {
        assertFalse(RobustnessSuite.spec(p, 0.1, 100, off).options().containsKey("decay"), p);
      }
    }
    // decay=1 turns the stationarity test off, so pi no longer anneals: its runs, and only its,
    // change; the options are recorded
    JsonNode shipped = RobustnessSuite.run(true, 1, Runner.of(2, null)).summary();
    JsonNode variant = RobustnessSuite.run(true, 1, off, Runner.of(2, null)).summary();
    assertEquals("1", variant.get("pi_options").get("decay").asText());
    assertEquals(0, shipped.get("pi_options").size());
    assertNotEquals(
        shipped.get("policies").get("pi").get("final_loss_median").asDouble(),
        variant.get("policies").get("pi").get("final_loss_median").asDouble());
    assertEquals(
        shipped.get("policies").get("cosine").toString(),
        variant.get("policies").get("cosine").toString());
  }

  @Test
  void quickRobustnessSuiteHasTheSchemaAndBaselinesDivergeAboveTheBound() {
    Outcome o = RobustnessSuite.run(true, 1, Runner.of(2, null));
    JsonNode s = o.summary();
    assertEquals("robustness", s.get("suite").asText());
    assertEquals(13, s.get("lr_grid_relative_to_bound").size());
    for (String p : RobustnessSuite.policies()) {
      JsonNode n = s.get("policies").get(p);
      for (String f :
          List.of(
              "runs",
              "diverged",
              "reached_target",
              "median_steps_to_target",
              "final_loss_median",
              "final_loss_p90")) {
        assertTrue(n.has(f), p + " lacks " + f);
      }
      assertEquals(2 * 13, n.get("runs").asInt());
    }
    // without gear, constant SGD at 2.15, 4.6 and 10 × 2/λ diverges on both NQMs (3 LRs × 2
    // problems); with pi's guard and safety cut and ZClip, as every baseline runs here, none does
    assertEquals("gear=standard, clip=zclip", s.get("baseline_gear").asText());
    assertEquals(0, s.get("policies").get("constant").get("diverged").asInt());
    assertEquals(0, s.get("observations").get("cosine_diverged_runs_with_the_same_gear").asInt());
    // every goal not met is a failure of the suite, and only those
    List<String> missed = new java.util.ArrayList<>();
    s.get("goals")
        .properties()
        .forEach(
            e -> {
              if (!e.getValue().get("met").asBoolean()) {
                missed.add(e.getKey());
              }
            });
    assertEquals(missed.size(), o.failures().size());
    for (int i = 0; i < missed.size(); i++) {
      assertTrue(o.failures().get(i).contains(missed.get(i)), o.failures().get(i));
    }
  }

  @Test
  void quickDisturbanceSuiteMeasuresRecovery() {
    Outcome o = DisturbanceSuite.run(true, 1, Runner.of(2, null));
    JsonNode d = o.summary().get("disturbances");
    assertEquals(4, d.size());
    // constant LR 0.5 after a ×10 curvature jump is 2.5 × the new bound 0.2: without gear it
    // diverges; the safety cut every baseline carries here brings it back
    assertEquals(0, d.get("curvature-x10").get("constant").get("diverged").asInt());
    assertEquals(0, d.get("noise-burst-x5").get("constant").get("diverged").asInt());
    // wasted steps lie in [0, steps − E] (the recovery measure itself: ClipLoopGuardTest)
    for (JsonNode byPolicy : d) {
      for (JsonNode n : byPolicy) {
        double w = n.get("wasted_steps_median").asDouble();
        assertTrue(w >= 0 && w <= 600, n.toString());
      }
    }
    assertTrue(o.summary().get("policies").get("cosine").has("median_steps_to_target"));
    JsonNode g = o.summary().get("goals");
    for (String k :
        List.of(
            "pi_wasted_fraction_after_curvature-x10",
            "pi_wasted_fraction_after_spikes-x100",
            "pi_diverged_runs")) {
      assertTrue(g.has(k), k);
      boolean met = g.get(k).get("met").asBoolean();
      assertEquals(!met, o.failures().stream().anyMatch(f -> f.contains(k)), k);
    }
  }
}
