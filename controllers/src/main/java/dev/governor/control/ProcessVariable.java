package dev.governor.control;

import java.util.Arrays;
import java.util.Locale;

/**
 * The measurable states of the optimization a loop can regulate (docs/design.md, "Process
 * variables"). Each reads one step's {@link Observation} and returns a plain number, or NaN when it
 * cannot be measured at that step; a controller treats NaN (and ±Inf) as a fault and holds its
 * output. Filtering (e.g. turning the clip indicator into a clip rate) is the controller's EMA, not
 * done here. Stateless and allocation-free.
 */
public enum ProcessVariable {
  /**
   * {@code gradNorm / loss}, the classic setpoint form. NaN when either is NaN/Inf or {@code loss
   * <= 0} (the ratio has no meaning for a non-positive loss).
   */
  GRAD_LOSS_RATIO("grad-loss-ratio") {
    @Override
    public double measure(Observation o) {
      double g = o.gradNorm();
      double l = o.loss();
      return Double.isFinite(g) && Double.isFinite(l) && l > 0 ? g / l : Double.NaN;
    }
  },
  /**
   * {@code log10(‖Δθ‖ / ‖θ‖)} of the global update (DL4J's guidance: about −3). NaN when either
   * norm is NaN/Inf, the parameter norm is {@code <= 0} or the update norm is {@code <= 0}.
   */
  UPDATE_RATIO("update-ratio") {
    @Override
    public double measure(Observation o) {
      return log10Ratio(o.updateNorm(), o.paramNorm());
    }
  },
  /**
   * Gradient alignment {@code cos(g_t, g_{t−1})}, clamped to {@code [−1, 1]}. Positive: successive
   * steps agree (the step could be longer); negative: the iterate oscillates across a valley or
   * noise dominates (the step should be shorter). NaN when not measured (step 0) or NaN/Inf.
   */
  ALIGNMENT("alignment") {
    @Override
    public double measure(Observation o) {
      double a = o.alignment();
      return Double.isFinite(a) ? Math.max(-1, Math.min(1, a)) : Double.NaN;
    }
  },
  /**
   * Clip indicator: 1 when the step's pre-clip gradient norm exceeded the clip threshold applied at
   * that step ({@code obs.clip()}), else 0; its EMA is the clip rate. A gradient norm of +Inf with
   * a finite threshold counts as clipped (1). NaN when the gradient norm or the threshold is NaN,
   * or the norm is negative.
   */
  CLIP_INDICATOR("clip-rate") {
    @Override
    public double measure(Observation o) {
      return clipIndicator(o.gradNorm(), o.clip());
    }
  },
  /**
   * Generalization gap {@code valLoss − loss}. NaN when the validation loss is not measured at this
   * step (the usual case between evaluations) or either loss is NaN/Inf.
   */
  GENERALIZATION_GAP("gap") {
    @Override
    public double measure(Observation o) {
      double g = o.valLoss() - o.loss();
      return Double.isFinite(g) ? g : Double.NaN;
    }
  },
  /**
   * Relative generalization gap {@code (valLoss − loss) / |loss|}, a scale-free form of the gap.
   * NaN when the validation loss is not measured, either loss is NaN/Inf, or {@code loss = 0}.
   */
  RELATIVE_GAP("relative-gap") {
    @Override
    public double measure(Observation o) {
      double l = o.loss();
      double g = (o.valLoss() - l) / Math.abs(l);
      return Double.isFinite(g) ? g : Double.NaN;
    }
  },
  /**
   * Secant sharpness × learning rate {@code ŝ·η}, where {@code ŝ = ‖g_t − g_{t−1}‖ / ‖θ_t −
   * θ_{t−1}‖}: on a quadratic GD is stable iff this stays below 2 along the top direction. NaN when
   * either factor is NaN/Inf or negative.
   */
  SHARPNESS_LR("sharpness-lr") {
    @Override
    public double measure(Observation o) {
      double v = o.sharpness() * o.lr();
      return Double.isFinite(v) && o.sharpness() >= 0 && o.lr() >= 0 ? v : Double.NaN;
    }
  };

  private final String key;

  ProcessVariable(String key) {
    this.key = key;
  }

  /** The measurement for one step; NaN when it cannot be measured (see each constant). */
  public abstract double measure(Observation o);

  /** The option text naming this variable ({@code alignment}, {@code update-ratio}, …). */
  public String key() {
    return key;
  }

  /**
   * Per-layer update ratio {@code log10(‖Δθ_i‖ / ‖θ_i‖)} of layer {@code i}; NaN when not measured,
   * NaN/Inf, or a norm is {@code <= 0}.
   */
  public static double layerUpdateRatio(Observation o, int i) {
    return log10Ratio(o.layerUpdateNorm(i), o.layerParamNorm(i));
  }

  /** 1 when {@code gradNorm > clip}, else 0; NaN when either is NaN or the norm is negative. */
  public static double clipIndicator(double gradNorm, double clip) {
    if (Double.isNaN(gradNorm) || Double.isNaN(clip) || gradNorm < 0) {
      return Double.NaN;
    }
    return gradNorm > clip ? 1.0 : 0.0;
  }

  static double log10Ratio(double num, double den) {
    if (!(num > 0) || !(den > 0) || !Double.isFinite(num) || !Double.isFinite(den)) {
      return Double.NaN;
    }
    double q = num / den;
    return q > 0 && q < Double.POSITIVE_INFINITY ? Math.log10(q) : Double.NaN;
  }

  /**
   * The variable named by its key.
   *
   * @throws IllegalArgumentException naming the text and listing the keys
   */
  public static ProcessVariable ofKey(String key) {
    String k = key == null ? "" : key.trim().toLowerCase(Locale.ROOT);
    for (ProcessVariable v : values()) {
      if (v.key.equals(k)) {
        return v;
      }
    }
    throw new IllegalArgumentException(
        "process variable must be one of "
            + Arrays.stream(values()).map(ProcessVariable::key).toList()
            + ", but was '"
            + key
            + "'");
  }
}
