package dev.governor.control;

/**
 * The clip loop of {@code pi}: threshold {@code c = g0·e^u}, where {@code g0} is the first finite
 * positive gradient norm seen and {@code u} the output of a {@link PiController} on the clip
 * indicator (its EMA is the clip rate; error = rate − target, reverse acting: a higher threshold
 * clips less). Starts at {@code u = ln(initFactor)}; {@code u ∈ [−ln range, ln range]}.
 *
 * <p>Guard: while the clip rate is above {@code holdRate} the threshold may fall but not rise (the
 * controller's output is overridden, bumplessly, to its previous value). Sparse spikes clip a few
 * per cent of the steps and the loop follows its setpoint; a sustained growth of the gradient norm
 * clips nearly every step, and raising the threshold with it would pass the growth on to the step
 * ‖Δθ‖ = η·clip — the loop holds instead and acts as a fixed clip until the growth ends.
 *
 * <p>NaN: until a finite positive gradient norm has been seen the threshold is +Inf (no clipping:
 * there is no scale yet). The indicator compares the step's gradient norm with the threshold
 * applied at that step ({@code obs.clip()}, or this loop's own threshold when that is NaN); a NaN
 * gradient norm is a fault (output held). When the loop is off the fixed threshold is returned.
 */
final class ClipLoop {
  private final PiPolicyConfig.ClipLoop c;
  private final PiController pi;
  private double scale = Double.NaN;
  private double clip;

  ClipLoop(PiPolicyConfig.ClipLoop c) {
    this.c = c;
    double lim = Math.log(c.range());
    this.pi =
        PiController.of(
            LogMultiplierPi.builder(c.kp(), c.ki(), c.rate(), c.alpha(), c.range())
                .initial(Math.max(-lim, Math.min(lim, Math.log(c.initFactor()))))
                .maxDelta(Math.log(c.slew()))
                .build());
    this.clip = c.on() ? Hyperparameters.NO_CLIP : c.fixed();
  }

  PiController controller() {
    return pi;
  }

  double initial() {
    return clip;
  }

  double update(Observation obs) {
    if (!c.on()) {
      return clip;
    }
    double g = obs.gradNorm();
    if (Double.isNaN(scale)) {
      if (g > 0 && g < Double.POSITIVE_INFINITY) {
        scale = g;
        clip = scale * Math.exp(pi.output());
      }
      return clip;
    }
    double applied = Double.isNaN(obs.clip()) ? clip : obs.clip();
    double before = pi.output();
    pi.update(ProcessVariable.clipIndicator(g, applied));
    if (pi.filtered() > c.holdRate() && pi.output() > before) {
      pi.override(before);
    }
    clip = scale * Math.exp(pi.output());
    return clip;
  }

  double clip() {
    return clip;
  }

  void writeState(PolicyState.Writer w) {
    pi.writeState(w);
    w.putDouble(scale).putDouble(clip);
  }

  void readState(PolicyState.Reader r) {
    pi.readState(r);
    double s = r.getDouble();
    double cl = r.getDouble();
    if (!(cl > 0)) {
      throw new IllegalArgumentException("pi state clip must be > 0, but was " + cl);
    }
    scale = s;
    clip = cl;
  }
}
