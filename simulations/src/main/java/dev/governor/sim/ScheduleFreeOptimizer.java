package dev.governor.sim;

/**
 * Schedule-Free SGD and AdamW ({@link OptimizerKind#SF_SGD}, {@link OptimizerKind#SF_ADAMW}),
 * following the reference implementations {@code SGDScheduleFreeReference} and {@code
 * AdamWScheduleFreeReference} of facebookresearch/schedule_free, which keep x, y and z explicitly.
 * State: vector 0 the average x (the evaluation point), 1 the base sequence z, 2 the interpolation
 * y (the gradient point), 3 the second moment v (AdamW); scalars the step count k, the weight sum
 * Σw and the running maximum of the scheduled γ (−1 before the first step, as in the reference).
 */
final class ScheduleFreeOptimizer extends PlantOptimizer {
  private static final int X = 0;
  private static final int Z = 1;
  private static final int Y = 2;
  private static final int V = 3;
  private static final int K = 0;
  private static final int WEIGHT_SUM = 1;
  private static final int LR_MAX = 2;

  private final boolean adam;
  private final double beta;
  private final double beta2;
  private final double eps;
  private final long warmup;
  private final double r;
  private final double weightLrPower;

  ScheduleFreeOptimizer(OptimizerSpec spec, int dim) {
    super(dim);
    adam = spec.kind() == OptimizerKind.SF_ADAMW;
    beta = adam ? spec.get("beta1") : spec.get("momentum");
    beta2 = adam ? spec.get("beta2") : Double.NaN;
    eps = adam ? spec.get("eps") : Double.NaN;
    warmup = (long) spec.get("warmup");
    r = spec.get("r");
    weightLrPower = spec.get("weight-lr-power");
  }

  @Override
  int vectorCount() {
    return adam ? 4 : 3;
  }

  @Override
  String[] scalarNames() {
    return new String[] {"k", "weight-sum", "lr-max"};
  }

  @Override
  int gradientPoint() {
    return Y;
  }

  @Override
  int evaluationPoint() {
    return X;
  }

  @Override
  void start(OptimizerState s, double[] x0) {
    for (int k = X; k <= Y; k++) {
      System.arraycopy(x0, 0, s.vectors[k], 0, dim);
    }
    s.scalars[LR_MAX] = -1;
  }

  @Override
  void step(OptimizerState s, double[] g, double scale, double lr, double wd, double[] norms) {
    double k = s.scalars[K];
    double sched = k < warmup ? (k + 1) / warmup : 1.0;
    double gamma = lr * sched;
    double lrMax = Math.max(gamma, s.scalars[LR_MAX]);
    double weight = Math.pow(k + 1, r) * Math.pow(lrMax, weightLrPower);
    double weightSum = s.scalars[WEIGHT_SUM] + weight;
    double c = weightSum != 0 ? weight / weightSum : 0;
    double bc2 = adam ? 1 - Math.pow(beta2, k + 1) : Double.NaN;
    double[] x = s.vectors[X];
    double[] z = s.vectors[Z];
    double[] y = s.vectors[Y];
    double[] v = adam ? s.vectors[V] : null;
    double decay = gamma * wd;
    double dx = 0;
    double dy = 0;
    for (int i = 0; i < dim; i++) {
      double xo = x[i];
      double yo = y[i];
      double gi = g[i] * scale;
      if (adam) {
        if (wd != 0) {
          z[i] -= decay * yo;
        }
        v[i] = beta2 * v[i] + (1 - beta2) * gi * gi;
        double denom = Math.sqrt(v[i] / bc2) + eps;
        z[i] -= gamma * (gi / denom);
      } else {
        if (wd != 0) {
          gi += wd * yo;
        }
        z[i] -= gamma * gi;
      }
      double xi = xo * (1 - c) + c * z[i];
      double yi = xi * beta + (1 - beta) * z[i];
      x[i] = xi;
      y[i] = yi;
      dx += (xi - xo) * (xi - xo);
      dy += (yi - yo) * (yi - yo);
    }
    s.scalars[K] = k + 1;
    s.scalars[WEIGHT_SUM] = weightSum;
    s.scalars[LR_MAX] = lrMax;
    norms[EVAL_MOVE] = Math.sqrt(dx);
    norms[GRAD_MOVE] = Math.sqrt(dy);
  }
}
