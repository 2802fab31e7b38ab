package dev.governor.control;

/**
 * Immutable, validated configuration of the {@link SpikeGuard}.
 *
 * @param window ring-buffer length of accepted samples, {@code >= 4}
 * @param minSamples samples needed before z-scores are used, in {@code [2, window]}
 * @param zClip z-score from which a step is a spike and the clip threshold is tightened, {@code >
 *     0}
 * @param zSkip z-score from which the step is undone (skip), {@code >= zClip}
 * @param zRollback z-score from which the trainer rolls back, {@code >= zSkip}
 * @param lrCut factor applied to the learning rate on a rollback, in {@code (0, 1)}
 */
public record GuardConfig(
    int window, int minSamples, double zClip, double zSkip, double zRollback, double lrCut) {

  /** Validates every value and names the first bad one. */
  public GuardConfig {
    if (window < 4) {
      throw new IllegalArgumentException("guard window must be >= 4, but was " + window);
    }
    if (minSamples < 2 || minSamples > window) {
      throw new IllegalArgumentException(
          "guard minSamples must be in [2, window=" + window + "], but was " + minSamples);
    }
    if (!(zClip > 0) || !Double.isFinite(zClip)) {
      throw new IllegalArgumentException("guard zClip must be finite and > 0, but was " + zClip);
    }
    if (!(zSkip >= zClip) || !Double.isFinite(zSkip)) {
      throw new IllegalArgumentException(
          "guard zSkip must be finite and >= zClip=" + zClip + ", but was " + zSkip);
    }
    if (!(zRollback >= zSkip) || !Double.isFinite(zRollback)) {
      throw new IllegalArgumentException(
          "guard zRollback must be finite and >= zSkip=" + zSkip + ", but was " + zRollback);
    }
    if (!(lrCut > 0 && lrCut < 1)) {
      throw new IllegalArgumentException("guard lrCut must be in (0, 1), but was " + lrCut);
    }
  }

  /** Window 50, 20 samples, z 4 / 6 / 10, LR cut 0.5. */
  public static GuardConfig defaults() {
    return new GuardConfig(50, 20, 4.0, 6.0, 10.0, 0.5);
  }
}
