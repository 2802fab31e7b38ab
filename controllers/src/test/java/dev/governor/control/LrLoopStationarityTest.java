package dev.governor.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * The SGD form of {@code pi}'s LR loop on the noisy quadratic of {@link NoisyQuadratic} (n = 100,
 * h_i = 1/i, λ_max = 1, noise σ·√h_i, x_0 = 1): a one-sided PI climb of the gradient alignment to
 * its setpoint 0, then decays whenever the loss has stopped improving.
 *
 * <p>Reference values (NumPy, closed form of the stationary second moment of constant-η SGD on this
 * model, {@code E[x_i²] = ησ²/(2 − ηh_i)}):
 *
 * <pre>
 *   h = 1/np.arange(1, 101)
 *   L(eta) = 0.5*np.sum(h*eta*sigma**2/(2-eta*h))      # stationary loss
 *   a(eta) = np.sum(-eta*h**2/(2-eta*h)) / np.sum(2*h/(2-eta*h))   # E[g_t.g_t-1] / E|g|^2
 * </pre>
 *
 * σ = 0.5: the target {@code L(0.1) = 0.032951711480080845} (the bake-off's rule: the stationary
 * loss at 5 % of the stability bound 2/λ_max); the stationary alignment at the edge η = 1 is {@code
 * a(1) = −0.21028668472230086}.
 */
class LrLoopStationarityTest {
  static final double SIGMA = 0.5;
  static final double TARGET = 0.032951711480080845;
  static final double A_EDGE = -0.21028668472230086;
  static final int STEPS = 1500;

  /** 1000x below the stability bound 2/λ_max = 2. */
  static final double LR0 = 0.002;

  /** Mean exact loss over the last 10 % of the steps. */
  static double tail(String spec, long seed) {
    return NoisyQuadratic.run(Policies.create(PolicySpec.parse(spec)), STEPS, SIGMA, seed)[0];
  }

  /**
   * From 1000x below the bound, the default loop ends below the target on every seed; the same runs
   * with the LR loop off ({@code kp=0, ki=0, decay=1}: constant LR) and with the climb alone
   * ({@code decay=1}: no stationarity decays) end above it. The two baselines are measured here, so
   * the test fails if either part of the loop is removed.
   */
  @Test
  void theLoopReachesATargetThatTheSameRunsWithoutItMiss() {
    for (long seed = 1; seed <= 3; seed++) {
      double on = tail("pi(lr=" + LR0 + ")", seed);
      double off = tail("pi(lr=" + LR0 + ", kp=0, ki=0, decay=1)", seed);
      double climbOnly = tail("pi(lr=" + LR0 + ", decay=1)", seed);
      String at = "seed " + seed + ": loop " + on + ", off " + off + ", climb only " + climbOnly;
      assertTrue(off > TARGET, at);
      assertTrue(climbOnly > TARGET, at);
      assertTrue(on <= TARGET, at);
    }
  }

  /**
   * The filtered alignment (the decision's {@code lrMeasurement}) starts near +1 (the step is far
   * too short) and reaches the setpoint 0 no sooner than the slew limit allows, {@code ln(250) /
   * ln(1.1) = 57.9} steps (climbing from 0.002 to 0.5, where the stationary alignment {@code a(0.5)
   * = −0.089} is already negative), and within the first fifth of the run. From then on it holds:
   * its mean over the remaining ≥ 1200 steps lies in {@code [a(1), +0.075]}: below by at most the
   * stationary alignment at the edge η = 1, above by at most 3 standard errors of a mean of 100
   * independent cosines of sd {@code 1/√d_eff = 0.246} ({@code d_eff = (Σh)²/Σh² = 16.46}), a
   * conservative count for 1200 correlated steps. With the loop off the alignment does not reach 0
   * in the same window.
   */
  @Test
  void theAlignmentReachesItsSetpointAndHoldsIt() {
    for (long seed = 1; seed <= 3; seed++) {
      double[] on = alignment("pi(lr=" + LR0 + ")", seed);
      String at = "seed " + seed + ": reached at " + on[0] + ", mean after " + on[1];
      assertTrue(on[0] >= 58 && on[0] <= STEPS / 5, at);
      assertTrue(on[1] >= A_EDGE && on[1] <= 3 * 0.246 / Math.sqrt(100), at);
      double[] off = alignment("pi(lr=" + LR0 + ", kp=0, ki=0, decay=1)", seed);
      assertTrue(off[0] < 0 || off[0] > STEPS / 5, "loop off, seed " + seed + ": " + off[0]);
    }
  }

