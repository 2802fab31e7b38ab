package dev.governor.sim;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.governor.control.PolicySpec;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/**
 * The SGD form's restart on the bake-off's logistic regression ({@code logreg-30}) started 10 ×
 * beyond the SGD stability edge 2/λ<sub>max</sub>: the first steps drive the weights into the
 * sigmoids' flat tails, where the safety cut does not see an explosion and no later LR repairs the
 * damage. The target is the bake-off's own rule for such problems, L* + 0.02 on the exact loss, and
 * the runs go through the bake-off's {@link Runner}; the baseline is the same policy with {@code
 * restart=0}, run in the same test on the same seeds.
 */
class PiRestartSimTest {
  private static final long STEPS = 1000;
  private static final int SEEDS = 5;

  /** Whether the run of {@code options} from seed {@code seed} reaches the target. */
  private static boolean reaches(String options, long seed) {
    ProblemConfig pc = ProblemConfig.parse("logreg(dim=30, examples=2048, batch=8)");
    Problem problem = pc.create(seed);
    double lr0 = 10 * 2 / problem.lambdaMax();
    RunSpec spec =
        new RunSpec(
            SimulatedTrainer.Config.of(pc, OptimizerSpec.parse("sgd"), seed),
            PolicySpec.parse(String.format(Locale.ROOT, "pi(lr=%s%s)", lr0, options)),
            STEPS,
            problem.minLoss() + 0.02,
            1,
            "");
    return Runner.run(spec).stepsToTarget() >= 0;
  }

  @Test
  void restartReachesTheTargetFromTenTimesTheEdgeWhereTheLoopWithoutItDoesNot() {
    int with = 0;
    int without = 0;
    for (long seed = 1; seed <= SEEDS; seed++) {
      with += reaches("", seed) ? 1 : 0;
      without += reaches(", restart=0", seed) ? 1 : 0;
    }
    assertTrue(
        with > SEEDS / 2 && with > without,
        "restart reached the target in " + with + " of " + SEEDS + ", without it " + without);
  }
}
