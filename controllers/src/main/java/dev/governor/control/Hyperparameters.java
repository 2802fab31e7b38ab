package dev.governor.control;

import java.util.Arrays;

/**
 * What a trainer applies at one step: the learning rate (global, with optional per-layer
 * multipliers), the gradient-clip threshold, the weight decay, and the guard's action.
 *
 * <p>Every value is validated on construction, so a decision outside its domain can never reach a
 * network: {@code lr} finite and {@code > 0}; {@code clip > 0}, where {@link #NO_CLIP} (+Inf) means
 * clipping is off — the only non-finite value allowed anywhere in a decision; {@code weightDecay}
 * finite and {@code >= 0}; each multiplier finite and {@code > 0}. Weight decay is
 * <em>decoupled</em> (AdamW): the shrink per step is {@code lr · weightDecay · θ}.
 *
 * <p>Immutable and thread-safe; the multiplier array is copied in and out.
 *
 * @param lr global learning rate
 * @param clip global-norm clip threshold, {@link #NO_CLIP} for none
 * @param weightDecay decoupled weight-decay coefficient λ
 * @param layerLrMultipliers per-layer LR multipliers (empty = 1 for every layer)
 * @param action the guard's action for the trainer
 */
public record Hyperparameters(
    double lr, double clip, double weightDecay, double[] layerLrMultipliers, GuardAction action) {

  /** Clip threshold meaning "do not clip". */
  public static final double NO_CLIP = Double.POSITIVE_INFINITY;

  private static final double[] NONE = new double[0];

  /** Validates every value and names the first one out of its domain. */
  public Hyperparameters {
    if (!(lr > 0) || !Double.isFinite(lr)) {
      throw new IllegalArgumentException("lr must be finite and > 0, but was " + lr);
    }
    if (!(clip > 0)) {
      throw new IllegalArgumentException(
          "clip must be > 0 (or +Infinity for none), but was " + clip);
    }
    if (!(weightDecay >= 0) || !Double.isFinite(weightDecay)) {
      throw new IllegalArgumentException(
          "weightDecay must be finite and >= 0, but was " + weightDecay);
    }
    if (layerLrMultipliers == null || layerLrMultipliers.length == 0) {
      layerLrMultipliers = NONE;
    } else {
      layerLrMultipliers = layerLrMultipliers.clone();
      for (int i = 0; i < layerLrMultipliers.length; i++) {
        double m = layerLrMultipliers[i];
        if (!(m > 0) || !Double.isFinite(m)) {
          throw new IllegalArgumentException(
              "layerLrMultipliers[" + i + "] must be finite and > 0, but was " + m);
        }
      }
    }
    if (action == null) {
      throw new IllegalArgumentException("action must not be null");
    }
  }

  /** Hyperparameters with no per-layer multipliers and no guard action. */
  public static Hyperparameters of(double lr, double clip, double weightDecay) {
    return new Hyperparameters(lr, clip, weightDecay, NONE, GuardAction.NONE);
  }

  /** A copy with another learning rate. */
  public Hyperparameters withLr(double newLr) {
    return new Hyperparameters(newLr, clip, weightDecay, layerLrMultipliers, action);
  }

  /** A copy with another clip threshold. */
  public Hyperparameters withClip(double newClip) {
    return new Hyperparameters(lr, newClip, weightDecay, layerLrMultipliers, action);
  }

  /** A copy with another weight decay. */
  public Hyperparameters withWeightDecay(double newWd) {
    return new Hyperparameters(lr, clip, newWd, layerLrMultipliers, action);
  }

  /** A copy with another guard action. */
  public Hyperparameters withAction(GuardAction newAction) {
    return new Hyperparameters(lr, clip, weightDecay, layerLrMultipliers, newAction);
  }

  /** A copy with per-layer multipliers. */
  public Hyperparameters withLayerLrMultipliers(double... multipliers) {
    return new Hyperparameters(lr, clip, weightDecay, multipliers, action);
  }

  /** A copy of the per-layer multipliers (empty when none). */
  @Override
  public double[] layerLrMultipliers() {
    return layerLrMultipliers.clone();
  }

  /** Number of per-layer multipliers (0 = none). */
  public int layerCount() {
    return layerLrMultipliers.length;
  }

  /** The learning rate of layer {@code i}: {@code lr × multiplier[i]}, or {@code lr} when none. */
  public double layerLr(int i) {
    return i < layerLrMultipliers.length ? lr * layerLrMultipliers[i] : lr;
  }

  /** Whether clipping is on (a finite threshold). */
  public boolean clipping() {
    return clip != NO_CLIP;
  }

  /**
   * The effective learning rate η·min(1, c/‖g‖) for a gradient of norm {@code gradNorm}
   * (docs/theory.md, "Clipping").
   */
  public double effectiveLr(double gradNorm) {
    return effectiveLr(lr, clip, gradNorm);
  }

  /**
   * η·min(1, c/‖g‖). NaN when {@code lr} or {@code gradNorm} is NaN; with {@code clip = +Inf} or a
   * zero gradient it is η; with an infinite gradient and a finite clip it is 0.
   */
  public static double effectiveLr(double lr, double clip, double gradNorm) {
    if (Double.isNaN(lr) || Double.isNaN(gradNorm) || Double.isNaN(clip)) {
      return Double.NaN;
    }
    return gradNorm > clip ? lr * (clip / gradNorm) : lr;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Hyperparameters h
        && Double.doubleToLongBits(lr) == Double.doubleToLongBits(h.lr)
        && Double.doubleToLongBits(clip) == Double.doubleToLongBits(h.clip)
        && Double.doubleToLongBits(weightDecay) == Double.doubleToLongBits(h.weightDecay)
        && Arrays.equals(layerLrMultipliers, h.layerLrMultipliers)
        && action == h.action;
  }

  @Override
  public int hashCode() {
    int h = Double.hashCode(lr);
    h = 31 * h + Double.hashCode(clip);
    h = 31 * h + Double.hashCode(weightDecay);
    h = 31 * h + Arrays.hashCode(layerLrMultipliers);
    return 31 * h + action.hashCode();
  }

  @Override
  public String toString() {
    return "Hyperparameters[lr="
        + lr
        + ", clip="
        + clip
        + ", wd="
        + weightDecay
        + (layerLrMultipliers.length > 0 ? ", layers=" + Arrays.toString(layerLrMultipliers) : "")
        + ", action="
        + action
        + "]";
  }
}
