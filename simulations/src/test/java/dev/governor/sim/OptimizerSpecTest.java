package dev.governor.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.governor.control.GuardAction;
import dev.governor.control.Hyperparameters;
import org.junit.jupiter.api.Test;

class OptimizerSpecTest {

  @Test
  void namesParseAsBeforeAndTheNewOnesWithDashes() {
    assertEquals(OptimizerKind.ADAMW, OptimizerKind.parse("adamw"));
    assertEquals(OptimizerKind.SGD, OptimizerKind.parse(" SGD "));
    assertEquals(OptimizerKind.SF_ADAMW, OptimizerKind.parse("sf-adamw"));
    assertEquals(OptimizerKind.SF_ADAMW, OptimizerKind.parse("sf_adamw"));
    assertEquals("dadapt-sgd", OptimizerKind.DADAPT_SGD.id());
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> OptimizerKind.parse("lbfgs"));
    assertEquals(
        "optimizer must be one of sgd, momentum, adam, adamw, sf-sgd, sf-adamw, prodigy,"
            + " dadapt-sgd, dadapt-adam, dog, sgd-hd, adam-hd, but was 'lbfgs'",
        e.getMessage());
    for (OptimizerKind k : OptimizerKind.values()) {
      assertEquals(k, OptimizerSpec.parse(k.id()).kind());
      assertEquals(k.id(), OptimizerSpec.of(k).toString());
    }
  }

  @Test
  void optionsOverrideTheDefaultsAndRoundTrip() {
    OptimizerSpec p = OptimizerSpec.parse("prodigy(d0=1e-4, growth-rate=inf, decouple=false)");
    assertEquals(1e-4, p.get("d0"), 0.0);
    assertEquals(Double.POSITIVE_INFINITY, p.get("growth-rate"), 0.0);
    assertFalse(p.flag("decouple"));
    assertEquals(0.9, p.get("beta1"), 0.0);
    assertTrue(Double.isNaN(p.get("beta3")), "beta3 unset means sqrt(beta2)");
    assertEquals("prodigy(d0=1.0E-4, decouple=false, growth-rate=inf)", p.toString());
    assertEquals(p, OptimizerSpec.parse(p.toString()));
    assertEquals(100, OptimizerSpec.parse("sf-adamw(warmup=100)").get("warmup"), 0.0);
    assertEquals(1e-4, OptimizerSpec.parse("dog(reps-rel=1e-4)").get("reps-rel"), 0.0);
    assertEquals(1e-3, OptimizerSpec.parse("sgd-hd(beta=1e-3)").get("beta"), 0.0);
    assertEquals(
        OptimizerSpec.parse("dog(gamma=4)"), OptimizerSpec.of(OptimizerKind.DOG).with("gamma", 4));
    assertEquals("sqrt(beta2)", OptimizerSpec.defaults(OptimizerKind.PRODIGY).get("beta3"));
    assertEquals("1.0E-6", OptimizerSpec.defaults(OptimizerKind.DOG).get("reps-rel"));
    SimulatedTrainer.Config c = SimulatedTrainer.Config.parse("nqm(dim=5)", "dog(gamma=2)", 1);
    assertEquals(2, c.optimizer().get("gamma"), 0.0);
  }

  @Test
  void unknownKeysAndBadValuesAreRefusedInOneMessage() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> OptimizerSpec.parse("prodigy(foo=1, d0=-1, bar=2, beta1=1.5)"));
    assertEquals(
        "optimizer prodigy has no option 'foo', 'bar' (options: d0, beta1, beta2, eps, beta3,"
            + " d-coef, growth-rate, decouple, bias-correction, safeguard-warmup);"
            + " prodigy.d0 must be finite and > 0, but was '-1';"
            + " prodigy.beta1 must be in [0, 1), but was '1.5'",
        e.getMessage());
    String[][] bad = {
      {"dog(reps-rel=NaN)", "dog.reps-rel must be finite and > 0, but was 'NaN'"},
      {"dog(reps-rel=0x1p-3)", "dog.reps-rel must be finite and > 0, but was '0x1p-3'"},
      {"dadapt-sgd(growth-rate=0.5)", "dadapt-sgd.growth-rate must be >= 1 (inf allowed), but"},
      {"sf-sgd(warmup=1.5)", "sf-sgd.warmup must be an integer >= 0, but was '1.5'"},
      {"sf-sgd(momentum=1)", "sf-sgd.momentum must be in (0, 1), but was '1'"},
      {"dadapt-adam(decouple=maybe)", "dadapt-adam.decouple must be true or false"},
      {"sgd(beta=1)", "optimizer sgd has no option 'beta' (options: none)"},
      {"prodigy(d0=1, d0=2)", "optimizer option 'd0' is given twice in 'prodigy(d0=1, d0=2)'"},
      {"prodigy(d0)", "optimizer option must be key=value, but was 'd0' in 'prodigy(d0)'"},
      {"prodigy(d0=1", "optimizer must be name or name(key=value, ...), but was 'prodigy(d0=1'"},
      {"lion(beta=1)", "optimizer must be one of sgd,"},
    };
    for (String[] b : bad) {
      IllegalArgumentException x =
          assertThrows(IllegalArgumentException.class, () -> OptimizerSpec.parse(b[0]), b[0]);
      assertTrue(x.getMessage().startsWith(b[1]), b[0] + " -> " + x.getMessage());
    }
    assertThrows(
        IllegalArgumentException.class, () -> OptimizerSpec.of(OptimizerKind.SGD).get("x"));
  }

  /** momentum(beta=0.5): m₂ = 0.5·m₁ + g₂ by hand (the default β = 0.9 would give another x₂). */
  @Test
  void aClassicOptimizersOptionReachesItsArithmetic() {
    ProblemConfig.Nqm quad = new ProblemConfig.Nqm(2, 4.0, 2.0, NoiseKind.ISOTROPIC, 0, 1, 1, 1);
    SimulatedTrainer t =
        SimulatedTrainer.of(
            SimulatedTrainer.Config.of(quad, OptimizerSpec.parse("momentum(beta=0.5)"), 6));
    NqmProblem p = (NqmProblem) t.problem();
    double[] x0 = t.parameters();
    t.step(0, 0.05, Hyperparameters.NO_CLIP, 0, GuardAction.NONE);
    double[] x1 = t.parameters();
    t.step(1, 0.05, Hyperparameters.NO_CLIP, 0, GuardAction.NONE);
    double[] x2 = t.parameters();
    for (int i = 0; i < 2; i++) {
      double h = p.curvature(i);
      double m2 = 0.5 * h * (x0[i] - p.optimum(i)) + h * (x1[i] - p.optimum(i));
      assertEquals(x1[i] - 0.05 * m2, x2[i], 1e-14);
    }
    assertEquals(2 * 1.5 / 4.0, OptimizerSpec.parse("momentum(beta=0.5)").stabilityBound(4), 0);
    assertEquals(
        OptimizerKind.MOMENTUM.stabilityBound(4),
        OptimizerSpec.of(OptimizerKind.MOMENTUM).stabilityBound(4),
        0);
  }
}
