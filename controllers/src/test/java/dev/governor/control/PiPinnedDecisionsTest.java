package dev.governor.control;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Regression pin of {@code pi}: decisions on a stream with a guard-rollback burst, a gradient/loss
 * explosion (safety cuts, one with a sharpness bound) and a NaN loss, recorded from the code before
 * the safety cut's explosion detector became a class of its own ({@link ExplosionDetector}). The
 * refactor must keep {@code pi} bit for bit, so the values are compared exactly.
 */
class PiPinnedDecisionsTest {

  /**
   * 90 steps: noisy normal steps (loss 1..1.1, ‖g‖ 1..1.2, alignment −0.2..0.4, sharpness 4..5);
   * steps 40-45 an explosion (‖g‖ ×4 and loss ×16 per step, sharpness 30 at step 42), loss 50 at
   * step 60, NaN loss at step 70.
   */
  static List<Observation> explosionStream() {
    SplittableRandom r = new SplittableRandom(42);
    List<Observation> obs = new ArrayList<>();
    double g = 1;
    double loss = 1;
    for (int t = 0; t < 90; t++) {
      double gn = 1 + 0.2 * r.nextDouble();
      double l = 1 + 0.1 * r.nextDouble();
      double sharp = 4 + r.nextDouble();
      if (t >= 40 && t < 46) {
        g *= 4;
        loss *= 16;
        gn = g;
        l = loss;
        sharp = t == 42 ? 30.0 : 5.0;
      }
      if (t == 60) {
        l = 50;
      }
      if (t == 70) {
        l = Double.NaN;
      }
      obs.add(
          Observation.builder(t)
              .loss(l)
              .gradNorm(gn)
              .alignment(0.6 * r.nextDouble() - 0.2)
              .sharpness(sharp)
              .updateNorm(0.01)
              .paramNorm(10)
              .build());
    }
    return obs;
  }

  /** Steps whose decisions are pinned. */
  static final int[] STEPS = {39, 40, 42, 43, 45, 46, 70, 89};

  static void check(String spec, String actions, long cuts, double[][] pinned) {
    PiPolicy p = PiPolicy.of(PolicySpec.parse(spec));
    Decision d = new Decision();
    StringBuilder acts = new StringBuilder();
    int k = 0;
    for (Observation o : explosionStream()) {
      p.decide(o, d);
      acts.append(d.action.name().charAt(0));
      if (k < STEPS.length && o.step() == STEPS[k]) {
        String at = spec + " after step " + o.step();
        assertEquals(pinned[k][0], d.lr, 0.0, at + " lr");
        assertEquals(pinned[k][1], d.clip, 0.0, at + " clip");
        assertEquals(pinned[k][2], d.lrIntegral, 0.0, at + " lr integral");
        k++;
      }
    }
    assertEquals(actions, acts.toString(), spec + " actions (N/C/S/R per step)");
    assertEquals(cuts, p.lrCuts(), spec + " LR cuts");
  }

  /**
   * The options that give the two-sided alignment loop without the stationarity test (the LR loop
   * these decisions were recorded with): they must still reproduce it bit for bit.
   */
  static final String TWO_SIDED = "ki=0.1, lower=true, decay=1";

  @Test
  void twoSidedAlignmentLoopIsPinned() {
    check(
        "pi(lr=0.1, " + TWO_SIDED + ")",
        "NNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNRRRNNNNNNNNNNNNNNNNNNNNNNNNNNNRNNNNNNNNNNNNNNNNNNN",
        7,
        new double[][] {
          {0.13435787686143386, 2.0832747782913894, 0.2822899101268191},
          {0.06717893843071693, 1.3809778833838873, -0.41085727043312625},
          {0.016794734607679232, 2.0832747782913894, -1.797151631553017},
          {0.008397367303839614, 2.101058085893975, -2.487371293415176},
          {0.0020993418259599036, 2.142054613641265, -3.8764723394905425},
          {0.0021257445021745144, 2.1416123507307665, -3.8637602152486976},
          {0.00142623222268919, 2.1081822614031096, -4.2675611735565955},
          {0.0016241472774971275, 2.056151106826744, -4.1237448757060875}
        });
  }

  @Test
  void piOnACosineBaseWithOtherCutSettingsIsPinned() {
    check(
        "pi(lr=0.5, base=cosine, t-max=90, cut=0.3, cut-growth=3, " + TWO_SIDED + ")",
        "NNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNRRRNNNNNNNNNNNNNNNNNNNNNNNNNNNRNNNNNNNNNNNNNNNNNNN",
        7,
        new double[][] {
          {0.39422219333404923, 2.0832747782913894, 0.2822899101268191},
          {0.19711109666702462, 1.3809778833838873, -0.38104292142505153},
          {0.04927777416675616, 2.0832747782913894, -1.7044656613057518},
          {0.014783332250026846, 2.101058085893975, -2.8723842363624414},
          {0.0013304999025024167, 2.142054613641265, -5.2133091780312695},
          {0.0012985744909395798, 2.1416123507307665, -5.200597053789425},
          {2.1912037153649295E-4, 2.1081822614031096, -5.505802391462551},
          {5.0E-5, 2.056151106826744, -5.361986093612043}
        });
  }

  @Test
  void snapshotBytesArePinned() {
    // the state layout is part of the checkpoint format: the detector's four references stay
    // where LrLoop wrote them (after the PI controller's state, before lr and the cut count); the
    // LR loop's one-sided filter, decays and stationarity-test window (its loss fit, alignment sum
    // and ‖θ‖² changes with their update norms, then the windows since the last decay and the LR
    // at the current window's start) follow the
    // multipliers, and
    // the rise hold's first error sign, reached flag and bound, the cut-episode flag and the cut
    // freeze's loss level, filtered loss, trim and age, then the restart's first loss, steps since
    // the start or the last restart and restart count close the LR loop's state
    PiPolicy p = PiPolicy.of(PolicySpec.parse("pi(lr=0.1)"));
    Decision d = new Decision();
    for (Observation o : explosionStream().subList(0, 50)) {
      p.decide(o, d);
    }
    assertEquals(SNAPSHOT_HASH, java.util.Arrays.hashCode(p.snapshot().bytes()));
  }

  static final int SNAPSHOT_HASH = -952921643;
}
