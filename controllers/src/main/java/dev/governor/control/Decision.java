package dev.governor.control;

import java.util.Arrays;

/**
 * A reusable, mutable holder a {@link Policy} writes its decision into, so the hot path allocates
 * nothing: the hyperparameters for the next step plus the controller internals that telemetry
 * records (errors and integrator states of the loops; NaN where a loop does not exist).
 *
 * <p>Not thread-safe; one per caller. {@link #hyperparameters()} validates and returns an immutable
 * copy. {@link #copyFrom(Decision)} copies every field (nothing is dropped: the fields are listed
 * once, in {@link #reset()} and {@code copyFrom}).
 */
public final class Decision {
  /** Step of the observation the decision was made after; the decision applies to step + 1. */
  public long step = -1;

  public double lr = Double.NaN;
  public double clip = Double.NaN;
  public double weightDecay = Double.NaN;
  public GuardAction action = GuardAction.NONE;

  /** Per-layer LR multipliers; {@link #layerCount} of them are valid (0 = none). */
  public double[] layerLrMultipliers = new double[0];

  public int layerCount;

  /**
   * Filtered process variable of the LR loop, its error (setpoint − measurement), its integrator.
   */
  public double lrMeasurement = Double.NaN;

  public double lrError = Double.NaN;
  public double lrIntegral = Double.NaN;

  /** Same for the clip loop. */
  public double clipMeasurement = Double.NaN;

  public double clipError = Double.NaN;
  public double clipIntegral = Double.NaN;

  /** Same for the weight-decay (generalization gap) trim loop. */
  public double wdMeasurement = Double.NaN;

  public double wdError = Double.NaN;
  public double wdIntegral = Double.NaN;

  /** Total measurement faults (NaN/Inf inputs) the policy has counted so far. */
  public long faults;

  /** Guard z-score of the loss and the gradient norm at this step (NaN before the window fills). */
  public double lossZ = Double.NaN;

  public double gradZ = Double.NaN;

  /**
   * Clears every field ({@link #reset()}) and writes the decision made after step {@code step}: the
   * hyperparameters of step {@code step + 1} and the guard action. The controller internals stay
   * NaN (and the multipliers none) for the caller to fill.
   *
   * @return this
   */
  public Decision set(long step, double lr, double clip, double weightDecay, GuardAction action) {
    reset();
    this.step = step;
    this.lr = lr;
    this.clip = clip;
    this.weightDecay = weightDecay;
    this.action = action;
    return this;
  }

  /** Clears every field to its "nothing decided" value; keeps the multiplier buffer. */
  public Decision reset() {
    step = -1;
    lr = Double.NaN;
    clip = Double.NaN;
    weightDecay = Double.NaN;
    action = GuardAction.NONE;
    layerCount = 0;
    lrMeasurement = Double.NaN;
    lrError = Double.NaN;
    lrIntegral = Double.NaN;
    clipMeasurement = Double.NaN;
    clipError = Double.NaN;
    clipIntegral = Double.NaN;
    wdMeasurement = Double.NaN;
    wdError = Double.NaN;
    wdIntegral = Double.NaN;
    faults = 0;
    lossZ = Double.NaN;
    gradZ = Double.NaN;
    return this;
  }

  /** Copies every field of {@code o} into this decision. */
  public Decision copyFrom(Decision o) {
    step = o.step;
    lr = o.lr;
    clip = o.clip;
    weightDecay = o.weightDecay;
    action = o.action;
    setLayerCount(o.layerCount);
    System.arraycopy(o.layerLrMultipliers, 0, layerLrMultipliers, 0, o.layerCount);
    lrMeasurement = o.lrMeasurement;
    lrError = o.lrError;
    lrIntegral = o.lrIntegral;
    clipMeasurement = o.clipMeasurement;
    clipError = o.clipError;
    clipIntegral = o.clipIntegral;
    wdMeasurement = o.wdMeasurement;
    wdError = o.wdError;
    wdIntegral = o.wdIntegral;
    faults = o.faults;
    lossZ = o.lossZ;
    gradZ = o.gradZ;
    return this;
  }

  /** Sets the number of valid multipliers, growing the buffer (only) when needed. */
  public void setLayerCount(int n) {
    if (layerLrMultipliers.length < n) {
      layerLrMultipliers = new double[n];
    }
    layerCount = n;
  }

  /** Sets lr, clip, weight decay and action from {@code h} (and its multipliers). */
  public Decision set(Hyperparameters h) {
    lr = h.lr();
    clip = h.clip();
    weightDecay = h.weightDecay();
    action = h.action();
    setLayerCount(h.layerCount());
    for (int i = 0; i < layerCount; i++) {
      layerLrMultipliers[i] = h.layerLr(i) / h.lr();
    }
    return this;
  }

  /**
   * The decided hyperparameters as an immutable, validated value.
   *
   * @throws IllegalArgumentException naming the field when a policy wrote a value out of its domain
   */
  public Hyperparameters hyperparameters() {
    return new Hyperparameters(
        lr,
        clip,
        weightDecay,
        layerCount == 0 ? null : Arrays.copyOf(layerLrMultipliers, layerCount),
        action);
  }

  @Override
  public String toString() {
    return "Decision[step=" + step + ", " + hyperparameters() + ", faults=" + faults + "]";
  }
}
