package dev.governor.control;

/**
 * The weight-decay loop of {@code pi}. The trainer applies decoupled decay (AdamW): each step
 * shrinks the parameters by {@code η_t·λ_t}. Two ways to set the coefficient:
 *
 * <ul>
 *   <li><b>Fixed coefficient</b> ({@code wd}, AdamW's λ): {@code λ_t = wd·e^trim}. The shrink per
 *       step {@code η_t·λ_t} follows the LR, so it anneals with the schedule as AdamW's does.
 *   <li><b>EMA timescale</b> ({@code wd-tau}, a fraction of {@code t-max}): AdamW's parameters are
 *       an exponential moving average of recent updates with timescale {@code τ = 1/(η·λ)} steps
 *       (Wang & Aitchison, ICML 2025); a timescale between one epoch and the whole run is the
 *       guideline. {@code λ_t = e^trim/(τ·η̂_t)} with {@code τ = wd-tau·t-max} and {@code η̂_t} the
 *       LR loop's current peak (the LR its base schedule would have at its start under the loop's
 *       present trim): λ is set from the peak LR the loop has found, and the shrink per step {@code
 *       η_t·λ_t = (η_t/η̂_t)/τ} follows the base schedule's shape (a cosine anneals it to zero).
 * </ul>
 *
 * <p>{@code trim ∈ [−ln range, ln range]} is the output of a {@link PiController} on the
 * generalization gap (reverse acting: more decay lowers the gap), updated only at steps where a
 * validation loss was measured. The cap keeps the shrink per step at most 50 %.
 *
 * <p>NaN: a NaN validation loss means "not measured" (no update, not a fault); an infinite one, or
 * a NaN/Inf training loss at a measured step, is a fault (trim held). A non-finite or non-positive
 * peak gives λ = 0 for that step. {@code wd = 0} without {@code wd-tau} gives λ = 0 throughout;
 * with the loop off the trim stays 0.
 */
final class WdLoop {
  private final PiPolicyConfig.WdLoop c;
  private final double tau;
  private final PiController pi;

  /**
   * @param horizon the run's {@code t-max} in steps ({@code <= 0} when there is none; then {@code
   *     wd-tau} must not be set)
   */
  WdLoop(PiPolicyConfig.WdLoop c, long horizon) {
    this.c = c;
    if (Double.isNaN(c.tau())) {
      this.tau = Double.NaN;
    } else {
      if (horizon <= 0) {
        throw new IllegalArgumentException(
            "pi.wd-tau needs a horizon (t-max), but the policy has none");
      }
      this.tau = c.tau() * horizon;
    }
    this.pi =
        PiController.of(
            LogMultiplierPi.builder(c.kp(), c.ki(), c.setpoint(), c.alpha(), c.range())
                .initial(0)
                .build());
  }

  PiController controller() {
    return pi;
  }

  /** Whether λ is set from the EMA timescale. */
  boolean timescale() {
    return !Double.isNaN(tau);
  }

  /**
   * λ for a step run with learning rate {@code lr} when the LR loop's peak is {@code peak}, without
   * taking a measurement.
   */
  double value(double lr, double peak) {
    double trim = c.on() ? Math.exp(pi.output()) : 1.0;
    double v;
    if (timescale()) {
      if (!(peak > 0) || !Double.isFinite(peak)) {
        return 0.0;
      }
      v = trim / (tau * peak);
    } else {
      if (c.wd() == 0) {
        return 0.0;
      }
      v = c.wd() * trim;
    }
    return Math.min(v, 0.5 / lr);
  }

  /** Takes the step's gap measurement (when one was made) and returns λ for {@code nextLr}. */
  double update(Observation obs, double nextLr, double peak) {
    if (c.on() && !Double.isNaN(obs.valLoss())) {
      pi.update(c.pv().measure(obs));
    }
    return value(nextLr, peak);
  }

  void writeState(PolicyState.Writer w) {
    pi.writeState(w);
  }

  void readState(PolicyState.Reader r) {
    pi.readState(r);
  }
}
