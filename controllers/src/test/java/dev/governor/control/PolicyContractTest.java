package dev.governor.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The contract battery every {@link Policy} passes: run against every name in {@link
 * Policies#names()} (default options, plus configured variants), fed observation streams that mix
 * plausible values with NaN, ±Inf, negative, zero and huge measurements.
 */
class PolicyContractTest {

  /** A policy under test and the bounds its decisions must respect. */
  record Case(String spec, double lrMax, boolean clipMayBeOff) {
    @Override
    public String toString() {
      return spec;
    }
  }

  /** Default-option case per name, plus variants; every registered name must appear. */
  static List<Case> cases() {
    List<Case> cs = new ArrayList<>();
    for (String name : Policies.names()) {
      cs.add(new Case(name, defaultLrMax(name), true));
    }
    cs.add(new Case("cosine(lr=0.5, lr-min=0.01, t-max=37, clip=2.0, wd=0.001)", 0.5, false));
    cs.add(new Case("sgdr(lr=0.3, t0=5, t-mult=2, warmup=7)", 0.3, true));
    cs.add(new Case("onecycle(lr=1.0, t-max=60)", 1.0, true));
    cs.add(new Case("step(lr=0.2, step-size=3, gamma=0.5, clip=1.0)", 0.2, false));
    cs.add(new Case("exponential(lr=0.2, gamma=0.5)", 0.2, true));
    cs.add(new Case("plateau(lr=0.2, patience=2, cooldown=1, metric=val-loss)", 0.2, true));
    cs.add(new Case("plateau(lr=0.05, patience=0, lr-min=0.001, clip=3.0)", 0.05, false));
    cs.addAll(extraCases());
    return cs;
  }

  /** Cases for policies added later (pi and its variants) go here. */
  static List<Case> extraCases() {
    return List.of(
        new Case("pi(clip-loop=false, clip=2.0, wd=0.01)", defaultLrMax("pi"), false),
        new Case(
            "pi(lr=0.5, base=cosine, t-max=100, layers=true, wd=0.001)",
            0.5 * PiPolicyConfig.defaults().lr().ceilFactor(),
            true),
        new Case("pi(pv=update-ratio, period=3, guard=false, lr-ceil=0.4)", 0.4, true),
        new Case(
            "pi(pv=sharpness-lr, base=sgdr, t0=10, t-mult=2, gap-pv=gap, wd=0.1)",
            defaultLrMax("pi"),
            true),
        new Case("pi(lower=true, decay=1)", defaultLrMax("pi"), true),
        new Case(
            "pi(stat-window=3, stat-z=0, decay=0.9, anneal-hold=false)", defaultLrMax("pi"), true),
        new Case(
            "pi(lr=0.01, guard-window=8, guard-min=4, guard-z-clip=1, guard-z-skip=2,"
                + " guard-z-rollback=3)",
            1.0,
            true),
        // the safety gear on schedules and baselines (GearedPolicy), and the new contenders
        new Case("cosine(t-max=100, gear=standard)", 0.1, true),
        new Case(
            "constant(lr=0.2, guard=on, guard-window=8, guard-min=4, clip=zclip, zclip-warmup=5)",
            0.2,
            true),
        new Case(
            "sgdr(lr=0.3, t0=20, safety-cut=on, cut=0.3, clip=autoclip, autoclip-p=50)", 0.3, true),
        new Case("plateau(lr=0.2, patience=3, gear=standard, clip=zclip)", 0.2, true),
        new Case(
            "warmup(schedule=cosine, warmup=10, t-max=100, gear=standard, clip=1.5)", 0.1, false),
        new Case("polyak(l-star=0.5, gamma=0.5, max-lr=2, min-lr=0.001)", 2.0, true),
        new Case("polyak(gear=standard, clip=autoclip)", 10.0, true),
        new Case("lrfind(sweep-steps=20, t-max=200, suggest=steepest)", 10.0, true),
        new Case(
            "lrfind(sweep-steps=30, t-max=100, suggest=minimum, end-lr=1, gear=standard,"
                + " clip=zclip)",
            1.0,
            true),
        new Case(
            "lrfind(start-lr=1e-4, end-lr=0.5, sweep-steps=50, t-max=120, lr-min=0.001, wd=0.01,"
                + " clip=2)",
            0.5,
            false));
  }

  static double defaultLrMax(String name) {
    return switch (name) {
      case "pi" ->
          PiPolicyConfig.defaults().lr().lr() * PiPolicyConfig.defaults().lr().ceilFactor();
      case "polyak", "lrfind" -> 10.0; // max-lr, end-lr
      default -> SchedulePolicy.DEFAULT_LR;
    };
  }

  /** A reproducible stream of observations; {@code layers} per-layer norms (0 = none). */
  static List<Observation> stream(long seed, int n, int layers, boolean agitated) {
    SplittableRandom r = new SplittableRandom(seed);
    List<Observation> obs = new ArrayList<>();
    double loss = 2.0;
    for (int t = 0; t < n; t++) {
      loss = Math.max(0.01, loss * (0.995 + 0.01 * r.nextDouble()));
      double g = 1 + r.nextDouble();
      Observation.Builder b =
          Observation.builder(t)
              .epoch(t / 50)
              .loss(loss * (1 + 0.1 * r.nextGaussian()))
              .gradNorm(g)
              .paramNorm(10 + r.nextDouble())
              .updateNorm(0.01 * g)
              .alignment(Math.max(-1, Math.min(1, 0.3 * r.nextGaussian())))
              .sharpness(5 + r.nextDouble())
              .valLoss(t % 10 == 9 ? loss * 1.1 : Double.NaN)
              .batchSize(32)
              .lr(0.1)
              .clip(Hyperparameters.NO_CLIP)
              .weightDecay(0);
      if (layers > 0) {
        double[] gn = new double[layers];
        double[] pn = new double[layers];
        double[] un = new double[layers];
        for (int i = 0; i < layers; i++) {
          gn[i] = g / layers * (1 + i);
          pn[i] = 3 + i;
          un[i] = 0.001 * (1 + r.nextDouble()) * (i + 1);
        }
        b.layerGradNorms(gn).layerParamNorms(pn).layerUpdateNorms(un);
      }
      if (agitated && r.nextInt(4) == 0) {
        double[] bad = {
          Double.NaN,
          Double.POSITIVE_INFINITY,
          Double.NEGATIVE_INFINITY,
          -1.0,
          0.0,
          1e300,
          -1e300,
          Double.MIN_VALUE
        };
        double v = bad[r.nextInt(bad.length)];
        switch (r.nextInt(8)) {
          case 0 -> b.loss(v);
          case 1 -> b.gradNorm(v);
          case 2 -> b.alignment(v);
          case 3 -> b.updateNorm(v).paramNorm(bad[r.nextInt(bad.length)]);
          case 4 -> b.sharpness(v).lr(bad[r.nextInt(bad.length)]);
          case 5 -> b.valLoss(v);
          case 6 -> b.clip(v).weightDecay(v);
          default ->
              b.loss(v)
                  .gradNorm(bad[r.nextInt(bad.length)])
                  .valLoss(bad[r.nextInt(bad.length)])
                  .alignment(bad[r.nextInt(bad.length)]);
        }
        if (layers > 0 && r.nextBoolean()) {
          double[] un = new double[layers];
          java.util.Arrays.fill(un, v);
          b.layerUpdateNorms(un);
        }
      }
      obs.add(b.build());
    }
    return obs;
  }

  static List<Decision> run(Policy p, List<Observation> obs) {
    List<Decision> out = new ArrayList<>();
    Decision d = new Decision();
    for (Observation o : obs) {
      p.decide(o, d);
      out.add(new Decision().copyFrom(d));
    }
    return out;
  }

  static void assertSame(List<Decision> a, List<Decision> b, String what) {
    assertEquals(a.size(), b.size());
    for (int i = 0; i < a.size(); i++) {
      assertEquals(a.get(i).hyperparameters(), b.get(i).hyperparameters(), what + " at " + i);
      assertEquals(
          Double.doubleToLongBits(a.get(i).lrIntegral),
          Double.doubleToLongBits(b.get(i).lrIntegral),
          what + " lrIntegral at " + i);
      assertEquals(a.get(i).faults, b.get(i).faults, what + " faults at " + i);
    }
  }

  static void assertInDomain(Case c, Decision d, long step) {
    String at = c.spec + " after step " + step + ": ";
    assertEquals(step, d.step, at + "step");
    assertTrue(d.lr > 0 && Double.isFinite(d.lr), at + "lr " + d.lr);
    assertTrue(d.lr <= c.lrMax * (1 + 1e-12), at + "lr " + d.lr + " above " + c.lrMax);
    assertTrue(d.clip > 0, at + "clip " + d.clip);
    if (!c.clipMayBeOff) {
      assertTrue(Double.isFinite(d.clip), at + "clip " + d.clip);
    }
    assertTrue(d.weightDecay >= 0 && Double.isFinite(d.weightDecay), at + "wd " + d.weightDecay);
    assertTrue(d.action != null, at + "action");
    assertTrue(d.faults >= 0, at + "faults");
    for (int i = 0; i < d.layerCount; i++) {
      double m = d.layerLrMultipliers[i];
      assertTrue(m > 0 && Double.isFinite(m), at + "multiplier " + i + " = " + m);
    }
    d.hyperparameters(); // validates every field
  }

  @TestFactory
  Stream<DynamicContainer> everyPolicyHonoursTheContract() {
    return cases().stream()
        .map(
            c ->
                DynamicContainer.dynamicContainer(
                    c.spec,
                    Stream.of(
                        DynamicTest.dynamicTest(
                            "bad inputs give finite in-bound outputs", () -> badInputs(c)),
                        DynamicTest.dynamicTest(
                            "snapshot then restore continues identically", () -> restore(c)),
                        DynamicTest.dynamicTest("copy is independent and fresh", () -> copy(c)),
                        DynamicTest.dynamicTest(
                            "same inputs give same outputs", () -> deterministic(c)),
                        DynamicTest.dynamicTest("spec round-trips", () -> specRoundTrip(c)),
                        DynamicTest.dynamicTest(
                            "foreign state is refused", () -> foreignState(c)))));
  }

  void badInputs(Case c) {
    for (int layers : new int[] {0, 3}) {
      for (long seed = 1; seed <= 3; seed++) {
        Policy p = Policies.create(c.spec);
        Hyperparameters h0 = p.initial();
        assertTrue(h0.lr() <= c.lrMax * (1 + 1e-12), "initial lr " + h0.lr());
        Decision d = new Decision();
        for (Observation o : stream(seed, 400, layers, true)) {
          p.decide(o, d);
          assertInDomain(c, d, o.step());
        }
        // an all-NaN observation, then an all-Inf one
        p.decide(Observation.builder(400).build(), d);
        assertInDomain(c, d, 400);
        Observation inf =
            Observation.builder(401)
                .loss(Double.POSITIVE_INFINITY)
                .gradNorm(Double.POSITIVE_INFINITY)
                .alignment(Double.NEGATIVE_INFINITY)
                .updateNorm(Double.POSITIVE_INFINITY)
                .paramNorm(Double.POSITIVE_INFINITY)
                .sharpness(Double.POSITIVE_INFINITY)
                .valLoss(Double.POSITIVE_INFINITY)
                .build();
        for (int k = 0; k < 30; k++) {
          p.decide(inf.toBuilder().step(401 + k).build(), d);
          assertInDomain(c, d, 401 + k);
        }
      }
    }
  }

  void restore(Case c) {
    List<Observation> obs = stream(11, 300, 3, true);
    Policy p = Policies.create(c.spec);
    run(p, obs.subList(0, 137));
    PolicyState s = p.snapshot();
    List<Decision> rest = run(p, obs.subList(137, 300));
    // into a fresh instance
    Policy q = Policies.create(c.spec);
    q.restore(s);
    assertSame(rest, run(q, obs.subList(137, 300)), "restored fresh instance");
    // into the same instance, which has moved on
    p.restore(s);
    assertSame(rest, run(p, obs.subList(137, 300)), "restored original");
  }

  void copy(Case c) {
    List<Observation> obs = stream(5, 250, 3, true);
    Policy p = Policies.create(c.spec);
    List<Decision> fresh = run(Policies.create(c.spec), obs);
    run(p, obs.subList(0, 100));
    PolicyState before = p.snapshot();
    Policy q = p.copy();
    assertEquals(p.spec(), q.spec());
    assertSame(fresh, run(q, obs), "copy behaves as fresh");
    assertEquals(before, p.snapshot(), "running the copy changed the original");
  }

  void deterministic(Case c) {
    List<Observation> obs = stream(7, 300, 0, true);
    assertSame(run(Policies.create(c.spec), obs), run(Policies.create(c.spec), obs), "twin");
  }

  void specRoundTrip(Case c) {
    Policy p = Policies.create(c.spec);
    Policy q = Policies.create(PolicySpec.parse(p.spec().toString()));
    assertEquals(p.initial(), q.initial());
    List<Observation> obs = stream(3, 120, 0, false);
    assertSame(run(p, obs), run(q, obs), "rebuilt from spec text");
  }

  void foreignState(Case c) {
    Policy p = Policies.create(c.spec);
    PolicyState alien = PolicyState.writer("no-such-policy").putLong(1).build();
    assertThrows(IllegalArgumentException.class, () -> p.restore(alien));
  }

  @Test
  void everyRegisteredNameIsCovered() {
    List<String> covered = cases().stream().map(c -> PolicySpec.parse(c.spec).name()).toList();
    for (String n : Policies.names()) {
      assertTrue(covered.contains(n), n);
    }
    assertFalse(Policies.names().isEmpty());
  }

  @Test
  void openLoopPoliciesIgnoreMeasurements() {
    for (String n : Policies.openLoopNames()) {
      Policy a = Policies.create(n);
      Policy b = Policies.create(n);
      assertTrue(a.openLoop(), n);
      List<Decision> clean = run(a, stream(1, 200, 0, false));
      List<Decision> bad = run(b, stream(2, 200, 3, true));
      assertSame(clean, bad, n + " must depend on the step only");
    }
    assertFalse(Policies.create("plateau").openLoop());
  }

  @Test
  void unknownOptionsAndBadValuesNameThemselves() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Policies.create("cosine(tmax=5)"));
    assertTrue(e.getMessage().startsWith("cosine has no option 'tmax'"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> Policies.create("plateau(factor=1)"));
    assertEquals("plateau.factor must be in (0.0, 1.0), but was 1.0", e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> Policies.create("plateau(patience=-1)"));
    assertEquals("plateau.patience must be an integer >= 0, but was -1", e.getMessage());
    for (String name : new String[] {"constant", "cosine", "pi", "polyak"}) {
      e = assertThrows(IllegalArgumentException.class, () -> Policies.create(name + "(lr=1e308)"));
      assertEquals(name + ".lr must be <= 1000000.0, but was 1.0E308", e.getMessage());
    }
    e = assertThrows(IllegalArgumentException.class, () -> Policies.create("constant(wd=NaN)"));
    assertEquals("constant.wd must be finite and >= 0, but was NaN", e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> Policies.create("sgdr(clip=-2)"));
    assertEquals("sgdr.clip must be > 0 (or inf for no clipping), but was -2.0", e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> Policies.create("warmup(schedule=pi)"));
    assertTrue(e.getMessage().startsWith("warmup.schedule must be one of"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> Policies.create("cosine(lr=abc)"));
    assertEquals("cosine.lr must be a number, but was 'abc'", e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class, () -> Policies.create("plateau(metric=accuracy)"));
    assertEquals(
        "plateau.metric must be one of [loss, val-loss], but was 'accuracy'", e.getMessage());
    assertNotEquals(null, Policies.create("constant"));
  }

  @Test
  void plateauFollowsPyTorch() {
    // ReduceLROnPlateau(factor=0.5, patience=2, threshold=0.1, cooldown=1), lr 1.0, hand-traced:
    // loss:  10   9.5  9.2  9.1   8   8.5  8.4  8.3  8.2  8.1
    // best:  10   10   10   10    8    8    8    8    8    8    (9.5 < 10*0.9? no ... 8 < 9 yes)
    // bad:    0    1    2    3->0 0    1    2    3->0 (cooldown 1 zeroes the next) ...
    // t=3: bad 3 > 2 -> lr 0.5, cooldown 1; t=4: 8 better, best 8, bad 0, cooldown->0;
    // t=5,6,7: bad 1,2,3 -> at t=7 lr 0.25, cooldown 1; t=8: bad 1 then cooldown -> 0; t=9: bad 1.
    Policy p = Policies.create("plateau(lr=1, factor=0.5, patience=2, threshold=0.1, cooldown=1)");
    double[] loss = {10, 9.5, 9.2, 9.1, 8, 8.5, 8.4, 8.3, 8.2, 8.1};
    double[] lr = {1, 1, 1, 0.5, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25};
    Decision d = new Decision();
    for (int t = 0; t < loss.length; t++) {
      p.decide(Observation.builder(t).loss(loss[t]).build(), d);
      assertEquals(lr[t], d.lr, "after step " + t);
    }
    // NaN counts as "not better" (PyTorch: NaN < best is false) and as a fault
    Policy q = Policies.create("plateau(lr=1, patience=1)");
    q.decide(Observation.builder(0).loss(5).build(), d);
    q.decide(Observation.builder(1).loss(Double.NaN).build(), d);
    assertEquals(1.0, d.lr);
    q.decide(Observation.builder(2).loss(Double.NaN).build(), d);
    assertEquals(0.1, d.lr, 1e-15);
    assertEquals(2, d.faults);
  }
}
