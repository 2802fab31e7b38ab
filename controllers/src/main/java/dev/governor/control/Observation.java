package dev.governor.control;

import java.util.Arrays;

/**
 * One training step's measurements, as a trainer reports them after running step {@link #step()}
 * with the hyperparameters {@link #lr()}, {@link #clip()} and {@link #weightDecay()}.
 *
 * <p>Missing values are {@code NaN}, never a magic number: a trainer that does not measure the
 * validation loss at this step reports {@code valLoss = NaN}; a simulated problem without layers
 * reports empty per-layer arrays. Measured values are carried as measured — a diverging run yields
 * {@code loss = Infinity} — and every consumer documents what it does with NaN and Inf.
 *
 * <p>Units: {@code loss} and {@code valLoss} in the model's loss units; all norms are Euclidean
 * (L2) norms over the parameters concerned; {@code gradNorm} is the global norm <em>before</em>
 * clipping; {@code updateNorm} is ‖θ<sub>t+1</sub> − θ<sub>t</sub>‖ of the update actually applied;
 * {@code alignment} is cos(g<sub>t</sub>, g<sub>t−1</sub>) in [−1, 1]; {@code sharpness} is a
 * secant estimate ‖g<sub>t</sub> − g<sub>t−1</sub>‖ / ‖θ<sub>t</sub> − θ<sub>t−1</sub>‖ of the
 * curvature along the last step (1/LR units).
 *
 * <p>The per-layer arrays are copied on construction and on access ({@link #layerGradNorms()} etc.
 * return copies); use {@link #layerGradNorm(int)} and friends on hot paths. Instances are immutable
 * and thread-safe.
 *
 * @param step zero-based index of the optimization step, {@code >= 0}
 * @param epoch zero-based epoch, {@code >= 0}
 * @param loss training loss of the step's mini-batch (before the update)
 * @param gradNorm global gradient norm before clipping
 * @param paramNorm global parameter norm before the update
 * @param updateNorm norm of the update applied at this step
 * @param alignment cosine between this step's and the previous step's gradient
 * @param sharpness secant curvature estimate along the last step
 * @param valLoss validation loss when measured at this step, else NaN
 * @param batchSize number of examples in the step's mini-batch, {@code >= 0}
 * @param lr learning rate applied at this step (NaN if unknown, e.g. imported telemetry)
 * @param clip clip threshold applied at this step (+Inf = no clipping; NaN if unknown)
 * @param weightDecay weight decay applied at this step (NaN if unknown)
 * @param layerGradNorms per-layer gradient norms (may be empty)
 * @param layerParamNorms per-layer parameter norms (empty or the same length)
 * @param layerUpdateNorms per-layer update norms (empty or the same length)
 */