  /** {first step with filtered alignment <= 0 (-1 if none), its mean from then on}. */
  static double[] alignment(String spec, long seed) {
    Policy p = Policies.create(PolicySpec.parse(spec));
    NoisyQuadratic q = new NoisyQuadratic(100, SIGMA, seed);
    Hyperparameters hp = p.initial();
    Decision d = new Decision();
    int reached = -1;
    double sum = 0;
    int n = 0;
    for (int t = 0; t < STEPS; t++) {
      Observation o = q.step(t, hp);
      p.decide(o, d);
      hp = d.hyperparameters();
      if (reached < 0 && d.lrMeasurement <= 0) {
        reached = t;
      }
      if (reached >= 0) {
        sum += d.lrMeasurement;
        n++;
      }
    }
    return new double[] {reached, n == 0 ? Double.NaN : sum / n};
  }

  /**
   * The test window grows by {@code stat-grow} with each decay. On a flat loss (slope 0, standard
   * error 0: every window passes) with alignment −0.1 (not agreeing: Pflug's criterion holds, and
   * the one-sided climb sees its setpoint), window k holds {@code ⌈40·1.41^k⌉} samples, so the
   * decays fall at the steps
   *
   * <pre>
   *   L = [40*1.41**k for k in range(7)]     # 40, 56.4, 79.5, 112.1, 158.1, 222.9, 314.3
   *   np.cumsum(np.ceil(L)) - 1              # 39, 96, 176, 289, 448, 671, 986
   * </pre>
   *
   * and the LR halves at each. With {@code stat-grow=1} (fixed windows) they fall every 40 steps
   * (39, 79, 119, …), which this test rejects.
   */
  @Test
  void theTestWindowGrowsWithEachDecay() {
    long[] expected = {39, 96, 176, 289, 448, 671, 986};
    assertEquals(
        java.util.Arrays.toString(expected),
        java.util.Arrays.toString(decaySteps("pi(lr=1, guard=off, clip-loop=off)", 7)));
    assertEquals(
        "[39, 79, 119, 159, 199, 239, 279]",
        java.util.Arrays.toString(
            decaySteps("pi(lr=1, guard=off, clip-loop=off, stat-grow=1)", 7)));
  }

  /**
   * What the norm test asks, on scripted streams whose windows are decided exactly (standard error
   * 0 either way): a flat loss while ‖θ‖² still falls by 0.05 per step (mean change −0.05, spread
   * 0: not stationary) never decays, where the loss test (the same stream with {@code
   * stat-test=loss}) decays after every window; a constant ‖θ‖ with the loss falling by 1 % per
   * step (the loss test's slope −0.01 with standard error 0: still falling) decays on the windows'
   * schedule, where the loss test never does. So the norm test replaces the loss test, it does not
   * join it.
   */
  @Test
  void theNormTestAsksWhetherTheNormHasStoppedChanging() {
    String spec = "pi(lr=1, guard=off, clip-loop=off)";
    java.util.function.LongToDoubleFunction flat = t -> 2.0;
    java.util.function.LongToDoubleFunction drifting = t -> Math.sqrt(200 - 0.05 * t);
    assertEquals("[]", java.util.Arrays.toString(decaySteps(spec, 7, flat, drifting)));
    assertEquals(
        "[39, 96, 176, 289, 448, 671, 986]",
        java.util.Arrays.toString(
            decaySteps("pi(lr=1, guard=off, clip-loop=off, stat-test=loss)", 7, flat, drifting)));
    java.util.function.LongToDoubleFunction falling = t -> 2.0 * Math.pow(0.99, t);
    java.util.function.LongToDoubleFunction still = t -> 3.0;
    assertEquals(
        "[39, 96, 176, 289, 448, 671, 986]",
        java.util.Arrays.toString(decaySteps(spec, 7, falling, still)));
    assertEquals(
        "[]",
        java.util.Arrays.toString(
            decaySteps("pi(lr=1, guard=off, clip-loop=off, stat-test=loss)", 7, falling, still)));
  }

