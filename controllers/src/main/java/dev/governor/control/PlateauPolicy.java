package dev.governor.control;

import java.util.Set;

/**
 * PyTorch {@code ReduceLROnPlateau} (mode {@code min}, relative threshold) as a policy: each
 * observation is one {@code scheduler.step(metric)}; when the metric has not improved on the best
 * value by the relative {@code threshold} for more than {@code patience} steps, the learning rate
 * is multiplied by {@code factor} (not below {@code lr-min}, and only if it changes by more than
 * {@code eps}), followed by {@code cooldown} steps in which bad steps are not counted.
 *
 * <p>Options and PyTorch defaults: {@code lr} 0.1, {@code factor} 0.1, {@code patience} 10, {@code
 * threshold} 1e-4, {@code cooldown} 0, {@code lr-min} 0, {@code eps} 1e-8, {@code metric} {@code
 * loss} (the training loss of every step) or {@code val-loss} (the validation loss, stepping only
 * at observations where it was measured); plus fixed {@code clip} (inf) and {@code wd} (0), and the
 * {@link Gear} options.
 *
 * <p>NaN/Inf: with {@code metric=loss} a NaN or infinite loss is a step that is "not better" (as in
 * PyTorch, where {@code NaN < best} is false) and is counted as a fault; with {@code
 * metric=val-loss} a NaN validation loss means "not measured" and the step is not counted, an
 * infinite one is "not better" and a fault. The learning rate is therefore always finite and in
 * {@code [min(lr, max(lr-min, ~eps·factor)), lr]}: the {@code eps} rule stops reductions once a cut
 * would change the rate by less than {@code eps}, so it stays {@code > 0} even with {@code lr-min =
 * 0}.
 */
final class PlateauPolicy extends SpecifiedPolicy {
  static final Set<String> KEYS =
      Set.of(
          "lr",
          "factor",
          "patience",
          "threshold",
          "cooldown",
          "lr-min",
          "eps",
          "metric",
          "clip",
          "wd");

  private final double lr0;
  private final double factor;
  private final long patience;
  private final double threshold;
  private final long cooldown;
  private final double lrMin;
  private final double eps;
  private final boolean useVal;
  private final double clip;
  private final double wd;

  private double lr;
  private double best = Double.POSITIVE_INFINITY;
  private long numBad;
  private long cooldownCounter;
  private long faults;

  private PlateauPolicy(PolicySpec spec) {
    super(spec, PlateauPolicy::of);
    Options.allow(spec, Options.keys(KEYS, Gear.KEYS));
    this.lr0 = Options.positive(spec, "lr", SchedulePolicy.DEFAULT_LR);
    this.factor = Options.open(spec, "factor", 0.1, 0, 1);
    this.patience = Options.atLeast(spec, "patience", 10, 0);
    this.threshold = Options.closed(spec, "threshold", 1e-4, 0, 1);
    this.cooldown = Options.atLeast(spec, "cooldown", 0, 0);
    this.lrMin = Options.nonNegative(spec, "lr-min", 0.0);
    if (lrMin > lr0) {
      throw new IllegalArgumentException(
          spec.name() + ".lr-min must be <= lr=" + lr0 + ", but was " + lrMin);
    }
    this.eps = Options.nonNegative(spec, "eps", 1e-8);
    this.useVal = Options.oneOf(spec, "metric", "loss", "loss", "val-loss").equals("val-loss");
    this.clip = Gear.fixedClip(spec);
    this.wd = Options.nonNegative(spec, "wd", 0.0);
    this.lr = lr0;
  }

  static PlateauPolicy of(PolicySpec spec) {
    return new PlateauPolicy(spec);
  }

  @Override
  public Hyperparameters initial() {
    return Hyperparameters.of(lr0, clip, wd);
  }

  @Override
  public void decide(Observation obs, Decision out) {
    double m = useVal ? obs.valLoss() : obs.loss();
    if (!(useVal && Double.isNaN(m))) {
      stepScheduler(m);
    }
    out.set(obs.step(), lr, clip, wd, GuardAction.NONE);
    out.lrMeasurement = Double.isFinite(m) ? m : Double.NaN;
    out.faults = faults;
  }

  private void stepScheduler(double current) {
    boolean finite = Double.isFinite(current);
    if (!finite) {
      faults++;
    }
    if (finite && current < best * (1 - threshold)) {
      best = current;
      numBad = 0;
    } else {
      numBad++;
    }
    if (cooldownCounter > 0) {
      cooldownCounter--;
      numBad = 0;
    }
    if (numBad > patience) {
      double next = Math.max(lr * factor, lrMin);
      if (lr - next > eps) {
        lr = next;
      }
      cooldownCounter = cooldown;
      numBad = 0;
    }
  }

  @Override
  public PolicyState snapshot() {
    return stateWriter()
        .putDouble(lr)
        .putDouble(best)
        .putLong(numBad)
        .putLong(cooldownCounter)
        .putLong(faults)
        .build();
  }

  @Override
  public void restore(PolicyState state) {
    PolicyState.Reader r = stateReader(state);
    double l = r.getDouble();
    double b = r.getDouble();
    long nb = r.getLong();
    long cd = r.getLong();
    long f = r.getLong();
    r.end();
    if (!(l > 0) || !Double.isFinite(l)) {
      throw new IllegalArgumentException("plateau state lr must be finite and > 0, but was " + l);
    }
    lr = l;
    best = b;
    numBad = nb;
    cooldownCounter = cd;
    faults = f;
  }
}
