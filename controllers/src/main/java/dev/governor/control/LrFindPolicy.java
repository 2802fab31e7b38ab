package dev.governor.control;

import java.util.Set;

/**
 * {@code lrfind}: an LR range test followed by cosine annealing from the LR it suggests — the "run
 * {@code lr_find}, then train with a cosine schedule at the suggested LR" recipe as one policy
 * within one step budget (analysis: {@link LrRangeTest}).
 *
 * <p><b>Sweep.</b> Steps {@code 0 .. sweep-steps − 1} run at {@code η_i = start-lr·(end-lr /
 * start-lr)^(i/(sweep-steps − 1))} ({@link LrRangeTest#sweepLr}); each step's (LR, loss) goes into
 * the range test, which smooths the loss and ends the sweep early when the smoothed loss exceeds
 * {@code div-factor} × its minimum or the loss is not finite. The suggestion ({@code suggest}:
 * {@code valley}, {@code steepest} or {@code minimum} = minimum/10) is clamped to {@code [start-lr,
 * end-lr]}; when the curve gives none (no finite loss) it is {@code start-lr}.
 *
 * <p><b>Then.</b> The sweep's steps count against the budget {@code t-max}. With {@code restore}
 * (the default, as fastai's {@code lr_find} restores the model saved before the sweep) the decision
 * for the first step after the sweep carries {@link GuardAction#RESET}: the plant returns to the
 * state the run started from, so the sweep's extreme LRs (which can leave a network with dead units
 * even when its loss never exceeds {@code div-factor} × its minimum) do not shape what follows.
 * With {@code restore=false} training continues from the parameters the sweep left, and only a
 * sweep that ended on a blow-up asks for {@link GuardAction#ROLLBACK} (the newest snapshot, taken
 * before the blow-up). With the sweep ending at step {@code e}, steps {@code e+1 .. t-max} follow
 * {@code lr-min + (peak − lr-min)·(1 + cos(π·(s − e − 1)/(t-max − e − 1)))/2} and stay at {@code
 * lr-min} after {@code t-max} ({@code lr-min} is lowered to the peak if it is above it).
 *
 * <p>Options and defaults (fastai's {@code lr_find}): {@code start-lr} 1e-7, {@code end-lr} 10,
 * {@code sweep-steps} 100 ({@code >= 6}, as fastai enforces), {@code beta} 0.98, {@code div-factor}
 * 4, {@code suggest} {@code valley}, {@code restore} true; {@code t-max} 1000 ({@code >
 * sweep-steps}), {@code lr-min} 0; fixed {@code clip} (inf) and {@code wd} (0), and the {@link
 * Gear} options.
 *
 * <p>NaN/Inf: a non-finite loss during the sweep ends it as a blow-up (then RESET, or ROLLBACK
 * without {@code restore}); after the sweep measurements are ignored (the cosine uses only the
 * step). The LR is always in {@code [MIN_NORMAL, end-lr]}. {@code decide} allocates nothing (the
 * range test is preallocated).
 */
final class LrFindPolicy extends SpecifiedPolicy implements GearedPolicy.Exploring {
  static final Set<String> KEYS =
      Set.of(
          "start-lr",
          "end-lr",
          "sweep-steps",
          "beta",
          "div-factor",
          "suggest",
          "restore",
          "t-max",
          "lr-min",
          "clip",
          "wd");

  private final double startLr;
  private final double endLr;
  private final int sweepSteps;
  private final double beta;
  private final double divFactor;
  private final LrRangeTest.Suggestion suggest;
  private final boolean restore;
  private final long tMax;
  private final double lrMin;
  private final double clip;
  private final double wd;
  private final LrRangeTest test;

  private boolean sweeping = true;
  private long sweepEnd = -1;
  private double peak = Double.NaN;
  private double lr;

