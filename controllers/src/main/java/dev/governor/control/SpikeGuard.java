package dev.governor.control;

/**
 * Spike and divergence detector on the training loss and the log gradient norm, with an escalating
 * response (docs/theory.md, "Large-run practice"; semantics of the actions in {@link GuardAction}).
 *
 * <p>Per step: the one-sided z-scores {@code z_L = (L − mean) / sd} of the loss and {@code z_G} of
 * {@code ln ‖g‖} against a rolling window of the last accepted (non-spike) samples; {@code z =
 * max(z_L, z_G)}. Level: {@code z >= zRollback} → ROLLBACK, {@code >= zSkip} → SKIP, {@code >=
 * zClip} → CLIP, else NONE. Escalation: the k-th consecutive spike step is at least level k (CLIP,
 * SKIP, then ROLLBACK). Spike samples are not added to the window. After three rollbacks with no
 * normal step between them the window is cleared (a genuine level shift is re-learned rather than
 * rolled back forever). Z-scores are used once the window holds {@code minSamples} samples; the
 * standard deviation is floored at {@code 1e-6 + 1e-3·|mean|}.
 *
 * <p>NaN/Inf: a NaN or infinite loss, or an infinite gradient norm, is a ROLLBACK at once (the
 * model's state is broken; nothing milder helps). A NaN gradient norm means "not measured": only
 * the loss is checked. Zero allocation per step (ring buffers). Not thread-safe.
 */
public interface SpikeGuard {

  /** A guard with an empty window. */
  static SpikeGuard of(GuardConfig config) {
    return new SpikeGuardImpl(config);
  }

  /** Its configuration. */
  GuardConfig config();

  /**
   * Checks one step's measurements and returns the action for the next step.
   *
   * @param loss the step's training loss (NaN/Inf → ROLLBACK)
   * @param gradNorm the pre-clip gradient norm (NaN = not measured, +Inf → ROLLBACK)
   */
  GuardAction check(double loss, double gradNorm);

  /** Loss z-score of the last check; NaN when not computed (window not full, or no value). */
  double lossZ();

  /** Log-gradient-norm z-score of the last check; NaN when not computed. */
  double gradZ();

  /**
   * The clip threshold at the CLIP level: {@code exp(mean + zClip·sd)} of the window's log gradient
   * norms; +Inf until the window has {@code minSamples} gradient norms.
   */
  double clipLimit();

  /** Number of spike steps (any level above NONE) so far. */
  long spikes();

  /** Appends the complete mutable state. */
  void writeState(PolicyState.Writer w);

  /** Reads a state written by {@link #writeState}. */
  void readState(PolicyState.Reader r);

  /** Same configuration, empty window. */
  SpikeGuard copy();
}
