package dev.governor.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.governor.control.Hyperparameters;
import dev.governor.control.Observation;
import dev.governor.sim.ProblemConfig;
import dev.governor.sim.SimulatedTrainer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DataParallelPlantTest {

  static ProblemConfig nqm(int batch) {
    return SimulatedTrainer.Config.parse("nqm(dim=20,batch=" + batch + ")", "sgd", 1).problem();
  }

  /** Mean exact loss over steps [burnIn, burnIn + steps) under a constant LR. */
  static double steadyState(DataParallelPlant p, double lr, int burnIn, int steps) {
    Hyperparameters h = Hyperparameters.of(lr, Hyperparameters.NO_CLIP, 0);
    double sum = 0;
    for (int t = 0; t < burnIn + steps; t++) {
      p.step(t, h);
      if (t >= burnIn) {
        sum += p.exactLoss();
      }
    }
    return sum / steps;
  }

  /**
   * SGD with constant LR η on the NQM (hᵢ = 1/(i+1), i < 20; curvature noise: per-sample gradient
   * noise variance hᵢ, so a batch of b has variance hᵢ/b) has the stationary error variance vᵢ = η
   * / (b (2 − η hᵢ)) per coordinate (from e ← (1 − η h) e − η ξ) and the expected exact loss E(b) =
   * ½ Σ hᵢ vᵢ. NumPy, η = 0.5: E(16) = 0.031985290941857356, E(4) = 0.12794116376742942.
   *
   * <p>Four ranks of batch 4 average their gradients, so they must reach E(16), not E(4) (what an
   * average of four separate batch-4 runs would give).
   */
  @Test
  void fourRanksOfBatchBReachTheSteadyStateOfBatch4B() {
    double e16 = 0.031985290941857356;
    double e4 = 0.12794116376742942;
    double four = steadyState(new DataParallelPlant(nqm(4), 4, 11), 0.5, 2000, 40_000);
    System.out.println("4 ranks x batch 4: " + four + " (closed form of batch 16: " + e16 + ")");
    assertEquals(e16, four, 0.05 * e16, "4 ranks x batch 4 vs the closed form of batch 16");
    double one = steadyState(new DataParallelPlant(nqm(4), 1, 11), 0.5, 2000, 40_000);
    System.out.println("1 rank x batch 4: " + one + " (closed form of batch 4: " + e4 + ")");
    assertEquals(e4, one, 0.05 * e4, "1 rank x batch 4 vs the closed form of batch 4");
  }

  @Test
  void everyRankSeesItsOwnNoiseAndTheAggregateIsTheMeanLoss() {
    DataParallelPlant p = new DataParallelPlant(nqm(4), 3, 5);
    Observation agg = p.step(0, Hyperparameters.of(0.1, Hyperparameters.NO_CLIP, 0));
    var ranks = p.rankObservations();
    assertEquals(3, ranks.size());
    assertTrue(ranks.get(0).loss() != ranks.get(1).loss(), "independent noise per rank");
    double mean = (ranks.get(0).loss() + ranks.get(1).loss() + ranks.get(2).loss()) / 3;
    assertEquals(mean, agg.loss(), 0.0);
    assertEquals(12, agg.batchSize());
  }

  @Test
  void resetReturnsToTheStartPoint() {
    DataParallelPlant p = new DataParallelPlant(nqm(4), 2, 5);
    double start = p.exactLoss();
    Hyperparameters h = Hyperparameters.of(0.5, Hyperparameters.NO_CLIP, 0);
    for (int t = 0; t < 20; t++) {
      p.step(t, h);
    }
    assertTrue(p.exactLoss() < start);
    Observation o = p.step(20, h.withAction(dev.governor.control.GuardAction.RESET));
    // the step after the reset ran from the start point: its parameter norm is the start's
    DataParallelPlant fresh = new DataParallelPlant(nqm(4), 2, 5);
    Observation first = fresh.step(0, h);
    assertEquals(first.paramNorm(), o.paramNorm(), 0.0);
  }

  @Test
  void aCheckpointRestoresTheRanksBitForBit(@TempDir Path tmp) throws Exception {
    Hyperparameters h = Hyperparameters.of(0.3, 1.0, 0.001);
    DataParallelPlant a = new DataParallelPlant(nqm(4), 4, 9);
    for (int t = 0; t < 50; t++) {
      a.step(t, h);
    }
    Path dir = Files.createDirectories(tmp.resolve("ck"));
    a.saveCheckpoint(dir);
    DataParallelPlant b = new DataParallelPlant(nqm(4), 4, 9);
    b.loadCheckpoint(dir);
    for (int t = 50; t < 80; t++) {
      assertEquals(a.step(t, h), b.step(t, h));
    }
  }
}
