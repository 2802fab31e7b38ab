package dev.governor.bench;

import dev.governor.control.GuardAction;
import dev.governor.sim.SimulatedTrainer;

/**
 * Simulation throughput on one core: coordinate updates per second of the NQM plant (D = 100,000,
 * plain SGD, isotropic noise), i.e. {@code D × steps / seconds}. Each coordinate update includes
 * the noise draw, the gradient, clipping, weight decay and the measurements an observation carries
 * (norms, alignment, sharpness).
 */
final class NqmThroughput {
  private NqmThroughput() {}

  static final int DIM = 100_000;

  /** Coordinate updates per second, best of {@code rounds} rounds of {@code steps} steps. */
  static double measure(int warmupSteps, int steps, int rounds) {
    SimulatedTrainer.Config cfg =
        SimulatedTrainer.Config.parse(
            "nqm(dim=" + DIM + ", noise=isotropic, lambda-max=1, batch=16)", "sgd", 7);
    double best = 0;
    try (SimulatedTrainer plant = SimulatedTrainer.of(cfg)) {
      long t = 0;
      for (int i = 0; i < warmupSteps; i++) {
        plant.step(t++, 0.01, Double.POSITIVE_INFINITY, 0.0, GuardAction.NONE);
      }
      for (int r = 0; r < rounds; r++) {
        long start = System.nanoTime();
        for (int i = 0; i < steps; i++) {
          plant.step(t++, 0.01, Double.POSITIVE_INFINITY, 0.0, GuardAction.NONE);
        }
        double secs = (System.nanoTime() - start) / 1e9;
        best = Math.max(best, (double) DIM * steps / secs);
      }
    }
    return best;
  }
}
