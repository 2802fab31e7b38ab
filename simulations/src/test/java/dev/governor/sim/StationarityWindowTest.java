package dev.governor.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.governor.control.PolicySpec;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The growing stationarity-test window of {@code pi}'s SGD LR loop on a training problem of the
 * bake-off ({@link Bench#nqmIsotropic()}: D = 50, λ_max = 20, isotropic noise, B = 8), 5 seeds,
 * initial LR 0.1 × the stability bound, against the fixed 100-step window it replaced ({@code
 * stat-window=100, stat-grow=1}), measured here.
 *
 * <p>Why it is faster: the loss settles within a few tens of steps after each halving while η is
 * still large (relaxation time ~1/(ηλ)), so a 40-step first window decays sooner; the window then
 * grows by √2 per decay, as the relaxation time does (slower than 1/η), so the late decays do not
 * outrun the slow directions. Median steps to the bake-off target: measured 412 against 608.
 */
class StationarityWindowTest {
  static double medianSteps(String spec) {
    List<Double> steps = new ArrayList<>();
    for (RunResult r : runs(Bench.nqmIsotropic(), spec, 0.1)) {
      steps.add(r.reachedTarget() ? r.stepsToTarget() : Double.POSITIVE_INFINITY);
    }
    return Stats.median(steps.stream().mapToDouble(Double::doubleValue).toArray());
  }

  /**
   * Seeds 1–5 of {@code b} under {@code spec} from {@code lrOverBound} × the stability bound, 3000
   * steps, the bench's target; none may diverge.
   */
  static List<RunResult> runs(Bench b, String spec, double lrOverBound) {
    List<RunResult> out = new ArrayList<>();
    for (long seed = 1; seed <= 5; seed++) {
      Problem p = b.problem().create(seed);
      RunResult r =
          Runner.run(
              new RunSpec(
                  SimulatedTrainer.Config.of(b.problem(), b.optimizer(), seed),
                  PolicySpec.parse(spec).with("lr", lrOverBound * b.scale(p)),
                  3000,
                  b.target(p),
                  0,
                  ""));
      assertEquals(false, r.diverged(), spec + ", seed " + seed);
      out.add(r);
    }
    return out;
  }

  @Test
  void theGrowingWindowReachesTheTargetSoonerThanTheFixedOne() {
    double grow = medianSteps("pi");
    double fixed = medianSteps("pi(stat-window=100, stat-grow=1)");
    assertTrue(Double.isFinite(grow), "defaults reach the target: " + grow);
    assertTrue(grow <= 0.85 * fixed, "growing window " + grow + ", fixed window " + fixed);
  }
}
