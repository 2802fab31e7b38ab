package dev.governor.sim;

/**
 * Non-stationary events injected into a simulated run, each a pure function of the step. Several
 * can be combined with {@link #and(Disturbance)}. Steps are zero-based; {@code -1} means "never".
 *
 * <ul>
 *   <li>Curvature jump: from step {@code curvatureStep} on, the whole objective (loss, gradient,
 *       gradient noise) is multiplied by {@code curvatureFactor} — every Hessian eigenvalue scales
 *       by the factor, so the stable learning rate divides by it.
 *   <li>Noise burst: during {@code [noiseStart, noiseStart + noiseSteps)} the gradient-noise
 *       standard deviation is multiplied by {@code noiseFactor}.
 *   <li>Batch change: from step {@code batchStep} on the mini-batch size is {@code batchAfter}.
 *   <li>Spikes: at steps {@code spikeStart + k·spikePeriod} (k ≥ 0) the reported loss and the
 *       gradient (which the optimizer then uses) are multiplied by {@code spikeFactor} — a bad
 *       batch.
 * </ul>
 *
 * @param curvatureStep step of the curvature jump, -1 for none
 * @param curvatureFactor objective scale after the jump, finite > 0
 * @param noiseStart first step of the noise burst, -1 for none
 * @param noiseSteps length of the burst, >= 0
 * @param noiseFactor noise standard-deviation multiplier during the burst, finite >= 0
 * @param batchStep step of the batch-size change, -1 for none
 * @param batchAfter batch size from then on, >= 1 when batchStep >= 0
 * @param spikeStart first spike step, -1 for none
 * @param spikePeriod steps between spikes, >= 1 (a huge period gives one spike)
 * @param spikeFactor loss and gradient multiplier at a spike, finite > 0
 */
public record Disturbance(
    long curvatureStep,
    double curvatureFactor,
    long noiseStart,
    long noiseSteps,
    double noiseFactor,
    long batchStep,
    int batchAfter,
    long spikeStart,
    long spikePeriod,
    double spikeFactor) {

  /** No disturbance. */
  public static final Disturbance NONE = new Disturbance(-1, 1, -1, 0, 1, -1, 1, -1, 1, 1);

  /** Validates every value. */
  public Disturbance {
    if (!(curvatureFactor > 0) || !Double.isFinite(curvatureFactor)) {
      throw new IllegalArgumentException(
          "curvatureFactor must be finite and > 0, but was " + curvatureFactor);
    }
    if (noiseSteps < 0) {
      throw new IllegalArgumentException("noiseSteps must be >= 0, but was " + noiseSteps);
    }
    if (!(noiseFactor >= 0) || !Double.isFinite(noiseFactor)) {
      throw new IllegalArgumentException(
          "noiseFactor must be finite and >= 0, but was " + noiseFactor);
    }
    if (batchStep >= 0 && batchAfter < 1) {
      throw new IllegalArgumentException("batchAfter must be >= 1, but was " + batchAfter);
    }
    if (spikePeriod < 1) {
      throw new IllegalArgumentException("spikePeriod must be >= 1, but was " + spikePeriod);
    }
    if (!(spikeFactor > 0) || !Double.isFinite(spikeFactor)) {
      throw new IllegalArgumentException(
          "spikeFactor must be finite and > 0, but was " + spikeFactor);
    }
  }

  /** The objective is multiplied by {@code factor} from {@code step} on. */
  public static Disturbance curvatureJump(long step, double factor) {
    return new Disturbance(step, factor, -1, 0, 1, -1, 1, -1, 1, 1);
  }

  /** Noise standard deviation × {@code factor} for {@code steps} steps from {@code start}. */
  public static Disturbance noiseBurst(long start, long steps, double factor) {
    return new Disturbance(-1, 1, start, steps, factor, -1, 1, -1, 1, 1);
  }

  /** Batch size {@code batch} from {@code step} on. */
  public static Disturbance batchChange(long step, int batch) {
    return new Disturbance(-1, 1, -1, 0, 1, step, batch, -1, 1, 1);
  }

  /** Loss and gradient × {@code factor} at {@code start}, {@code start + period}, … */
  public static Disturbance spikes(long start, long period, double factor) {
    return new Disturbance(-1, 1, -1, 0, 1, -1, 1, start, period, factor);
  }

  /** This disturbance and {@code o} together (o's events win where both set the same kind). */
  public Disturbance and(Disturbance o) {
    boolean c = o.curvatureStep >= 0;
    boolean n = o.noiseStart >= 0;
    boolean b = o.batchStep >= 0;
    boolean s = o.spikeStart >= 0;
    return new Disturbance(
        c ? o.curvatureStep : curvatureStep,
        c ? o.curvatureFactor : curvatureFactor,
        n ? o.noiseStart : noiseStart,
        n ? o.noiseSteps : noiseSteps,
        n ? o.noiseFactor : noiseFactor,
        b ? o.batchStep : batchStep,
        b ? o.batchAfter : batchAfter,
        s ? o.spikeStart : spikeStart,
        s ? o.spikePeriod : spikePeriod,
        s ? o.spikeFactor : spikeFactor);
  }

  /** Objective scale at {@code step}. */
  public double curvatureScale(long step) {
    return curvatureStep >= 0 && step >= curvatureStep ? curvatureFactor : 1.0;
  }

  /** Noise standard-deviation multiplier at {@code step}. */
  public double noiseMultiplier(long step) {
    return noiseStart >= 0 && step >= noiseStart && step < noiseStart + noiseSteps
        ? noiseFactor
        : 1.0;
  }

  /** Batch size at {@code step} given the configured one. */
  public int batch(long step, int configured) {
    return batchStep >= 0 && step >= batchStep ? batchAfter : configured;
  }

  /** Loss/gradient multiplier at {@code step} (1 except at spikes). */
  public double spike(long step) {
    return spikeStart >= 0 && step >= spikeStart && (step - spikeStart) % spikePeriod == 0
        ? spikeFactor
        : 1.0;
  }
}
