package dev.governor.sim;

/**
 * What D-Adaptation Adam and Prodigy share: an Adam step whose size is scaled by an estimate d of
 * the distance to the solution. Both read the same options from their spec ({@code d0}, {@code
 * beta1}, {@code beta2}, {@code eps}, {@code growth-rate}, {@code decouple}, {@code
 * bias-correction}), apply Adam's bias correction the same way, and report no move on a step that
 * carries no gradient information yet; each keeps its own estimate of d and its own update rule.
 */
abstract class DistanceAdaptedAdam extends PlantOptimizer {
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

  /** Records a step that left the parameters where they were (no gradient information yet). */
  static void noMove(double[] norms) {
    norms[EVAL_MOVE] = 0;
    norms[GRAD_MOVE] = 0;
  }

  /** Records a step that moved the parameters by {@code √squaredMove}. */
  static void moved(double[] norms, double squaredMove) {
    double n = Math.sqrt(squaredMove);
    norms[EVAL_MOVE] = n;
    norms[GRAD_MOVE] = n;
  }
}
