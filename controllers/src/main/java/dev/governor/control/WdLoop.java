package dev.governor.control;

/**
 * The weight-decay loop of {@code pi}: {@code λ_{t+1} = min(κ/η_{t+1}·e^trim, 0.5/η_{t+1})} with
 * {@code κ = wd·lr} (so the decoupled shrink per step {@code η·λ} stays at {@code κ·e^trim} when
 * the LR loop moves η; THEORY.md "AdamW"), where {@code trim} is the output of a {@link
 * PiController} on the generalization gap (reverse acting: more decay lowers the gap), {@code trim
 * ∈ [−ln range, ln range]}. The trim updates only at steps where a validation loss was measured, a
 * slower rate than the step. The cap keeps the shrink per step at most 50 %.
 *
 * <p>NaN: a NaN validation loss means "not measured" (no update, not a fault); an infinite one, or
 * a NaN/Inf training loss at a measured step, is a fault (trim held). {@code wd = 0} gives λ = 0
 * throughout; with the loop off λ is the fixed {@code wd}.
 */
final class WdLoop {
  private final PiPolicyConfig.WdLoop c;
  private final double kappa;
  private final PiController pi;

  WdLoop(PiPolicyConfig.WdLoop c, double lr0) {
    this.c = c;
    this.kappa = c.wd() * lr0;
    double lim = Math.log(c.range());
    this.pi =
        PiController.of(
            PiConfig.builder()
                .kp(c.kp())
                .ki(c.ki())
                .setpoint(c.setpoint())
                .reverseActing(true)
                .filterAlpha(c.alpha())
                .initial(0)
                .bounds(-lim, lim)
                .build());
  }

  PiController controller() {
    return pi;
  }

  /** λ for a step run with learning rate {@code lr}, without taking a measurement. */
  double value(double lr) {
    if (!c.on() || c.wd() == 0) {
      return c.wd();
    }
    double v = kappa / lr * Math.exp(pi.output());
    return Math.min(v, 0.5 / lr);
  }

  /** Takes the step's gap measurement (when one was made) and returns λ for {@code nextLr}. */
  double update(Observation obs, double nextLr) {
    if (c.on() && !Double.isNaN(obs.valLoss())) {
      pi.update(c.pv().measure(obs));
    }
    return value(nextLr);
  }

  void writeState(PolicyState.Writer w) {
    pi.writeState(w);
  }

  void readState(PolicyState.Reader r) {
    pi.readState(r);
  }
}
