package dev.governor.control;

/**
 * The constant schedule: the same learning rate, clip threshold and weight decay at every step.
 *
 * <p>Options: {@code lr} (default 0.1, finite, > 0), {@code clip} (default +Inf = off, > 0), {@code
 * wd} (default 0, finite, >= 0). Ignores every measurement, so NaN/Inf observations change nothing.
 * Stateless: its snapshot is empty.
 */
final class ConstantPolicy implements Policy {
  private final PolicySpec spec;
  private final Hyperparameters h;

  private ConstantPolicy(PolicySpec spec, Hyperparameters h) {
    this.spec = spec;
    this.h = h;
  }

  static ConstantPolicy of(PolicySpec spec) {
    double lr = spec.getDouble("lr", 0.1);
    double clip = spec.getDouble("clip", Hyperparameters.NO_CLIP);
    double wd = spec.getDouble("wd", 0.0);
    if (!(lr > 0) || !Double.isFinite(lr)) {
      throw new IllegalArgumentException(spec.name() + ".lr must be finite and > 0, but was " + lr);
    }
    if (!(clip > 0)) {
      throw new IllegalArgumentException(spec.name() + ".clip must be > 0, but was " + clip);
    }
    if (!(wd >= 0) || !Double.isFinite(wd)) {
      throw new IllegalArgumentException(
          spec.name() + ".wd must be finite and >= 0, but was " + wd);
    }
    return new ConstantPolicy(spec, Hyperparameters.of(lr, clip, wd));
  }

  @Override
  public Hyperparameters initial() {
    return h;
  }

  @Override
  public void decide(Observation obs, Decision out) {
    out.reset();
    out.step = obs.step();
    out.set(h);
  }

  @Override
  public PolicyState snapshot() {
    return PolicyState.writer(spec.name()).build();
  }

  @Override
  public void restore(PolicyState state) {
    state.reader(spec.name()).end();
  }

  @Override
  public Policy copy() {
    return of(spec);
  }

  @Override
  public PolicySpec spec() {
    return spec;
  }
}
