package dev.governor.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class SpikeGuardTest {

  /** Loss alternating 1.0 / 1.2 (mean 1.1, sample sd 0.1005 over 20), gradient norm e^0 / e^0.2. */
  static SpikeGuard warmed(GuardConfig c, int n) {
    SpikeGuard g = SpikeGuard.of(c);
    for (int t = 0; t < n; t++) {
      assertEquals(
          GuardAction.NONE, g.check(t % 2 == 0 ? 1.0 : 1.2, Math.exp(t % 2 == 0 ? 0 : 0.2)));
    }
    return g;
  }

  @Test
  void zScoresAndLevels() {
    GuardConfig c = new GuardConfig(20, 10, 3, 5, 8, 0.5);
    SpikeGuard g = warmed(c, 20);
    // window of 20: mean 1.1, sd = sqrt(20 * 0.01 / 19) = 0.102598...
    double sd = Math.sqrt(20 * 0.01 / 19);
    assertEquals(GuardAction.NONE, g.check(1.1 + 2.9 * sd, Math.exp(0.1)));
    assertEquals(2.9, g.lossZ(), 1e-9);
    g = warmed(c, 20); // (the accepted z = 2.9 sample moved the window)
    assertEquals(GuardAction.CLIP, g.check(1.1 + 3.5 * sd, Math.exp(0.1)));
    assertEquals(3.5, g.lossZ(), 1e-9);
    // the spike was not added to the window; a normal step resets the escalation
    assertEquals(GuardAction.NONE, g.check(1.1, Math.exp(0.1)));
    assertEquals(GuardAction.SKIP, warmed(c, 20).check(1.1 + 6 * sd, 1));
    assertEquals(GuardAction.ROLLBACK, warmed(c, 20).check(1.1 + 9 * sd, 1));
    // gradient spike: log-norm z = (1.1 − 0.1)/sd(log g) = 1.0 / 0.1026 ≈ 9.7 → ROLLBACK
    assertEquals(GuardAction.ROLLBACK, warmed(c, 20).check(1.1, Math.exp(1.1)));
  }

  @Test
  void consecutiveSpikesEscalate() {
    GuardConfig c = new GuardConfig(20, 10, 3, 5, 8, 0.5);
    SpikeGuard g = warmed(c, 20);
    double spike = 1.1 + 4 * Math.sqrt(20 * 0.01 / 19); // z = 4: CLIP level
    assertEquals(GuardAction.CLIP, g.check(spike, 1));
    assertEquals(GuardAction.SKIP, g.check(spike, 1));
    assertEquals(GuardAction.ROLLBACK, g.check(spike, 1));
    assertEquals(GuardAction.CLIP, g.check(spike, 1)); // counting restarts after a rollback
    assertEquals(4, g.spikes());
  }

  @Test
  void nonFiniteValuesRollBackAtOnceAndNanGradIsNotMeasured() {
    GuardConfig c = GuardConfig.defaults();
    SpikeGuard g = SpikeGuard.of(c);
    assertEquals(GuardAction.ROLLBACK, g.check(Double.NaN, 1));
    assertEquals(GuardAction.ROLLBACK, g.check(Double.POSITIVE_INFINITY, 1));
    assertEquals(GuardAction.ROLLBACK, g.check(1, Double.POSITIVE_INFINITY));
    assertEquals(GuardAction.NONE, g.check(1, Double.NaN));
    assertTrue(Double.isNaN(g.gradZ()));
  }

  @Test
  void threeRollbacksInARowRelearnTheLevel() {
    GuardConfig c = new GuardConfig(20, 10, 3, 5, 8, 0.5);
    SpikeGuard g = warmed(c, 20);
    for (int k = 0; k < 3; k++) {
      assertEquals(GuardAction.ROLLBACK, g.check(100, 1));
    }
    // window cleared: the new level is accepted until enough samples exist again
    assertEquals(GuardAction.NONE, g.check(100, 1));
    assertTrue(Double.isNaN(g.lossZ()));
  }

  @Test
  void clipLimitIsTheClipLevelOfTheLogNorms() {
    GuardConfig c = new GuardConfig(20, 10, 3, 5, 8, 0.5);
    SpikeGuard g = SpikeGuard.of(c);
    assertEquals(Double.POSITIVE_INFINITY, g.clipLimit());
    g = warmed(c, 20);
    // log norms 0 / 0.2: mean 0.1, sd 0.102598; limit = exp(0.1 + 3 sd)
    assertEquals(Math.exp(0.1 + 3 * Math.sqrt(20 * 0.01 / 19)), g.clipLimit(), 1e-12);
  }

  @Test
  void snapshotRestoreContinuesIdentically() {
    GuardConfig c = new GuardConfig(8, 4, 2, 3, 4, 0.5);
    SpikeGuard a = SpikeGuard.of(c);
    java.util.SplittableRandom r = new java.util.SplittableRandom(3);
    for (int t = 0; t < 37; t++) {
      a.check(1 + r.nextGaussian(), Math.exp(r.nextGaussian()));
    }
    PolicyState.Writer w = PolicyState.writer("g");
    a.writeState(w);
    SpikeGuard b = a.copy();
    b.readState(w.build().reader("g"));
    for (int t = 0; t < 100; t++) {
      double l = 1 + r.nextGaussian() * (t % 13 == 0 ? 10 : 1);
      double gn = Math.exp(r.nextGaussian());
      assertEquals(a.check(l, gn), b.check(l, gn));
      assertEquals(a.lossZ(), b.lossZ());
    }
  }

  @Test
  void configValidationNamesTheValue() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> new GuardConfig(3, 2, 3, 5, 8, 0.5));
    assertEquals("guard window must be >= 4, but was 3", e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> new GuardConfig(10, 2, 3, 5, 8, 1.0));
    assertEquals("guard lrCut must be in (0, 1), but was 1.0", e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class, () -> new GuardConfig(10, 2, Double.NaN, 5, 8, 0.5));
    assertEquals("guard zClip must be finite and > 0, but was NaN", e.getMessage());
  }

  @Test
  void piRollbackCutsTheLearningRate() {
    Policy p = Policies.create("pi(lr=0.1, clip-loop=false, guard-window=10, guard-min=5)");
    Decision d = new Decision();
    for (int t = 0; t < 10; t++) {
      p.decide(Observation.builder(t).loss(1 + 0.01 * (t % 2)).gradNorm(1).build(), d);
    }
    double before = d.lr;
    p.decide(Observation.builder(10).loss(Double.NaN).gradNorm(1).build(), d);
    assertEquals(GuardAction.ROLLBACK, d.action);
    assertEquals(before * 0.5, d.lr, 1e-15);
  }
}
