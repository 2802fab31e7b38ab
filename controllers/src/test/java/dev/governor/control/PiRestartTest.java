package dev.governor.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * {@code pi}'s restart: within 10 steps of the start (or of the last restart) a loss above {@code
 * restart} × the first loss, or a step longer than a tenth of the parameter norm, decides RESET at
 * the safety cut's rate {@code min(η·cut, 1/ŝ)}. Observations are scripted, so every expected rate
 * is a closed form of the configuration (cut 0.5, LR floor 1e-4 × lr).
 */
class PiRestartTest {

  /** Options that keep the other loops out of the decision's LR: no clip loop, no guard. */
  private static final String QUIET = "clip-loop=false, guard=off";

  private static Observation obs(long t, double loss, double sharpness) {
    return Observation.builder(t)
        .loss(loss)
        .gradNorm(1.0)
        .paramNorm(10.0)
        .updateNorm(0.1)
        .alignment(Double.NaN) // the PI holds its output: only restarts move the LR
        .sharpness(sharpness)
        .lr(1.0)
        .build();
  }

  private static Decision decide(Policy p, Observation o) {
    Decision d = new Decision();
    p.decide(o, d);
    return d;
  }

  @Test
  void aLossAboveTwiceTheFirstRestartsAtTheSafetyCutsRate() {
    Policy p = Policies.create("pi(lr=1, " + QUIET + ")");
    assertEquals(GuardAction.NONE, decide(p, obs(0, 1.0, Double.NaN)).action);
    Decision d = decide(p, obs(1, 2.5, 4.0));
    assertEquals(GuardAction.RESET, d.action);
    // min(1 x 0.5, 1/4) = 0.25: the secant bound binds
    assertEquals(0.25, d.lr, 1e-15);
    // without a sharpness only the cut factor: 0.25 x 0.5
    Decision e = decide(p, obs(2, 3.0, Double.NaN));
    assertEquals(GuardAction.RESET, e.action);
    assertEquals(0.125, e.lr, 1e-15);
  }

  @Test
  void exactlyTwiceTheFirstLossAndNanLossesDoNotRestartButAnInfiniteLossDoes() {
    Policy p = Policies.create("pi(lr=1, " + QUIET + ")");
    decide(p, obs(0, 1.0, Double.NaN));
    assertEquals(GuardAction.NONE, decide(p, obs(1, 2.0, Double.NaN)).action);
    assertEquals(GuardAction.NONE, decide(p, obs(2, Double.NaN, Double.NaN)).action);
    Decision d = decide(p, obs(3, Double.POSITIVE_INFINITY, Double.NaN));
    assertEquals(GuardAction.RESET, d.action);
    assertTrue(d.lr <= 0.5 && d.lr > 0, "lr " + d.lr);
  }

  @Test
  void theFirstPositiveFiniteLossIsTheReferenceAndTheWindowIsTenSteps() {
    Policy p = Policies.create("pi(lr=1, " + QUIET + ")");
    // a NaN first loss is not measured: the reference is the loss of step 1
    decide(p, obs(0, Double.NaN, Double.NaN));
    decide(p, obs(1, 4.0, Double.NaN));
    assertEquals(GuardAction.NONE, decide(p, obs(2, 7.9, Double.NaN)).action);
    for (long t = 3; t <= 11; t++) {
      decide(p, obs(t, 4.0, Double.NaN));
    }
    // steps seen before step 12: 12 (0..11), outside the window of 10
    assertEquals(GuardAction.NONE, decide(p, obs(12, 100.0, Double.NaN)).action);

    Policy q = Policies.create("pi(lr=1, " + QUIET + ")");
    for (long t = 0; t < 10; t++) {
      decide(q, obs(t, 1.0, Double.NaN));
    }
    // step 10: ten steps seen before it, still inside
    assertEquals(GuardAction.RESET, decide(q, obs(10, 2.5, Double.NaN)).action);
  }

  /**
   * Step {@code t} with a falling loss, parameter norm {@code param} and update norm {@code
   * update}.
   */
  private static Observation moved(long t, double param, double update) {
    return Observation.builder(t)
        .loss(1.0 / (t + 1))
        .gradNorm(1.0)
        .paramNorm(param)
        .updateNorm(update)
        .alignment(Double.NaN)
        .lr(1.0)
        .build();
  }