  /**
   * The band ({@code stat-norm-tol}, 1 by default): ‖θ‖² falls by exactly 0.05 per step (mean
   * change −0.05, standard error 0), a drift the interval test never lets pass. With {@code
   * stat-norm-tol=1} and update norms of 1 (mean ‖u‖² = 1) the whole interval, 0.05, is within the
   * band 1 × 1, but not in the first window after the start or a decay (the relaxation to the new
   * LR, judged by the interval test alone, which fails): each length of the schedule is used twice,
   * and the LR decays at the end of every second window,
   *
   * <pre>
   *   L = np.ceil([40*1.41**k for k in range(7)])   # 40, 57, 80, 113, 159, 223, 315
   *   np.cumsum(2*L) - 1                            # 79, 193, 353, 579, 897, 1343, 1973
   * </pre>
   *
   * With update norms of 0.2 (mean ‖u‖² = 0.04 < 0.05) it never decays, nor where the update norm
   * is not reported, nor with the band off ({@code stat-norm-tol=0}).
   */
  @Test
  void theBandPassesADriftSmallAgainstTheInjectedNoise() {
    String band = "pi(lr=1, guard=off, clip-loop=off, stat-norm-tol=1)";
    java.util.function.LongToDoubleFunction flat = t -> 2.0;
    java.util.function.LongToDoubleFunction drifting = t -> Math.sqrt(200 - 0.05 * t);
    assertEquals(
        "[79, 193, 353, 579, 897, 1343, 1973]",
        java.util.Arrays.toString(decaySteps(band, 7, flat, drifting, t -> 1.0)));
    assertEquals("[]", java.util.Arrays.toString(decaySteps(band, 7, flat, drifting, t -> 0.2)));
    assertEquals("[]", java.util.Arrays.toString(decaySteps(band, 7, flat, drifting)));
    assertEquals(
        "[]",
        java.util.Arrays.toString(
            decaySteps(
                "pi(lr=1, guard=off, clip-loop=off, stat-norm-tol=0)",
                7,
                flat,
                drifting,
                t -> 1.0)));
  }