public record Observation(
    long step,
    int epoch,
    double loss,
    double gradNorm,
    double paramNorm,
    double updateNorm,
    double alignment,
    double sharpness,
    double valLoss,
    int batchSize,
    double lr,
    double clip,
    double weightDecay,
    double[] layerGradNorms,
    double[] layerParamNorms,
    double[] layerUpdateNorms) {

  private static final double[] NONE = new double[0];

  /** Validates the indices and array shapes and copies the arrays. */
  public Observation {
    if (step < 0) {
      throw new IllegalArgumentException("step must be >= 0, but was " + step);
    }
    if (epoch < 0) {
      throw new IllegalArgumentException("epoch must be >= 0, but was " + epoch);
    }
    if (batchSize < 0) {
      throw new IllegalArgumentException("batchSize must be >= 0, but was " + batchSize);
    }
    layerGradNorms = copyOrEmpty(layerGradNorms);
    layerParamNorms = copyOrEmpty(layerParamNorms);
    layerUpdateNorms = copyOrEmpty(layerUpdateNorms);
    int n =
        Math.max(layerGradNorms.length, Math.max(layerParamNorms.length, layerUpdateNorms.length));
    checkLayers("layerGradNorms", layerGradNorms, n);
    checkLayers("layerParamNorms", layerParamNorms, n);
    checkLayers("layerUpdateNorms", layerUpdateNorms, n);
  }

  private static double[] copyOrEmpty(double[] a) {
    return a == null || a.length == 0 ? NONE : a.clone();
  }

  private static void checkLayers(String name, double[] a, int n) {
    if (a.length != 0 && a.length != n) {
      throw new IllegalArgumentException(
          name + " must be empty or have " + n + " layers, but had " + a.length);
    }
  }

  /** A builder for step {@code step}; every measurement not set is NaN, arrays empty. */
  public static Builder builder(long step) {
    return new Builder(step);
  }

  /** A builder pre-filled with this observation's values. */
  public Builder toBuilder() {
    return new Builder(this);
  }

  /** Number of layers with per-layer measurements (0 when none). */
  public int layerCount() {
    return Math.max(
        layerGradNorms.length, Math.max(layerParamNorms.length, layerUpdateNorms.length));
  }

  /** Per-layer gradient norm of layer {@code i}; NaN when not measured. */
  public double layerGradNorm(int i) {
    return i < layerGradNorms.length ? layerGradNorms[i] : Double.NaN;
  }

  /** Per-layer parameter norm of layer {@code i}; NaN when not measured. */
  public double layerParamNorm(int i) {
    return i < layerParamNorms.length ? layerParamNorms[i] : Double.NaN;
  }

  /** Per-layer update norm of layer {@code i}; NaN when not measured. */
  public double layerUpdateNorm(int i) {
    return i < layerUpdateNorms.length ? layerUpdateNorms[i] : Double.NaN;
  }

  /** A copy of the per-layer gradient norms. */
  @Override
  public double[] layerGradNorms() {
    return layerGradNorms.clone();
  }

  /** A copy of the per-layer parameter norms. */
  @Override
  public double[] layerParamNorms() {
    return layerParamNorms.clone();
  }

  /** A copy of the per-layer update norms. */
  @Override
  public double[] layerUpdateNorms() {
    return layerUpdateNorms.clone();
  }

  /**
   * The global update-to-parameter ratio ‖Δθ‖/‖θ‖. NaN when either norm is NaN or the parameter
   * norm is zero; Inf/NaN propagate.
   */
  public double updateRatio() {
    return paramNorm > 0 ? updateNorm / paramNorm : Double.NaN;
  }

  /** Layer {@code i}'s update-to-parameter ratio; NaN when not measured or the norm is zero. */
  public double layerUpdateRatio(int i) {
    double p = layerParamNorm(i);
    return p > 0 ? layerUpdateNorm(i) / p : Double.NaN;
  }

  /**
   * The generalization gap {@code valLoss − loss}; NaN when the validation loss is not measured.
   */
  public double generalizationGap() {
    return valLoss - loss;
  }

  /**
   * Whether the step's gradient was clipped: {@code gradNorm > clip}. False when either is NaN (a
   * NaN comparison is false), or when clipping is off (+Inf).
   */
  public boolean clipped() {
    return gradNorm > clip;
  }

  /**
   * The effective learning rate η·min(1, c/‖g‖) of this step (docs/theory.md, "Clipping"); NaN when
   * the learning rate or the gradient norm is NaN. With clipping off (+Inf) it is η.
   */
  public double effectiveLr() {
    return Hyperparameters.effectiveLr(lr, clip, gradNorm);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Observation other
        && step == other.step
        && epoch == other.epoch
        && same(loss, other.loss)
        && same(gradNorm, other.gradNorm)
        && same(paramNorm, other.paramNorm)
        && same(updateNorm, other.updateNorm)
        && same(alignment, other.alignment)
        && same(sharpness, other.sharpness)
        && same(valLoss, other.valLoss)
        && batchSize == other.batchSize
        && same(lr, other.lr)
        && same(clip, other.clip)
        && same(weightDecay, other.weightDecay)
        && Arrays.equals(layerGradNorms, other.layerGradNorms)
        && Arrays.equals(layerParamNorms, other.layerParamNorms)
        && Arrays.equals(layerUpdateNorms, other.layerUpdateNorms);
  }

  private static boolean same(double a, double b) {
    return Double.doubleToLongBits(a) == Double.doubleToLongBits(b);
  }

  @Override
  public int hashCode() {
    int h = Long.hashCode(step);
    h = 31 * h + Double.hashCode(loss);
    h = 31 * h + Double.hashCode(gradNorm);
    h = 31 * h + Double.hashCode(lr);
    h = 31 * h + Arrays.hashCode(layerGradNorms);
    return h;
  }

  @Override
  public String toString() {
    return "Observation[step="
        + step
        + ", epoch="
        + epoch
        + ", loss="
        + loss
        + ", gradNorm="
        + gradNorm
        + ", updateRatio="
        + updateRatio()
        + ", alignment="
        + alignment
        + ", valLoss="
        + valLoss
        + ", lr="
        + lr
        + ", clip="
        + clip
        + ", wd="
        + weightDecay
        + ", layers="
        + layerCount()
        + "]";
  }

  /** Mutable builder; not thread-safe. Unset measurements are NaN. */
  public static final class Builder {
    private long step;
    private int epoch;
    private double loss = Double.NaN;
    private double gradNorm = Double.NaN;
    private double paramNorm = Double.NaN;
    private double updateNorm = Double.NaN;
    private double alignment = Double.NaN;
    private double sharpness = Double.NaN;
    private double valLoss = Double.NaN;
    private int batchSize;
    private double lr = Double.NaN;
    private double clip = Double.NaN;
    private double weightDecay = Double.NaN;
    private double[] layerGradNorms = NONE;
    private double[] layerParamNorms = NONE;
    private double[] layerUpdateNorms = NONE;

    private Builder(long step) {
      this.step = step;
    }

    private Builder(Observation o) {
      step = o.step;
      epoch = o.epoch;
      loss = o.loss;
      gradNorm = o.gradNorm;
      paramNorm = o.paramNorm;
      updateNorm = o.updateNorm;
      alignment = o.alignment;
      sharpness = o.sharpness;
      valLoss = o.valLoss;
      batchSize = o.batchSize;
      lr = o.lr;
      clip = o.clip;
      weightDecay = o.weightDecay;
      layerGradNorms = o.layerGradNorms;
      layerParamNorms = o.layerParamNorms;
      layerUpdateNorms = o.layerUpdateNorms;
    }

    public Builder step(long v) {
      step = v;
      return this;
    }

    public Builder epoch(int v) {
      epoch = v;
      return this;
    }

    public Builder loss(double v) {
      loss = v;
      return this;
    }

    public Builder gradNorm(double v) {
      gradNorm = v;
      return this;
    }

    public Builder paramNorm(double v) {
      paramNorm = v;
      return this;
    }

    public Builder updateNorm(double v) {
      updateNorm = v;
      return this;
    }

    public Builder alignment(double v) {
      alignment = v;
      return this;
    }

    public Builder sharpness(double v) {
      sharpness = v;
      return this;
    }

    public Builder valLoss(double v) {
      valLoss = v;
      return this;
    }

    public Builder batchSize(int v) {
      batchSize = v;
      return this;
    }

    /** The hyperparameters applied at this step (lr, clip, weight decay). */
    public Builder applied(Hyperparameters h) {
      lr = h.lr();
      clip = h.clip();
      weightDecay = h.weightDecay();
      return this;
    }

    public Builder lr(double v) {
      lr = v;
      return this;
    }

    public Builder clip(double v) {
      clip = v;
      return this;
    }

    public Builder weightDecay(double v) {
      weightDecay = v;
      return this;
    }

    public Builder layerGradNorms(double... v) {
      layerGradNorms = v;
      return this;
    }

    public Builder layerParamNorms(double... v) {
      layerParamNorms = v;
      return this;
    }

    public Builder layerUpdateNorms(double... v) {
      layerUpdateNorms = v;
      return this;
    }

    /** Builds and validates (copies the arrays). */
    public Observation build() {
      return new Observation(
          step,
          epoch,
          loss,
          gradNorm,
          paramNorm,
          updateNorm,
          alignment,
          sharpness,
          valLoss,
          batchSize,
          lr,
          clip,
          weightDecay,
          layerGradNorms,
          layerParamNorms,
          layerUpdateNorms);
    }
  }
}