  @Test
  void aStepLongerThanATenthOfTheWeightsRestartsThoughTheLossFell() {
    for (String policy :
        new String[] {"pi(lr=1, " + QUIET + ")", "constant(lr=1, gear=standard)"}) {
      Policy p = Policies.create(policy);
      // step 0 sets the loss reference; a move is not judged before it
      assertEquals(GuardAction.NONE, decide(p, moved(0, 10, 5)).action, policy);
      // exactly a tenth does not restart, more than a tenth does, at the cut's rate 1 x 0.5
      assertEquals(GuardAction.NONE, decide(p, moved(1, 10, 1.0)).action, policy);
      Decision d = decide(p, moved(2, 10, 1.0000001));
      assertEquals(GuardAction.RESET, d.action, policy);
      assertEquals(0.5, d.lr, 1e-15, policy);
      // an infinite update is a step too long; no scale (θ = 0, NaN or infinite norm) or a NaN
      // update judges nothing
      assertEquals(GuardAction.RESET, decide(p, moved(3, 10, Double.POSITIVE_INFINITY)).action);
      assertEquals(GuardAction.NONE, decide(p, moved(4, 0, 1)).action, policy);
      assertEquals(GuardAction.NONE, decide(p, moved(5, Double.NaN, 1)).action, policy);
      assertEquals(
          GuardAction.NONE, decide(p, moved(6, Double.POSITIVE_INFINITY, 1)).action, policy);
      assertEquals(GuardAction.NONE, decide(p, moved(7, 10, Double.NaN)).action, policy);
    }
    // outside the window a long step is the loop's business, not the restart's
    Policy q = Policies.create("pi(lr=1, " + QUIET + ")");
    for (long t = 0; t <= 11; t++) {
      decide(q, moved(t, 10, 0.1));
    }
    assertEquals(GuardAction.NONE, decide(q, moved(12, 10, 50)).action);
    // and with the restart off, not at all
    Policy off = Policies.create("pi(lr=1, restart=0, " + QUIET + ")");
    decide(off, moved(0, 10, 0.1));
    assertEquals(GuardAction.NONE, decide(off, moved(1, 10, 50)).action);
  }

  @Test
  void restartMoveSetsTheLongestStepAndZeroLeavesTheLossAlone() {
    Policy wide = Policies.create("pi(lr=1, restart-move=0.5, " + QUIET + ")");
    decide(wide, moved(0, 10, 0.1));
    assertEquals(GuardAction.NONE, decide(wide, moved(1, 10, 5)).action);
    assertEquals(GuardAction.RESET, decide(wide, moved(2, 10, 5.0001)).action);
    for (String policy :
        new String[] {
          "pi(lr=1, restart-move=0, " + QUIET + ")", "constant(lr=1, gear=standard, restart-move=0)"
        }) {
      Policy p = Policies.create(policy);
      decide(p, moved(0, 10, 0.1));
      assertEquals(GuardAction.NONE, decide(p, moved(1, 10, 1e6)).action, policy);
      // the loss still restarts it
      assertEquals(GuardAction.RESET, decide(p, obs(2, 5.0, Double.NaN)).action, policy);
    }
    assertEquals(0.1, PiPolicyConfig.defaults().lr().restartMove(), 0);
    String[][] bad = {{"-1", "-1"}, {"inf", "Infinity"}, {"NaN", "NaN"}};
    for (String[] b : bad) {
      IllegalArgumentException e =
          assertThrows(
              IllegalArgumentException.class,
              () -> Policies.create("pi(restart-move=" + b[0] + ")"));
      assertTrue(
          e.getMessage().contains("pi.restart-move") && e.getMessage().contains(b[1]),
          e.getMessage());
    }
  }