  private LrFindPolicy(PolicySpec spec) {
    super(spec, LrFindPolicy::of);
    Options.allow(spec, Options.keys(KEYS, Gear.KEYS));
    this.startLr = Options.positive(spec, "start-lr", 1e-7);
    this.endLr = Options.positive(spec, "end-lr", 10.0);
    if (!(endLr > startLr)) {
      throw new IllegalArgumentException(
          spec.name() + ".end-lr must be > start-lr=" + startLr + ", but was " + endLr);
    }
    long n = Options.atLeast(spec, "sweep-steps", 100, 6);
    if (n > 1_000_000) {
      throw new IllegalArgumentException(
          spec.name() + ".sweep-steps must be <= 1000000, but was " + n);
    }
    this.sweepSteps = (int) n;
    this.beta = spec.getDouble("beta", 0.98);
    if (!(beta >= 0 && beta < 1)) {
      throw new IllegalArgumentException(spec.name() + ".beta must be in [0, 1), but was " + beta);
    }
    this.divFactor = Options.greaterThanOne(spec, "div-factor", 4.0);
    this.suggest =
        LrRangeTest.Suggestion.ofKey(
            Options.oneOf(spec, "suggest", "valley", "valley", "steepest", "minimum"));
    this.restore = spec.getBoolean("restore", true);
    this.tMax = Options.atLeast(spec, "t-max", 1000, sweepSteps + 1);
    this.lrMin = Options.nonNegative(spec, "lr-min", 0.0);
    this.clip = Gear.fixedClip(spec);
    this.wd = Options.nonNegative(spec, "wd", 0.0);
    this.test = new LrRangeTest(sweepSteps, beta, divFactor);
    this.lr = startLr;
  }

  static LrFindPolicy of(PolicySpec spec) {
    return new LrFindPolicy(spec);
  }

  /** The range test of the sweep (its curve, suggestion and stability estimate). */
  LrRangeTest rangeTest() {
    return test;
  }

  /** The peak LR of the cosine (NaN while sweeping). */
  double peak() {
    return peak;
  }

  /** The last step of the sweep (−1 while sweeping). */
  long sweepEnd() {
    return sweepEnd;
  }

  @Override
  public Hyperparameters initial() {
    return Hyperparameters.of(startLr, clip, wd);
  }

  @Override
  public void decide(Observation obs, Decision out) {
    long t = obs.step();
    GuardAction action = GuardAction.NONE;
    if (sweeping) {
      boolean stop = test.add(lr, obs.loss());
      if (stop || t >= sweepSteps - 1 || test.size() == test.capacity()) {
        sweeping = false;
        sweepEnd = t;
        double s = test.suggest(suggest, sweepSteps);
        peak = Double.isFinite(s) ? Math.max(startLr, Math.min(endLr, s)) : startLr;
        if (restore) {
          action = GuardAction.RESET;
        } else if (test.diverged()) {
          action = GuardAction.ROLLBACK;
        }
        lr = annealed(t + 1);
      } else {
        lr = LrRangeTest.sweepLr(startLr, endLr, sweepSteps, t + 1);
      }
    } else {
      lr = annealed(t + 1);
    }
    out.set(t, lr, clip, wd, action);
    out.lrMeasurement = test.size() > 0 ? test.smoothedLoss(test.size() - 1) : Double.NaN;
  }

  /** The cosine's LR at step {@code s} (after the sweep). */
  private double annealed(long s) {
    double low = Math.min(lrMin, peak);
    double len = tMax - sweepEnd - 1;
    double frac = len > 0 ? Math.max(0, Math.min(1, (s - sweepEnd - 1) / len)) : 1;
    double v = low + (peak - low) * (1 + Math.cos(Math.PI * frac)) / 2;
    return Math.max(Double.MIN_NORMAL, Math.min(endLr, v));
  }

  /** Whether the next observation belongs to the sweep (its blow-up is deliberate). */
  @Override
  public boolean exploring() {
    return sweeping;
  }

  @Override
  public PolicyState snapshot() {
    PolicyState.Writer w = stateWriter();
    w.putBoolean(sweeping).putLong(sweepEnd).putDouble(peak).putDouble(lr);
    test.writeState(w);
    return w.build();
  }

  @Override
  public void restore(PolicyState state) {
    PolicyState.Reader r = stateReader(state);
    boolean sw = r.getBoolean();
    long e = r.getLong();
    double p = r.getDouble();
    double l = r.getDouble();
    if (!(l > 0 && l <= endLr)) {
      throw new IllegalArgumentException(
          "lrfind state lr must be in (0, " + endLr + "], but was " + l);
    }
    if (sw != (e < 0) || (!sw && !(p >= startLr && p <= endLr))) {
      throw new IllegalArgumentException(
          "lrfind state is inconsistent: sweeping=" + sw + ", sweep end " + e + ", peak " + p);
    }
    test.readState(r);
    r.end();
    sweeping = sw;
    sweepEnd = e;
    peak = p;
    lr = l;
  }
}
