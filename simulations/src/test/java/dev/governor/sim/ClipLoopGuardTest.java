package dev.governor.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.governor.control.PolicySpec;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code pi}'s clip loop on the curvature-noise NQM ({@link Bench#nqmCurvature()}, λ_max = 1,
 * stability bound 2): it must remove loss spikes, and it must never be the reason a run diverges.
 * Every baseline is measured in the same test.
 */
class ClipLoopGuardTest {
  static final Bench B = Bench.nqmCurvature();
  static final int SEEDS = 4;

  /**
   * The LR loop frozen at its initial LR and no other gear (no cut, guard or restart): only the
   * clip acts.
   */
  static final String FROZEN = "pi(kp=0, ki=0, decay=1, cut-growth=1e300, guard=off, restart=0";

  static List<RunResult> runs(String spec, double lrOverBound, long steps, Disturbance d) {
    List<RunSpec> specs = new ArrayList<>();
    for (long seed = 1; seed <= SEEDS; seed++) {
      Problem p = B.problem().create(seed);
      specs.add(
          new RunSpec(
              SimulatedTrainer.Config.of(B.problem(), B.optimizer(), seed).withDisturbance(d),
              PolicySpec.parse(spec).with("lr", lrOverBound * B.scale(p)),
              steps,
              B.target(p),
              1,
              ""));
    }
    List<RunResult> out = new ArrayList<>();
    for (RunSpec s : specs) {
      out.add(Runner.run(s));
    }
    return out;
  }

  static long diverged(List<RunResult> rs) {
    return rs.stream().filter(RunResult::diverged).count();
  }

  static double medianFinal(List<RunResult> rs) {
    return Stats.median(rs.stream().mapToDouble(RunResult::finalLoss).toArray());
  }

  /**
   * Sustained growth: η = 2.5 × the bound (ηλ_max = 5), so without a clip the top direction grows
   * by |1 − ηλ| = 4 per step. With any fixed threshold c a step moves θ by at most η·c, so the run
   * stays bounded; a loop that holds its 5 % clip rate raises c by its slew (×1.1) on every clipped
   * step and carries the growth on, up to its range (×1000 the first gradient norm, a loss ~1e6
   * times higher: diverged). The guarded loop holds c once the clip rate passes {@code
   * clip-hold-rate}: no divergence, and a final loss within 4× that of the fixed clip at 2.
   */
  @Test
  void underSustainedGrowthTheClipLoopHoldsLikeAFixedClip() {
    long steps = 600;
    List<RunResult> guarded = runs(FROZEN + ")", 2.5, steps, Disturbance.NONE);
    List<RunResult> chasing = runs(FROZEN + ", clip-hold-rate=1)", 2.5, steps, Disturbance.NONE);
    List<RunResult> fixed = runs(FROZEN + ", clip-loop=off, clip=2)", 2.5, steps, Disturbance.NONE);
    List<RunResult> none = runs(FROZEN + ", clip-loop=off)", 2.5, steps, Disturbance.NONE);
    assertEquals(SEEDS, diverged(none), "no clip: the scenario diverges");
    assertTrue(
        diverged(chasing) >= SEEDS - 1, "chasing the clip rate diverges: " + diverged(chasing));
    assertEquals(0, diverged(fixed), "a fixed clip keeps the run bounded");
    assertEquals(0, diverged(guarded), "the guarded clip loop never diverges here");
    double g = medianFinal(guarded);
    double f = medianFinal(fixed);
    assertTrue(g <= 4 * f, "guarded final loss " + g + " vs fixed clip " + f);
  }

  /**
   * Spikes: loss and gradient ×100 every 120 steps from step 600 (as the disturbance suite), guard
   * off and LR at 0.25 × the bound. Each unclipped spike throws θ far out (the step is 100× too
   * long) and the run spends most of the time after the first spike above the pre-event level
   * (wasted steps, {@link DisturbanceSuite#recovery}); the clip loop cuts each spike to its
   * threshold. Without the loop at least 10× as many steps are wasted (and at least 100).
   */
  @Test
  void theClipLoopRemovesSpikesThatWasteStepsWithoutIt() {
    long steps = 1200;
    long e = steps / 2;
    Disturbance d = Disturbance.spikes(e, steps / 10, 100);
    List<RunResult> on = runs("pi(guard=off)", 0.25, steps, d);
    List<RunResult> off = runs("pi(guard=off, clip-loop=off)", 0.25, steps, d);
    double[] wOn = on.stream().mapToDouble(r -> DisturbanceSuite.recovery(r, e, 1)[1]).toArray();
    double[] wOff = off.stream().mapToDouble(r -> DisturbanceSuite.recovery(r, e, 1)[1]).toArray();
    double mOn = Stats.median(wOn);
    double mOff = Stats.median(wOff);
    assertTrue(mOff >= 100, "without the clip loop spikes waste steps: " + mOff);
    assertTrue(mOff >= 10 * Math.max(1, mOn), "wasted with loop " + mOn + ", without " + mOff);
    assertEquals(0, diverged(on));
  }
}
