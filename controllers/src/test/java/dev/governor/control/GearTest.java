package dev.governor.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The safety gear ({@link Gear}, {@link GearedPolicy}): a geared schedule takes the same guard
 * actions and the same cuts as {@code pi} on the same measurements; the cut is what makes an
 * exploding run's LR fall; the options' defaults are {@code pi}'s.
 */
class GearTest {

  /**
   * {@link PiPinnedDecisionsTest#explosionStream()} with alignment 0 — the setpoint of {@code pi}'s
   * LR loop, so its PI output stays 0 and {@code pi} with a cosine base runs exactly the cosine
   * until a cut: the two policies can then be compared step by step.
   */
  static List<Observation> neutralStream() {
    List<Observation> out = new ArrayList<>();
    for (Observation o : PiPinnedDecisionsTest.explosionStream()) {
      out.add(o.toBuilder().alignment(0).build());
    }
    return out;
  }

  @Test
  void gearedCosineCutsAndGuardsExactlyAsPi() {
    // (t-max 200 keeps the cut cosine above pi's absolute LR floor lr·1e-4 over the 90 steps; the
    // gear's floor is on the trim, 1e-4 × the inner LR; decay=1: the gear has no stationarity test)
    String piSpec = "pi(lr=0.5, base=cosine, t-max=200, clip-loop=false, decay=1)";
    String gearedSpec = "cosine(lr=0.5, t-max=200, gear=standard)";
    PiPolicy pi = PiPolicy.of(PolicySpec.parse(piSpec));
    GearedPolicy geared = (GearedPolicy) Policies.create(gearedSpec);
    assertEquals(pi.initial(), geared.initial());
    Decision a = new Decision();
    Decision b = new Decision();
    StringBuilder actions = new StringBuilder();
    for (Observation o : neutralStream()) {
      pi.decide(o, a);
      geared.decide(o, b);
      String at = "after step " + o.step();
      assertEquals(a.action, b.action, at);
      assertEquals(a.clip, b.clip, 0.0, at + " clip");
      assertEquals(a.lr, b.lr, 1e-12 * a.lr, at + " lr");
      assertEquals(a.lossZ, b.lossZ, 0.0, at + " loss z");
      actions.append(b.action.name().charAt(0));
    }
    // three guard rollbacks (steps 40-42), three safety cuts (43-45), a rollback on the NaN loss
    assertEquals(
        "NNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNRRRNNNNNNNNNNNNNNNNNNNNNNNNNNNRNNNNNNNNNNNNNNNNNNN",
        actions.toString());
    assertEquals(7, pi.lrCuts());
    assertEquals(7, geared.lrCuts());
    // the seven halvings of the applied LR persist: at the end the LR is about 0.5^7 × the cosine
    double ratio = b.lr / Schedules.cosine(0.5, 0, 200).lr(90);
    assertTrue(ratio < Math.pow(0.5, 6) && ratio > Math.pow(0.5, 8), "trim " + ratio);
  }

  @Test
  void theRangeTestsDeliberateBlowUpIsNotCutByTheGear() {
    // A sweep of 50 steps whose loss grows x4 per step from step 30 on: the range test reads it as
    // its blow-up (and stops), while the same stream makes the gear's safety cut fire on a geared
    // constant. Under gear the range test must decide exactly as without it during the sweep and
    // start its cosine at the same suggested LR.
    List<Observation> obs = new ArrayList<>();
    for (int t = 0; t < 60; t++) {
      double loss = t < 30 ? 2.0 - 0.02 * t : 1.4 * Math.pow(4, t - 29);
      double g = t < 30 ? 1.0 : Math.pow(4, t - 29);
      obs.add(
          Observation.builder(t)
              .loss(loss)
              .gradNorm(g)
              .paramNorm(1)
              .updateNorm(0.01)
              .sharpness(Double.NaN)
              .build());
    }
    Policy plain = Policies.create("lrfind(sweep-steps=50, t-max=200)");
    Policy geared = Policies.create("lrfind(sweep-steps=50, t-max=200, gear=standard)");
    Policy constant = Policies.create("constant(lr=0.1, gear=standard)");
    Decision a = new Decision();
    Decision b = new Decision();
    Decision c = new Decision();
    long lastSweep = -1;
    double constantAt = Double.NaN;
    for (Observation o : obs) {
      boolean sweeping = ((LrFindPolicy) plain).exploring();
      plain.decide(o, a);
      geared.decide(o, b);
      constant.decide(o, c);
      if (sweeping) {
        lastSweep = o.step();
        constantAt = c.lr;
        assertEquals(a.lr, b.lr, 0.0, "after step " + o.step());
        assertEquals(a.action, b.action, "after step " + o.step());
      }
    }
    // the sweep was still running when the gear, on the same stream, cut a geared constant
    assertTrue(lastSweep >= 32, "sweep ended at " + lastSweep);
    assertTrue(constantAt < 0.1 / 2, "the stream is an explosion to the gear: " + constantAt);
  }

