package dev.governor.sim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.governor.control.GuardAction;
import dev.governor.control.Hyperparameters;
import dev.governor.control.Observation;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PlantTest {

  /** A noise-free 2-d quadratic with h = (4, 1): h_i = 4·i^(−2). */
  private static ProblemConfig.Nqm quad() {
    return new ProblemConfig.Nqm(2, 4.0, 2.0, NoiseKind.ISOTROPIC, 0.0, 1, 1.0, 1.0);
  }

  private static SimulatedTrainer plant(ProblemConfig p, OptimizerKind k, long seed) {
    return SimulatedTrainer.of(SimulatedTrainer.Config.of(p, k, seed));
  }

  @Test
  void sgdStepMatchesHandComputation() {
    SimulatedTrainer t = plant(quad(), OptimizerKind.SGD, 3);
    NqmProblem p = (NqmProblem) t.problem();
    double[] x0 = t.parameters();
    double g0 = 4 * (x0[0] - p.optimum(0));
    double g1 = 1 * (x0[1] - p.optimum(1));
    Observation o = t.step(0, 0.1, Hyperparameters.NO_CLIP, 0.5, GuardAction.NONE);
    double[] x1 = t.parameters();
    // θ ← θ − η(g + λθ)
    assertEquals(x0[0] - 0.1 * (g0 + 0.5 * x0[0]), x1[0], 1e-15);
    assertEquals(x0[1] - 0.1 * (g1 + 0.5 * x0[1]), x1[1], 1e-15);
    assertEquals(Math.hypot(g0, g1), o.gradNorm(), 1e-14);
    assertEquals(Math.hypot(x0[0], x0[1]), o.paramNorm(), 1e-14);
    assertEquals(Math.hypot(x1[0] - x0[0], x1[1] - x0[1]), o.updateNorm(), 1e-14);
    // noise-free mini-batch loss is the exact loss: ½(4 d0² + d1²) = ½ Σ g²/h
    assertEquals(0.5 * (g0 * g0 / 4 + g1 * g1), o.loss(), 1e-12);
    assertTrue(Double.isNaN(o.alignment()) && Double.isNaN(o.sharpness()));
    Observation o2 = t.step(1, 0.1, Hyperparameters.NO_CLIP, 0.0, GuardAction.NONE);
    // on a noise-free quadratic the secant sharpness lies in [h_min, h_max] = [1, 4]
    assertTrue(o2.sharpness() >= 1 - 1e-12 && o2.sharpness() <= 4 + 1e-12, "" + o2.sharpness());
    assertTrue(o2.alignment() > 0.9, "small steps keep the gradient direction: " + o2.alignment());
  }

  @Test
  void clippingLimitsTheUpdateToLrTimesClip() {
    SimulatedTrainer t = plant(quad(), OptimizerKind.SGD, 4);
    Observation o = t.step(0, 0.1, 1e-3, 0.0, GuardAction.NONE);
    assertTrue(o.gradNorm() > 1e-3);
    assertEquals(0.1 * 1e-3, o.updateNorm(), 1e-15);
    assertTrue(o.clipped());
  }

  @Test
  void adamFirstStepIsLrTimesSignAndAdamwDecaysDecoupled() {
    SimulatedTrainer a = plant(quad(), OptimizerKind.ADAMW, 5);
    double[] x0 = a.parameters();
    NqmProblem p = (NqmProblem) a.problem();
    a.step(0, 0.01, Hyperparameters.NO_CLIP, 0.1, GuardAction.NONE);
    double[] x1 = a.parameters();
    for (int i = 0; i < 2; i++) {
      double g = p.curvature(i) * (x0[i] - p.optimum(i));
      // bias-corrected m̂/√v̂ = g/|g| (up to ε) on the first step; decay η·λ·θ on top
      double expected = x0[i] - 0.01 * (Math.signum(g) + 0.1 * x0[i]);
      assertEquals(expected, x1[i], 1e-9);
    }
    SimulatedTrainer b = plant(quad(), OptimizerKind.ADAM, 5);
    b.step(0, 0.01, Hyperparameters.NO_CLIP, 0.1, GuardAction.NONE);
    double[] y1 = b.parameters();
    for (int i = 0; i < 2; i++) {
      double g = p.curvature(i) * (x0[i] - p.optimum(i)) + 0.1 * x0[i];
      // L2 inside the moments: the first step is η·sign(g + λθ)
      assertEquals(x0[i] - 0.01 * Math.signum(g), y1[i], 1e-9);
    }
  }

  @Test
  void momentumAccumulatesVelocity() {
    SimulatedTrainer t = plant(quad(), OptimizerKind.MOMENTUM, 6);
    NqmProblem p = (NqmProblem) t.problem();
    double[] x0 = t.parameters();
    t.step(0, 0.05, Hyperparameters.NO_CLIP, 0, GuardAction.NONE);
    double[] x1 = t.parameters();
    t.step(1, 0.05, Hyperparameters.NO_CLIP, 0, GuardAction.NONE);
    double[] x2 = t.parameters();
    for (int i = 0; i < 2; i++) {
      double h = p.curvature(i);
      double v1 = h * (x0[i] - p.optimum(i));
      double v2 = 0.9 * v1 + h * (x1[i] - p.optimum(i));
      assertEquals(x1[i] - 0.05 * v2, x2[i], 1e-14);
    }
  }

  @Test
  void skipUndoesTheLastUpdateAndRollbackRestoresASnapshot() {
    ProblemConfig.Nqm p = ProblemConfig.Nqm.defaults().withSpectrum(10, 1, 1);
    SimulatedTrainer t =
        SimulatedTrainer.of(
            new SimulatedTrainer.Config(p, OptimizerKind.ADAM, 9, Disturbance.NONE, 3, 10));
    for (int s = 0; s < 5; s++) {
      t.step(s, 0.01, Hyperparameters.NO_CLIP, 0, GuardAction.NONE);
    }
    double[] before = t.parameters();
    t.step(5, 0.01, Hyperparameters.NO_CLIP, 0, GuardAction.NONE);
    assertFalse(java.util.Arrays.equals(before, t.parameters()));
    // SKIP before step 6 undoes step 5's update; step 6 then moves from `before`
    SimulatedTrainer twin =
        SimulatedTrainer.of(
            new SimulatedTrainer.Config(p, OptimizerKind.ADAM, 9, Disturbance.NONE, 3, 10));
    for (int s = 0; s < 5; s++) {
      twin.step(s, 0.01, Hyperparameters.NO_CLIP, 0, GuardAction.NONE);
    }
    Observation o = t.step(6, 0.01, Hyperparameters.NO_CLIP, 0, GuardAction.SKIP);
    assertEquals(1, t.skips());
    assertTrue(Double.isNaN(o.alignment()), "no previous gradient after a skip");
    assertArrayEquals(before, twinParamsBefore(before), 0);
    assertEquals(o.paramNorm(), norm(before), 1e-12);
    // snapshots were taken at steps 0 and 10 (state before those steps)
    for (int s = 7; s < 15; s++) {
      t.step(s, 0.01, Hyperparameters.NO_CLIP, 0, GuardAction.NONE);
    }
    SimulatedTrainer fresh =
        SimulatedTrainer.of(
            new SimulatedTrainer.Config(p, OptimizerKind.ADAM, 9, Disturbance.NONE, 3, 10));
    Observation r = t.step(15, 0.01, Hyperparameters.NO_CLIP, 0, GuardAction.ROLLBACK);
    Observation r2 = t.step(16, 0.01, Hyperparameters.NO_CLIP, 0, GuardAction.ROLLBACK);
    // the first rollback restores the snapshot of step 10, the second the one of step 0 (start)
    assertEquals(norm(fresh.parameters()), r2.paramNorm(), 1e-12);
    assertNotEquals(r.paramNorm(), r2.paramNorm());
    assertEquals(2, t.rollbacks());
  }

  private static double[] twinParamsBefore(double[] before) {
    return before.clone();
  }

  private static double norm(double[] a) {
    double s = 0;
    for (double v : a) {
      s += v * v;
    }
    return Math.sqrt(s);
  }

  @Test
  void checkpointResumesBitForBit(@TempDir Path dir) throws IOException {
    SimulatedTrainer.Config c =
        SimulatedTrainer.Config.of(ProblemConfig.Nqm.defaults(), OptimizerKind.ADAMW, 11);
    SimulatedTrainer a = SimulatedTrainer.of(c);
    for (int s = 0; s < 37; s++) {
      a.step(s, 0.01, 5.0, 0.01, s == 20 ? GuardAction.SKIP : GuardAction.NONE);
    }
    a.saveCheckpoint(dir);
    List<Observation> expected = new ArrayList<>();
    for (int s = 37; s < 80; s++) {
      expected.add(a.step(s, 0.01, 5.0, 0.01, s == 60 ? GuardAction.ROLLBACK : GuardAction.NONE));
    }
    SimulatedTrainer b = SimulatedTrainer.of(c);
    b.loadCheckpoint(dir);
    assertEquals(37, b.nextStep());
    for (int s = 37; s < 80; s++) {
      assertEquals(
          expected.get(s - 37),
          b.step(s, 0.01, 5.0, 0.01, s == 60 ? GuardAction.ROLLBACK : GuardAction.NONE));
    }
    // another configuration refuses the checkpoint, naming both
    SimulatedTrainer other = SimulatedTrainer.of(c.withSeed(12));
    IOException e = assertThrows(IOException.class, () -> other.loadCheckpoint(dir));
    assertTrue(e.getMessage().contains("seed=11"), e.getMessage());
    Files.write(dir.resolve("simulated-plant.bin"), new byte[] {0x47, 0x53});
    assertThrows(IOException.class, () -> b.loadCheckpoint(dir));
  }

  @Test
  void rejectsOutOfOrderStepsAndBadValues() {
    SimulatedTrainer t = plant(quad(), OptimizerKind.SGD, 1);
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> t.step(1, 0.1, Hyperparameters.NO_CLIP, 0, GuardAction.NONE));
    assertEquals("step must be 0, but was 1", e.getMessage());
    assertThrows(
        IllegalArgumentException.class,
        () -> t.step(0, Double.NaN, Hyperparameters.NO_CLIP, 0, GuardAction.NONE));
    assertThrows(
        IllegalArgumentException.class,
        () -> t.step(0, Hyperparameters.of(0.1, 1, 0).withLayerLrMultipliers(2.0)));
  }

  @Test
  void disturbancesActAtTheirSteps() {
    ProblemConfig.Nqm p = new ProblemConfig.Nqm(2, 4.0, 2.0, NoiseKind.ISOTROPIC, 0.0, 8, 1, 1);
    Disturbance d =
        Disturbance.curvatureJump(3, 10)
            .and(Disturbance.spikes(5, 1000, 100))
            .and(Disturbance.batchChange(4, 2));
    SimulatedTrainer t =
        SimulatedTrainer.of(SimulatedTrainer.Config.of(p, OptimizerKind.SGD, 2).withDisturbance(d));
    double lr = 1e-9;
    Observation[] o = new Observation[7];
    for (int s = 0; s < 7; s++) {
      o[s] = t.step(s, lr, Hyperparameters.NO_CLIP, 0, GuardAction.NONE);
    }
    // with a tiny LR the point barely moves: the gradient norm jumps ×10 at step 3, ×100 more at 5
    assertEquals(10, o[3].gradNorm() / o[2].gradNorm(), 1e-3);
    assertEquals(100, o[5].gradNorm() / o[4].gradNorm(), 1e-2);
    assertEquals(1, o[6].gradNorm() / o[4].gradNorm(), 1e-3);
    assertEquals(8, o[3].batchSize());
    assertEquals(2, o[4].batchSize());
  }
}
