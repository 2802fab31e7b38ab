package dev.governor.sim;

/**
 * What D-Adaptation Adam and Prodigy share: an Adam step whose size is scaled by an estimate d of
 * the distance to the solution. Both read the same options from their spec ({@code d0}, {@code
 * beta1}, {@code beta2}, {@code eps}, {@code growth-rate}, {@code decouple}, {@code
 * bias-correction}), keep the step count k and d in scalars {@link #K} and {@link #D} of the state
 * (d starting at {@code d0}), take the step size d·lr with Adam's bias correction the same way,
 * apply the weight decay as an L2 term or decoupled the same way, and report no move on a step that
 * carries no gradient information yet; each has its own rule for d and its own update.
 */
abstract class DistanceAdaptedAdam extends PlantOptimizer {
  /** Index of the state's scalars: the step count k. */
  static final int K = 0;

  /** Index of the state's scalars: the estimate d. */
  static final int D = 1;

  final double d0;
  final double beta1;
  final double beta2;
  final double eps;
  final double growthRate;
  final boolean decouple;
  final boolean biasCorrection;

  DistanceAdaptedAdam(OptimizerSpec spec, int dim) {
    super(dim);
    d0 = spec.get("d0");
    beta1 = spec.get("beta1");
    beta2 = spec.get("beta2");
    eps = spec.get("eps");
    growthRate = spec.get("growth-rate");
    decouple = spec.flag("decouple");
    biasCorrection = spec.flag("bias-correction");
  }

  /**
   * Adam's bias correction at step count {@code k} (steps taken before this one): {@code √(1 −
   * β₂^(k+1)) / (1 − β₁^(k+1))}, or 1 without {@code bias-correction}.
   */
  final double biasCorrection(double k) {
    if (!biasCorrection) {
      return 1;
    }
    return Math.sqrt(1 - Math.pow(beta2, k + 1)) / (1 - Math.pow(beta1, k + 1));
  }

  /** Copies {@code x0} into vector 0 and starts the estimate d at {@code d0}. */
  @Override
  void start(OptimizerState s, double[] x0) {
    super.start(s, x0);
    s.scalars[D] = d0;
  }

  /**
   * The step's size ℓ = d · {@code lr} · {@link #biasCorrection} at the state's estimate d and step
   * count k.
   */
  final double stepSize(OptimizerState st, double lr) {
    return st.scalars[D] * lr * biasCorrection(st.scalars[K]);
  }

  /** Stores the new estimate {@code d} and counts the step. */
  static void advance(OptimizerState st, double d) {
    st.scalars[D] = d;
    st.scalars[K] += 1;
  }

  /**
   * Coordinate {@code i} of the clipped gradient, with the weight decay {@code wd} added as an L2
   * term unless it is decoupled.
   */
  final double gradient(double[] g, double[] x, int i, double scale, double wd) {
    return l2Gradient(g, x, i, scale, decouple ? 0 : wd);
  }

  /**
   * Parameter {@code x} after the decoupled weight decay {@code wd} at step size {@code dlr}
   * ({@code x} itself when the decay is not decoupled or {@code wd} is 0).
   */
  final double decayed(double x, double wd, double dlr) {
    return wd != 0 && decouple ? x + -wd * dlr * x : x;
  }
}