  /**
   * The span ({@code stat-norm-span}, default {@code decay}): ‖θ‖² falls by 1 per step up to step
   * 79 (the first two windows, 40 changes of −1 each: not stationary), then alternates +1, −1, … A
   * window of the alternation alone has mean 0 and passes, so with {@code stat-norm-span=window}
   * the LR decays after the third window (step 119) and then on the windows' schedule (+57, +80,
   * +113, +159). {@code stat-norm-span=decay} leaves out the first window after the start (as after
   * a decay) and weighs every change from step 40 on; at the end of window j (step t = 40j − 1, N =
   * 40(j − 1) changes, sum −40, every change ±1):
   *
   * <pre>
   *   m = -40/N; se = np.sqrt((1 - m**2)/N)    # passes when |m| <= 1.5*se
   *   # first at j = 19: t = 759, |m| = 0.05556 <= 0.05582 (j = 18, t = 719: 0.05882 > 0.05742)
   * </pre>
   *
   * so it holds the LR until step 759, then decays on the schedule (816, 896, 1009, 1168): each
   * first window after a decay is tested on its own changes, and passes.
   */
  @Test
  void theNormTestWeighsEveryChangeSinceTheLastDecay() {
    java.util.function.LongToDoubleFunction flat = t -> 2.0;
    java.util.function.LongToDoubleFunction norm =
        t -> Math.sqrt(t <= 79 ? 300 - t : 221 + ((t - 80) % 2 == 0 ? 1 : 0));
    assertEquals(
        "[759, 816, 896, 1009, 1168]",
        java.util.Arrays.toString(
            decaySteps("pi(lr=1, guard=off, clip-loop=off, stat-norm-span=decay)", 5, flat, norm)));
    assertEquals(
        "[119, 176, 256, 369, 528]",
        java.util.Arrays.toString(
            decaySteps(
                "pi(lr=1, guard=off, clip-loop=off, stat-norm-span=window)", 5, flat, norm)));
  }

  /**
   * The span leaves the climb out: successive gradients agree (alignment +0.5) for the first 100
   * steps, so the one-sided PI raises the LR (to its ceiling, 10⁴ × the start), while ‖θ‖² falls by
   * 1 per step; from step 100 the alignment is −0.1 and ‖θ‖² alternates +1, −1, … as in the test
   * above. Every window in which the LR rose is left out of the span and restarts its count like a
   * decay, so the first window to start after the LR last moved is tested on its own alternation
   * (mean 0, passes) and the LR halves at its end. Carrying the climb's drift instead (the 60
   * changes of −1 from step 40 on) would hold the LR until {@code 60/N <= 1.5/√N}, N ≥ 1600 changes
   * (step 1679).
   */
  @Test
  void theSpanLeavesTheClimbOut() {
    java.util.function.LongToDoubleFunction norm =
        t -> Math.sqrt(t <= 99 ? 400 - t : 301 + ((t - 100) % 2 == 0 ? 1 : 0));
    long[] lastMove = new long[1];
    long[] at =
        decaySteps(
            "pi(lr=0.01, guard=off, clip-loop=off, restart=0, stat-norm-span=decay)",
            1,
            t -> 2.0,
            norm,
            t -> Double.NaN,
            t -> t < 100 ? 0.5 : -0.1,
            lastMove);
    assertTrue(lastMove[0] >= 100 && lastMove[0] < 160, "the climb ends at " + lastMove[0]);
    long firstAfter = (lastMove[0] / 40 + 2) * 40 - 1;
    assertEquals("[" + firstAfter + "]", java.util.Arrays.toString(at), "last rise " + lastMove[0]);
  }

  /**
   * {@code stat-test} takes {@code norm} or {@code loss}, {@code stat-norm-span} {@code decay} or
   * {@code window}; anything else is named with what they take.
   */
  @Test
  void aBadStatTestOrSpanIsNamed() {
    String[][] cases = {
      {"pi(stat-test=slope)", "pi.stat-test must be one of [norm, loss], but was 'slope'"},
      {"pi(stat-norm-span=all)", "pi.stat-norm-span must be one of [decay, window], but was 'all'"}
    };
    for (String[] c : cases) {
      IllegalArgumentException e =
          org.junit.jupiter.api.Assertions.assertThrows(
              IllegalArgumentException.class, () -> Policies.create(PolicySpec.parse(c[0])));
      assertEquals(c[1], e.getMessage());
    }
  }

  /** The steps after which the LR fell by the decay factor, on a flat-loss stream. */
  static long[] decaySteps(String spec, int count) {
    return decaySteps(spec, count, t -> 2.0, t -> Double.NaN);
  }

  /**
   * The steps after which the LR fell by the decay factor, on a stream with the given loss and
   * parameter norm per step (a NaN norm is not measured).
   */
  static long[] decaySteps(
      String spec,
      int count,
      java.util.function.LongToDoubleFunction loss,
      java.util.function.LongToDoubleFunction paramNorm) {
    return decaySteps(spec, count, loss, paramNorm, t -> Double.NaN);
  }

