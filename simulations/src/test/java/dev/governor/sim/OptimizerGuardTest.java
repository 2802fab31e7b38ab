package dev.governor.sim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.governor.control.GuardAction;
import dev.governor.control.Observation;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * SKIP, ROLLBACK and checkpoint resume restore an optimizer's complete state (parameters, moments,
 * adapted step sizes, sums, counts, averaged points) bit for bit, for every optimizer.
 *
 * <p>SKIP and ROLLBACK are checked against a twin on a noise-free problem, where the gradient
 * depends on the state only: a SKIP before step t restores the state from before step t − 1's
 * update, so the run's state after step t must equal, bit for bit, that of a twin that simply ran
 * step t − 1 from the same state; likewise a ROLLBACK to the snapshot taken before step s.
 */
class OptimizerGuardTest {
  private static final ProblemConfig.Nqm QUIET =
      new ProblemConfig.Nqm(10, 1.0, 1.0, NoiseKind.ISOTROPIC, 0.0, 1, 1.0, 1.0);
  private static final double CLIP = 3.0;
  private static final double WD = 0.01;

  /** A learning rate each method runs stably with on these problems. */
  static double lr(OptimizerKind k) {
    return switch (k) {
      case SGD -> 0.1;
      case MOMENTUM -> 0.05;
      case ADAM, ADAMW -> 0.01;
      default -> k.defaultLr();
    };
  }

  private static SimulatedTrainer plant(OptimizerKind k, int ring, int every) {
    return SimulatedTrainer.of(
        new SimulatedTrainer.Config(QUIET, k, 4, Disturbance.NONE, ring, every));
  }

  private static void run(SimulatedTrainer t, int from, int to, OptimizerKind k) {
    for (int s = from; s < to; s++) {
      t.step(s, lr(k), CLIP, WD, GuardAction.NONE);
    }
  }

  static void assertSameState(SimulatedTrainer a, SimulatedTrainer b, String what) {
    OptimizerState x = a.optimizerState();
    OptimizerState y = b.optimizerState();
    assertEquals(x.vectors.length, y.vectors.length);
    for (int v = 0; v < x.vectors.length; v++) {
      assertArrayEquals(y.vectors[v], x.vectors[v], 0.0, what + ": vector " + v);
    }
    assertArrayEquals(y.scalars, x.scalars, 0.0, what + ": scalars " + a.optimizerScalars());
  }

  @ParameterizedTest
  @EnumSource(OptimizerKind.class)
  void skipRestoresTheCompleteStateFromBeforeThePreviousUpdate(OptimizerKind k) {
    SimulatedTrainer a = plant(k, 4, 25);
    run(a, 0, 9, k);
    Observation o = a.step(9, lr(k), CLIP, WD, GuardAction.SKIP);
    SimulatedTrainer b = plant(k, 4, 25);
    run(b, 0, 8, k);
    Observation p = b.step(8, lr(k), CLIP, WD, GuardAction.NONE);
    assertSameState(a, b, k + " after SKIP");
    assertEquals(p.loss(), o.loss(), 0.0);
    assertEquals(p.paramNorm(), o.paramNorm(), 0.0);
    assertEquals(p.updateNorm(), o.updateNorm(), 0.0);
    assertTrue(Double.isNaN(o.alignment()) && Double.isNaN(o.sharpness()));
    assertEquals(1, a.skips());
    // the skipped update did change the state: the test would see a SKIP that restored nothing
    SimulatedTrainer c = plant(k, 4, 25);
    run(c, 0, 10, k);
    assertFalse(
        java.util.Arrays.equals(c.optimizerState().vectors[0], a.optimizerState().vectors[0]));
  }

  @ParameterizedTest
  @EnumSource(OptimizerKind.class)
  void rollbackRestoresTheSnapshotsNewestFirst(OptimizerKind k) {
    SimulatedTrainer a = plant(k, 3, 5);
    run(a, 0, 12, k);
    a.step(12, lr(k), CLIP, WD, GuardAction.ROLLBACK); // back to the state before step 10
    SimulatedTrainer b = plant(k, 3, 5);
    run(b, 0, 11, k);
    assertSameState(a, b, k + " after the first ROLLBACK");
    a.step(13, lr(k), CLIP, WD, GuardAction.ROLLBACK); // then to the one before step 5
    SimulatedTrainer c = plant(k, 3, 5);
    run(c, 0, 6, k);
    assertSameState(a, c, k + " after the second ROLLBACK");
    assertEquals(2, a.rollbacks());
  }

