package dev.governor.control;

/**
 * Immutable, validated configuration of a {@link PiController}. All values are in the controller's
 * output domain, which for a multiplicative actuator (learning rate, clip threshold) is the natural
 * logarithm of the actuator: {@code maxDelta = ln 1.1} allows at most a factor 1.1 per update.
 *
 * <p>Error sign: {@code reverseActing = true} means raising the output lowers the measurement, so
 * the error is {@code measurement − setpoint} (e.g. raising the learning rate lowers the gradient
 * alignment); {@code false} means {@code setpoint − measurement}.
 *
 * @param kp proportional gain, finite, {@code >= 0}
 * @param ki integral gain per update, finite, {@code >= 0}
 * @param setpoint target of the filtered measurement, finite
 * @param reverseActing error sign, see above
 * @param filterAlpha EMA weight of a new measurement, in {@code (0, 1]} (1 = no filter)
 * @param period steps between controller updates, {@code >= 1} (the filter runs every step)
 * @param initial output before the first update (bumpless start), finite, within bounds
 * @param outMin lower output bound, finite
 * @param outMax upper output bound, finite, {@code >= outMin}
 * @param maxDelta slew limit: largest output change per update, {@code > 0} (+Inf = none)
 * @param integralMin lower integrator clamp, finite, {@code <= 0}
 * @param integralMax upper integrator clamp, finite, {@code >= 0}
 */
public record PiConfig(
    double kp,
    double ki,
    double setpoint,
    boolean reverseActing,
    double filterAlpha,
    long period,
    double initial,
    double outMin,
    double outMax,
    double maxDelta,
    double integralMin,
    double integralMax) {

  /** Validates every value and names the first bad one. */
  public PiConfig {
    if (!(kp >= 0) || !Double.isFinite(kp)) {
      throw new IllegalArgumentException("kp must be finite and >= 0, but was " + kp);
    }
    if (!(ki >= 0) || !Double.isFinite(ki)) {
      throw new IllegalArgumentException("ki must be finite and >= 0, but was " + ki);
    }
    if (!Double.isFinite(setpoint)) {
      throw new IllegalArgumentException("setpoint must be finite, but was " + setpoint);
    }
    if (!(filterAlpha > 0 && filterAlpha <= 1)) {
      throw new IllegalArgumentException("filterAlpha must be in (0, 1], but was " + filterAlpha);
    }
    if (period < 1) {
      throw new IllegalArgumentException("period must be >= 1, but was " + period);
    }
    if (!Double.isFinite(outMin)) {
      throw new IllegalArgumentException("outMin must be finite, but was " + outMin);
    }
    if (!(outMax >= outMin) || !Double.isFinite(outMax)) {
      throw new IllegalArgumentException(
          "outMax must be finite and >= outMin=" + outMin + ", but was " + outMax);
    }
    if (!(initial >= outMin && initial <= outMax)) {
      throw new IllegalArgumentException(
          "initial must be in [outMin=" + outMin + ", outMax=" + outMax + "], but was " + initial);
    }
    if (!(maxDelta > 0)) {
      throw new IllegalArgumentException("maxDelta must be > 0 (or Infinity), but was " + maxDelta);
    }
    if (!(integralMin <= 0) || !Double.isFinite(integralMin)) {
      throw new IllegalArgumentException(
          "integralMin must be finite and <= 0, but was " + integralMin);
    }
    if (!(integralMax >= 0) || !Double.isFinite(integralMax)) {
      throw new IllegalArgumentException(
          "integralMax must be finite and >= 0, but was " + integralMax);
    }
  }

  /** A builder with neutral defaults: kp 0, ki 0.1, setpoint 0, reverse acting, no filter, … */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder pre-filled with this configuration. */
  public Builder toBuilder() {
    return new Builder()
        .kp(kp)
        .ki(ki)
        .setpoint(setpoint)
        .reverseActing(reverseActing)
        .filterAlpha(filterAlpha)
        .period(period)
        .initial(initial)
        .bounds(outMin, outMax)
        .maxDelta(maxDelta)
        .integralBounds(integralMin, integralMax);
  }

  /**
   * Mutable builder. Defaults: kp 0, ki 0.1, setpoint 0, reverse acting, filterAlpha 1, period 1,
   * initial 0, bounds [−10, 10], maxDelta +Inf, integrator clamp = ±(outMax − outMin) unless set.
   */
  public static final class Builder {
    private double kp = 0;
    private double ki = 0.1;
    private double setpoint = 0;
    private boolean reverseActing = true;
    private double filterAlpha = 1;
    private long period = 1;
    private double initial = 0;
    private double outMin = -10;
    private double outMax = 10;
    private double maxDelta = Double.POSITIVE_INFINITY;
    private double integralMin = Double.NaN;
    private double integralMax = Double.NaN;

    public Builder kp(double v) {
      kp = v;
      return this;
    }

    public Builder ki(double v) {
      ki = v;
      return this;
    }

    public Builder setpoint(double v) {
      setpoint = v;
      return this;
    }

    public Builder reverseActing(boolean v) {
      reverseActing = v;
      return this;
    }

    public Builder filterAlpha(double v) {
      filterAlpha = v;
      return this;
    }

    public Builder period(long v) {
      period = v;
      return this;
    }

    public Builder initial(double v) {
      initial = v;
      return this;
    }

    public Builder bounds(double min, double max) {
      outMin = min;
      outMax = max;
      return this;
    }

    public Builder maxDelta(double v) {
      maxDelta = v;
      return this;
    }

    public Builder integralBounds(double min, double max) {
      integralMin = min;
      integralMax = max;
      return this;
    }

    /** Validates and builds. */
    public PiConfig build() {
      double span = outMax - outMin;
      return new PiConfig(
          kp,
          ki,
          setpoint,
          reverseActing,
          filterAlpha,
          period,
          initial,
          outMin,
          outMax,
          maxDelta,
          Double.isNaN(integralMin) ? -span : integralMin,
          Double.isNaN(integralMax) ? span : integralMax);
    }
  }
}