  @Test
  void withoutTheCutAnExplodingRunKeepsItsLr() {
    // steps 40-45 explode (loss ×16 per step: above 10× its running level ≈ 1.05 and rising), so
    // each is cut to min(η_t/2, 1/ŝ) with ŝ = 5, and 30 at step 42:
    // η_41 = c40/2, η_42 = c40/4, η_43 = min(c40/8, 1/30) = 1/30 (c40 = cosine(40) = 0.2934),
    // η_44 = 1/60, η_45 = 1/120, η_46 = 1/240; then η = (1/240)·cosine(t)/cosine(46)
    List<Observation> obs = neutralStream();
    Policy cut = Policies.create("cosine(lr=0.5, t-max=90, safety-cut=on)");
    Policy none = Policies.create("cosine(lr=0.5, t-max=90, safety-cut=off)");
    Schedule cosine = Schedules.cosine(0.5, 0, 90);
    double c40 = cosine.lr(40);
    double[] cutLr = {c40 / 2, c40 / 4, 1 / 30.0, 1 / 60.0, 1 / 120.0, 1 / 240.0};
    Decision d = new Decision();
    Decision e = new Decision();
    for (Observation o : obs.subList(0, 60)) {
      cut.decide(o, d);
      none.decide(o, e);
      long t = o.step();
      double sched = cosine.lr(t + 1);
      assertEquals(sched, e.lr, 1e-15, "no cut: the schedule, after step " + t);
      double want = t < 40 ? sched : t <= 45 ? cutLr[(int) t - 40] : sched / 240 / cosine.lr(46);
      assertEquals(want, d.lr, 1e-12 * want, "cut, after step " + t);
    }
    assertEquals(6, ((GearedPolicy) cut).lrCuts());
  }

  @Test
  void aRollbackCutsTheLrByTheGuardCut() {
    Policy p = Policies.create("constant(lr=0.2, guard=on, guard-window=8, guard-min=4)");
    Decision d = new Decision();
    for (int t = 0; t < 10; t++) {
      p.decide(Observation.builder(t).loss(1 + 0.01 * (t % 3)).gradNorm(1).build(), d);
      assertEquals(0.2, d.lr, 1e-15);
    }
    p.decide(Observation.builder(10).loss(Double.NaN).gradNorm(1).build(), d);
    assertEquals(GuardAction.ROLLBACK, d.action);
    assertEquals(0.1, d.lr, 1e-15, "guard-cut 0.5");
    p.decide(Observation.builder(11).loss(1).gradNorm(1).build(), d);
    assertEquals(GuardAction.NONE, d.action);
    assertEquals(0.1, d.lr, 1e-15, "the trim persists");
  }

  @Test
  void theTrimDoublesBackAfterEachRunOfCalmStepsAndNotWithoutRecovery() {
    // two NaN losses roll back twice (0.2 → 0.1 → 0.05); with trim-recover=8 every 8th calm step
    // then doubles the trim: 0.1 after 8, 0.2 after 16, and never above the inner LR. By default
    // (trim-recover=0) the trim stays at 0.05.
    for (String recover : new String[] {", trim-recover=8", ""}) {
      Policy p =
          Policies.create("constant(lr=0.2, guard=on, guard-window=8, guard-min=4" + recover + ")");
      Decision d = new Decision();
      long t = 0;
      for (; t < 10; t++) {
        p.decide(Observation.builder(t).loss(1 + 0.01 * (t % 3)).gradNorm(1).build(), d);
      }
      p.decide(Observation.builder(t++).loss(Double.NaN).gradNorm(1).build(), d);
      p.decide(Observation.builder(t++).loss(Double.NaN).gradNorm(1).build(), d);
      assertEquals(0.05, d.lr, 1e-15);
      for (int calm = 1; calm <= 40; calm++, t++) {
        p.decide(Observation.builder(t).loss(1 + 0.01 * (t % 3)).gradNorm(1).build(), d);
        assertEquals(GuardAction.NONE, d.action, "calm step " + calm);
        double want = recover.isEmpty() ? 0.05 : Math.min(0.2, 0.05 * Math.pow(2, calm / 8));
        assertEquals(want, d.lr, 1e-15, "calm step " + calm + recover);
      }
    }
  }