  @Test
  void restartsStopAfterFourteenHalvingsAndNeverGoBelowTheFloor() {
    Policy p = Policies.create("pi(lr=1, " + QUIET + ")");
    decide(p, obs(0, 1.0, Double.NaN));
    double lr = 1;
    for (int k = 1; k <= StartRestart.MAX; k++) {
      Decision d = decide(p, obs(k, 3.0, Double.NaN));
      assertEquals(GuardAction.RESET, d.action, "restart " + k);
      lr = Math.max(1e-4, lr * 0.5);
      assertEquals(lr, d.lr, 1e-15 * lr, "restart " + k);
    }
    // 0.5^14 = 6.1e-5 is below the floor 1e-4 x lr: the last one lands on the floor
    assertEquals(1e-4, lr, 0);
    assertEquals(GuardAction.NONE, decide(p, obs(15, 3.0, Double.NaN)).action);
  }

  @Test
  void offWithZeroAndByDefaultInTheAdaptiveForm() {
    Policy off = Policies.create("pi(lr=1, restart=0, " + QUIET + ")");
    decide(off, obs(0, 1.0, Double.NaN));
    assertEquals(GuardAction.NONE, decide(off, obs(1, 50.0, Double.NaN)).action);
    PiPolicyConfig sgd = PiPolicyConfig.from(PolicySpec.parse("pi"));
    assertEquals(2.0, sgd.lr().restart(), 0);
    PiPolicyConfig adam = PiPolicyConfig.from(PolicySpec.parse("pi(optimizer=adaptive)"));
    assertEquals(0.0, adam.lr().restart(), 0);
    PiPolicyConfig given =
        PiPolicyConfig.from(PolicySpec.parse("pi(optimizer=adaptive, restart=3)"));
    assertEquals(3.0, given.lr().restart(), 0);
  }

  @Test
  void aRestartFactorOfOneOrLessIsRejectedWithItsName() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Policies.create("pi(restart=1)"));
    assertTrue(
        e.getMessage().contains("pi.restart") && e.getMessage().contains("1"), e.getMessage());
  }

  @Test
  void aSnapshotTakenInsideTheWindowRestoresTheRestartState() {
    Policy p = Policies.create("pi(lr=1, " + QUIET + ")");
    decide(p, obs(0, 1.0, Double.NaN));
    decide(p, obs(1, 3.0, Double.NaN));
    PolicyState s = p.snapshot();
    Policy q = Policies.create("pi(lr=1, " + QUIET + ")");
    q.restore(s);
    Decision a = decide(p, obs(2, 3.0, Double.NaN));
    Decision b = decide(q, obs(2, 3.0, Double.NaN));
    assertEquals(GuardAction.RESET, b.action);
    assertEquals(a.lr, b.lr, 0);
  }

  @Test
  void theStandardGearRestartsOnTheSameStepsAtTheSameRateAsPi() {
    Policy pi = Policies.create("pi(lr=1, " + QUIET + ")");
    Policy geared = Policies.create("constant(lr=1, gear=standard)");
    Policy off = Policies.create("constant(lr=1, gear=standard, restart=0)");
    double[] losses = {1.0, 1.5, 2.5, 1.0, 3.0};
    double[] sharp = {Double.NaN, 8.0, 4.0, Double.NaN, Double.NaN};
    for (int t = 0; t < losses.length; t++) {
      Observation o = obs(t, losses[t], sharp[t]);
      Decision a = decide(pi, o);
      Decision b = decide(geared, o);
      assertEquals(a.action, b.action, "step " + t);
      assertEquals(a.lr, b.lr, 1e-15, "step " + t);
      assertEquals(GuardAction.NONE, decide(off, o).action, "step " + t);
    }
    // the script restarts at steps 2 (min(0.5, 1/4) = 0.25) and 4 (0.125)
    Policy again = Policies.create("constant(lr=1, gear=standard)");
    GuardAction[] want = {
      GuardAction.NONE, GuardAction.NONE, GuardAction.RESET, GuardAction.NONE, GuardAction.RESET
    };
    double lr = 1;
    for (int t = 0; t < losses.length; t++) {
      Decision d = decide(again, obs(t, losses[t], sharp[t]));
      assertEquals(want[t], d.action, "step " + t);
      lr = t == 2 ? 0.25 : t == 4 ? 0.125 : lr;
      assertEquals(lr, d.lr, 1e-15, "step " + t);
    }
    assertEquals(GuardAction.NONE, decide(Policies.create("constant(lr=1)"), obs(0, 1, 1)).action);
  }
}