  @ParameterizedTest
  @EnumSource(OptimizerKind.class)
  void resetReturnsToTheStartStateAndEmptiesTheRing(OptimizerKind k) {
    SimulatedTrainer a = plant(k, 3, 5);
    run(a, 0, 12, k);
    a.step(12, lr(k), CLIP, WD, GuardAction.RESET); // back to the start, then one step
    SimulatedTrainer b = plant(k, 3, 5);
    run(b, 0, 1, k);
    assertSameState(a, b, k + " after RESET");
    // the ring's snapshots (steps 0, 5, 10) belonged to the discarded run: a ROLLBACK now finds
    // none and keeps the current state
    a.step(13, lr(k), CLIP, WD, GuardAction.ROLLBACK);
    run(b, 1, 2, k);
    assertSameState(a, b, k + " after RESET then ROLLBACK");
  }

  @ParameterizedTest
  @EnumSource(OptimizerKind.class)
  void checkpointResumesBitForBit(OptimizerKind k, @TempDir Path dir) throws IOException {
    SimulatedTrainer.Config c =
        new SimulatedTrainer.Config(
            ProblemConfig.Nqm.defaults().withSpectrum(20, 1, 1), k, 11, Disturbance.NONE, 3, 10);
    SimulatedTrainer a = SimulatedTrainer.of(c);
    double lr = lr(k);
    for (int s = 0; s < 37; s++) {
      a.step(s, lr, CLIP, WD, s == 20 ? GuardAction.SKIP : GuardAction.NONE);
    }
    a.saveCheckpoint(dir);
    List<Observation> expected = new ArrayList<>();
    for (int s = 37; s < 80; s++) {
      expected.add(a.step(s, lr, CLIP, WD, s == 60 ? GuardAction.ROLLBACK : GuardAction.NONE));
    }
    SimulatedTrainer b = SimulatedTrainer.of(c);
    b.loadCheckpoint(dir);
    for (int s = 37; s < 80; s++) {
      Observation o = b.step(s, lr, CLIP, WD, s == 60 ? GuardAction.ROLLBACK : GuardAction.NONE);
      assertEquals(expected.get(s - 37), o, k + " step " + s);
    }
    assertSameState(b, a, k + " after resume");
    assertTrue(Double.isFinite(a.exactLoss()), k + " stayed finite");
  }

  @Test
  void aCheckpointIsBoundToTheOptimizersHyperparameters(@TempDir Path dir) throws IOException {
    SimulatedTrainer.Config c =
        SimulatedTrainer.Config.of(QUIET, OptimizerSpec.parse("prodigy(d0=1e-4)"), 3);
    SimulatedTrainer a = SimulatedTrainer.of(c);
    a.step(0, 1, CLIP, 0, GuardAction.NONE);
    a.saveCheckpoint(dir);
    SimulatedTrainer other =
        SimulatedTrainer.of(SimulatedTrainer.Config.of(QUIET, OptimizerKind.PRODIGY, 3));
    IOException e = assertThrows(IOException.class, () -> other.loadCheckpoint(dir));
    assertTrue(e.getMessage().contains("prodigy(d0=1.0E-4)"), e.getMessage());
  }

  @Test
  void aCheckpointOfTheEarlierFormatIsRefusedByName(@TempDir Path dir) throws IOException {
    try (DataOutputStream out =
        new DataOutputStream(Files.newOutputStream(dir.resolve("simulated-plant.bin")))) {
      out.writeInt(0x47534d31);
      out.writeUTF("whatever");
    }
    SimulatedTrainer t = plant(OptimizerKind.SGD, 4, 25);
    IOException e = assertThrows(IOException.class, () -> t.loadCheckpoint(dir));
    assertTrue(e.getMessage().contains("earlier version"), e.getMessage());
  }
}