  /**
   * The same with the update norm of each step given as well (NaN: not measured, so the norm test's
   * band is not used).
   */
  static long[] decaySteps(
      String spec,
      int count,
      java.util.function.LongToDoubleFunction loss,
      java.util.function.LongToDoubleFunction paramNorm,
      java.util.function.LongToDoubleFunction updateNorm) {
    return decaySteps(spec, count, loss, paramNorm, updateNorm, t -> -0.1, new long[1]);
  }

  /**
   * The same with the gradient alignment of each step given (positive: the one-sided PI climbs);
   * {@code lastMove[0]} receives the last step after which the LR changed other than by a halving
   * (the climb, and its proportional term settling once the alignment turns; −1 if none).
   */
  static long[] decaySteps(
      String spec,
      int count,
      java.util.function.LongToDoubleFunction loss,
      java.util.function.LongToDoubleFunction paramNorm,
      java.util.function.LongToDoubleFunction updateNorm,
      java.util.function.LongToDoubleFunction alignment,
      long[] lastMove) {
    Policy p = Policies.create(PolicySpec.parse(spec));
    Decision d = new Decision();
    long[] at = new long[count];
    int k = 0;
    lastMove[0] = -1;
    double lr = p.initial().lr();
    for (long t = 0; t < 2000 && k < count; t++) {
      Observation o =
          Observation.builder(t)
              .loss(loss.applyAsDouble(t))
              .paramNorm(paramNorm.applyAsDouble(t))
              .updateNorm(updateNorm.applyAsDouble(t))
              .gradNorm(1.0)
              .alignment(alignment.applyAsDouble(t))
              .sharpness(1.0)
              .lr(lr)
              .build();
      p.decide(o, d);
      if (d.lr < lr * 0.75) {
        assertEquals(lr * 0.5, d.lr, 1e-15 * lr, "a decay halves the LR, step " + t);
        at[k++] = t;
      } else if (d.lr != lr) {
        lastMove[0] = t;
      } else {
        assertEquals(lr, d.lr, 0.0, "no other change, step " + t);
      }
      lr = d.lr;
    }
    return java.util.Arrays.copyOf(at, k);
  }

  /** The decay leaves the LR within its bounds and a snapshot restores the test window exactly. */
  @Test
  void snapshotRestoresTheStationarityTestExactly() {
    PolicySpec spec = PolicySpec.parse("pi(lr=" + LR0 + ")");
    Policy a = Policies.create(spec);
    NoisyQuadratic q = new NoisyQuadratic(100, SIGMA, 7);
    Hyperparameters hp = a.initial();
    Decision d = new Decision();
    java.util.List<Observation> rest = new java.util.ArrayList<>();
    java.util.List<Double> lrs = new java.util.ArrayList<>();
    PolicyState mid = null;
    for (int t = 0; t < 900; t++) {
      Observation o = q.step(t, hp);
      if (t == 450) {
        mid = a.snapshot();
      }
      a.decide(o, d);
      hp = d.hyperparameters();
      if (t >= 450) {
        rest.add(o);
        lrs.add(d.lr);
      }
    }
    Policy b = Policies.create(spec);
    b.restore(mid);
    Decision db = new Decision();
    for (int i = 0; i < rest.size(); i++) {
      b.decide(rest.get(i), db);
      assertEquals(lrs.get(i), db.lr, 0.0, "step " + rest.get(i).step());
    }
    assertTrue(((PiPolicy) b).lrDecays() > 0, "the run annealed: " + ((PiPolicy) b).lrDecays());
    assertTrue(db.lr >= LR0 * 1e-4 && db.lr <= LR0 * 1e4, "lr " + db.lr);
  }
}
