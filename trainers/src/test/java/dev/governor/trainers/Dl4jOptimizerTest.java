package dev.governor.trainers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.Sgd;

class Dl4jOptimizerTest {

  static String error(String text) {
    return assertThrows(IllegalArgumentException.class, () -> Dl4jOptimizer.parse(text))
        .getMessage();
  }

  @Test
  void parsesTheNamesWithTheReferencesDefaults() {
    assertEquals(List.of("adam", "sf-adamw", "prodigy", "dog"), Dl4jOptimizer.names());
    assertSame(Dl4jOptimizer.adam(), Dl4jOptimizer.parse("adam"));
    assertTrue(Dl4jOptimizer.parse(" Adam ").isNetworkUpdater());

    Dl4jOptimizer sf = Dl4jOptimizer.parse("sf-adamw");
    assertEquals(0.9, sf.beta1);
    assertEquals(0.999, sf.beta2);
    assertEquals(1e-8, sf.eps);
    assertEquals(0, sf.warmup);
    assertEquals(0.0, sf.r);
    assertEquals(2.0, sf.weightLrPower);
    assertEquals(0.0025, sf.defaultLr());
    assertTrue(sf.hasEvalPoint());

    Dl4jOptimizer p = Dl4jOptimizer.parse("prodigy");
    assertEquals(1e-6, p.d0);
    assertEquals(Math.sqrt(0.999), p.beta3); // beta3 = √β2 unless given
    assertEquals(1.0, p.dCoef);
    assertEquals(Double.POSITIVE_INFINITY, p.growthRate);
    assertTrue(p.decouple);
    assertFalse(p.biasCorrection);
    assertFalse(p.safeguardWarmup);
    assertEquals(1.0, p.defaultLr());
    assertEquals(Math.sqrt(0.99), Dl4jOptimizer.parse("prodigy(beta2=0.99)").beta3);

    Dl4jOptimizer d = Dl4jOptimizer.parse("dog");
    assertEquals(1e-6, d.repsRel);
    assertEquals(1e-8, d.eps);
    assertTrue(Double.isNaN(d.initEta));
    assertEquals(1.0, d.defaultLr());

    assertEquals(1e-3, Dl4jOptimizer.adam().defaultLr());
    assertTrue(Dl4jOptimizer.adam().networkUpdater() instanceof Adam);
    assertEquals(new Sgd(1.0), p.networkUpdater());
  }

  @Test
  void optionsRoundTripInCanonicalText() {
    Dl4jOptimizer w = Dl4jOptimizer.parse("sf-adamw(warmup=100)");
    assertEquals(100, w.warmup);
    assertEquals("sf-adamw(warmup=100)", w.toString());
    Dl4jOptimizer p = Dl4jOptimizer.parse("prodigy(d0=1e-5, decouple=off)");
    assertEquals(1e-5, p.d0);
    assertFalse(p.decouple);
    assertEquals("prodigy(d0=1.0E-5, decouple=false)", p.toString());
    assertEquals(p, Dl4jOptimizer.parse(p.toString()));
    assertEquals(p.hashCode(), Dl4jOptimizer.parse(p.toString()).hashCode());
    assertEquals(
        "prodigy(growth-rate=Infinity)",
        Dl4jOptimizer.parse("prodigy(growth-rate=inf)").toString());
    assertEquals(0.02, Dl4jOptimizer.parse("dog(init-eta=0.02)").initEta);
  }

  @Test
  void errorsNameTheTextTheOptionAndTheValue() {
    assertEquals(
        "optimizer must be one of [adam, sf-adamw, prodigy, dog], but was 'sgd'", error("sgd"));
    assertEquals(
        "optimizer prodigy has no option 'lr'; its options are [beta1, beta2, beta3, bias-correction,"
            + " d-coef, d0, decouple, eps, growth-rate, safeguard-warmup]",
        error("prodigy(lr=2)"));
    assertEquals(
        "optimizer adam has no option 'beta1'; its options are none", error("adam(beta1=0.8)"));
    assertEquals("prodigy.d0 must be a number, but was 'small'", error("prodigy(d0=small)"));
    assertEquals("prodigy.d0 must be finite and > 0, but was -1.0", error("prodigy(d0=-1)"));
    assertEquals("sf-adamw.beta1 must be in (0, 1), but was 0.0", error("sf-adamw(beta1=0)"));
    assertEquals("sf-adamw.beta2 must be in [0, 1), but was NaN", error("sf-adamw(beta2=NaN)"));
    assertEquals(
        "sf-adamw.warmup must be an integer, but was '1.5'", error("sf-adamw(warmup=1.5)"));
    assertEquals(
        "sf-adamw.warmup must be an integer >= 0, but was -3", error("sf-adamw(warmup=-3)"));
    assertEquals(
        "prodigy.growth-rate must be >= 1 (or inf for no limit), but was 0.5",
        error("prodigy(growth-rate=0.5)"));
    assertEquals(
        "prodigy.decouple must be true or false, but was 'maybe'",
        error("prodigy(decouple=maybe)"));
    assertEquals(
        "dog.reps-rel must be finite and > 0, but was Infinity", error("dog(reps-rel=inf)"));
    assertTrue(
        error("dog(reps-rel").startsWith("optimizer must be a name or name(key=value, ...)"));
    assertTrue(error("dog(reps-rel)").contains("'dog(reps-rel)'"), error("dog(reps-rel)"));
    assertTrue(error(null).contains("but was 'null'"));
  }
}