  @Test
  void defaultsAreThoseOfPi() {
    Gear g = ((GearedPolicy) Policies.create("cosine(gear=standard)")).gear();
    PiPolicyConfig pi = PiPolicyConfig.defaults();
    assertTrue(g.guardOn() && g.cutOn());
    assertEquals(pi.guard(), g.guard());
    assertEquals(pi.lr().cut(), g.cut());
    assertEquals(pi.lr().cutGrowth(), g.cutGrowth());
    assertEquals(pi.lr().refAlpha(), g.cutAlpha());
    assertEquals(pi.lr().floorFactor(), Gear.TRIM_FLOOR);
    // the same keys set the same settings in pi and in a geared schedule
    String keys =
        "guard-window=30, guard-min=10, guard-z-clip=3, cut=0.25, cut-growth=5, cut-alpha=0.1";
    PiPolicyConfig p = PiPolicyConfig.from(PolicySpec.parse("pi(" + keys + ")"));
    Gear h = ((GearedPolicy) Policies.create("step(gear=standard, " + keys + ")")).gear();
    assertEquals(p.guard(), h.guard());
    assertEquals(p.lr().cut(), h.cut());
    assertEquals(p.lr().cutGrowth(), h.cutGrowth());
    assertEquals(p.lr().refAlpha(), h.cutAlpha());
  }

  @Test
  void gearSwitchesAndOverrides() {
    assertTrue(Policies.create("cosine").openLoop());
    assertTrue(Policies.create("cosine(gear=off, clip=2)").openLoop(), "no gear: the schedule");
    assertTrue(Policies.create("cosine(gear=off)") instanceof SchedulePolicy);
    assertFalse(Policies.create("cosine(gear=standard)").openLoop());
    Gear g = ((GearedPolicy) Policies.create("cosine(gear=standard, guard=off)")).gear();
    assertFalse(g.guardOn());
    assertTrue(g.cutOn());
    g = ((GearedPolicy) Policies.create("plateau(safety-cut=on)")).gear();
    assertFalse(g.guardOn());
    assertTrue(g.cutOn());
    g = ((GearedPolicy) Policies.create("exponential(clip=autoclip)")).gear();
    assertFalse(g.guardOn() || g.cutOn());
    assertEquals("autoclip", g.clip());
    // spec and copy keep the gear
    Policy p = Policies.create("sgdr(gear=standard, clip=zclip)");
    assertEquals(PolicySpec.parse("sgdr(clip=zclip, gear=standard)"), p.spec());
    assertTrue(p.copy() instanceof GearedPolicy);
  }

  @Test
  void statesOfGearedAndPlainPoliciesDoNotMix() {
    Policy plain = Policies.create("cosine");
    Policy geared = Policies.create("cosine(gear=standard)");
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> geared.restore(plain.snapshot()));
    assertTrue(e.getMessage().contains("'cosine'"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> plain.restore(geared.snapshot()));
    Policy cutOnly = Policies.create("cosine(safety-cut=on)");
    assertThrows(IllegalArgumentException.class, () -> cutOnly.restore(geared.snapshot()));
  }

  @Test
  void badGearOptionsNameThemselves() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Policies.create("cosine(gear=full)"));
    assertEquals("cosine.gear must be one of [standard, off], but was 'full'", e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> Policies.create("step(cut=1.5)"));
    assertEquals("step.cut must be in (0.0, 1.0), but was 1.5", e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class, () -> Policies.create("plateau(guard-window=2)"));
    assertEquals("plateau.guard-window must be an integer >= 4, but was 2", e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> Policies.create("cosine(guard=maybe)"));
    assertEquals("cosine.guard must be true or false, but was 'maybe'", e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> Policies.create("pi(gear=standard)"));
    assertTrue(e.getMessage().startsWith("pi has no option 'gear'"), e.getMessage());
  }
}
