package dev.governor.control;

import java.util.Set;

/**
 * The Polyak step size as a policy — an <em>oracle</em> baseline: it needs the optimal loss {@code
 * L*}, which a real training run does not know. {@code η_{t+1} = clamp(γ·(L_t − L*)/‖g_t‖², min-lr,
 * max-lr)} from the step's (mini-batch) loss and pre-clip gradient norm (Polyak 1987; the
 * stochastic form SPS<sub>max</sub> of Loizou et al. 2021 with {@code c = 1/γ} and bound {@code
 * max-lr}). On a quadratic {@code L = ½h x²} it gives {@code η = γ/(2h)}: {@code γ = 2} is the
 * exact line-search step {@code 1/h}.
 *
 * <p>Options: {@code l-star} (0, the interpolation setting where every sample can be fitted),
 * {@code gamma} (1), {@code max-lr} (10), {@code min-lr} (1e-5) — the band {@code [lr·1e-4,
 * lr·100]} of {@code pi}'s defaults for {@code lr = 0.1} — and {@code lr} (0.1, the LR of step 0,
 * before anything was observed; clamped into the band), plus fixed {@code clip} (inf) and {@code
 * wd} (0), and the {@link Gear} options.
 *
 * <p>NaN/Inf: when the loss or the gradient norm is NaN or infinite, or the gradient norm is 0 (the
 * step is undefined), the previous LR is held and a fault is counted. A loss below {@code L*} (the
 * oracle was wrong) gives a negative step, clamped to {@code min-lr}. The LR is always finite and
 * in {@code [min-lr, max-lr]}.
 */
final class PolyakPolicy extends SpecifiedPolicy {
  static final Set<String> KEYS = Set.of("l-star", "gamma", "max-lr", "min-lr", "lr", "clip", "wd");

  private final double lStar;
  private final double gamma;
  private final double maxLr;
  private final double minLr;
  private final double lr0;
  private final double clip;
  private final double wd;

  private double lr;
  private long faults;

  private PolyakPolicy(PolicySpec spec) {
    super(spec, PolyakPolicy::of);
    Options.allow(spec, Options.keys(KEYS, Gear.KEYS));
    this.lStar = Options.finite(spec, "l-star", 0.0);
    this.gamma = Options.positive(spec, "gamma", 1.0);
    this.maxLr = Options.positive(spec, "max-lr", 10.0);
    this.minLr = Options.positive(spec, "min-lr", 1e-5);
    if (!(minLr <= maxLr)) {
      throw new IllegalArgumentException(
          spec.name() + ".min-lr must be <= max-lr=" + maxLr + ", but was " + minLr);
    }
    this.lr0 = clamp(Options.positive(spec, "lr", SchedulePolicy.DEFAULT_LR));
    this.clip = Gear.fixedClip(spec);
    this.wd = Options.nonNegative(spec, "wd", 0.0);
    this.lr = lr0;
  }

  static PolyakPolicy of(PolicySpec spec) {
    return new PolyakPolicy(spec);
  }

  private double clamp(double v) {
    return Math.max(minLr, Math.min(maxLr, v));
  }

  @Override
  public Hyperparameters initial() {
    return Hyperparameters.of(lr0, clip, wd);
  }

  @Override
  public void decide(Observation obs, Decision out) {
    double l = obs.loss();
    double g = obs.gradNorm();
    double gap = l - lStar;
    if (Double.isFinite(l) && g > 0 && g < Double.POSITIVE_INFINITY) {
      double step = gamma * gap / (g * g);
      if (Double.isNaN(step)) {
        faults++;
      } else {
        lr = clamp(step);
      }
    } else {
      faults++;
    }
    out.set(obs.step(), lr, clip, wd, GuardAction.NONE);
    out.lrMeasurement = Double.isFinite(gap) ? gap : Double.NaN;
    out.faults = faults;
  }

  @Override
  public PolicyState snapshot() {
    return stateWriter().putDouble(lr).putLong(faults).build();
  }

  @Override
  public void restore(PolicyState state) {
    PolicyState.Reader r = stateReader(state);
    double l = r.getDouble();
    long f = r.getLong();
    r.end();
    if (!(l >= minLr && l <= maxLr)) {
      throw new IllegalArgumentException(
          "polyak state lr must be in [" + minLr + ", " + maxLr + "], but was " + l);
    }
    lr = l;
    faults = f;
  }
}
