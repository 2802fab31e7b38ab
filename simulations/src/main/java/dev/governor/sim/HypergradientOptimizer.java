package dev.governor.sim;

/**
 * SGD-HD and Adam-HD ({@link OptimizerKind#SGD_HD}, {@link OptimizerKind#ADAM_HD}), following
 * {@code hypergrad.SGDHD} (without momentum) and {@code hypergrad.AdamHD} of
 * gbaydin/hypergradient-descent for one flat parameter vector. The applied step size is η·α: α is
 * the state, 1 at the start, and each hypergradient step on it is divided by the step's η, so a
 * constant η gives the reference's additive update of the learning rate itself. State: vector 0 θ,
 * 1 the previous direction (SGD-HD) or the first moment m (Adam-HD), 2 the second moment v
 * (Adam-HD); scalars α and (Adam-HD) the step count t.
 */
final class HypergradientOptimizer extends PlantOptimizer {
  private static final int X = 0;
  private static final int PREV = 1;
  private static final int M = 1;
  private static final int V = 2;
  private static final int ALPHA = 0;
  private static final int T = 1;

  private final boolean adam;
  private final double beta;
  private final double beta1;
  private final double beta2;
  private final double eps;

  HypergradientOptimizer(OptimizerSpec spec, int dim) {
    super(dim);
    adam = spec.kind() == OptimizerKind.ADAM_HD;
    beta = spec.get("beta");
    beta1 = adam ? spec.get("beta1") : Double.NaN;
    beta2 = adam ? spec.get("beta2") : Double.NaN;
    eps = adam ? spec.get("eps") : Double.NaN;
  }

  @Override
  int vectorCount() {
    return adam ? 3 : 2;
  }

  @Override
  String[] scalarNames() {
    return adam ? new String[] {"alpha", "t"} : new String[] {"alpha"};
  }

  @Override
  void start(OptimizerState s, double[] x0) {
    super.start(s, x0);
    s.scalars[ALPHA] = 1;
  }

  @Override
  void step(OptimizerState s, double[] g, double scale, double lr, double wd, double[] norms) {
    moved(norms, adam ? adamStep(s, g, scale, lr, wd) : sgdStep(s, g, scale, lr, wd));
  }

  private double sgdStep(OptimizerState s, double[] g, double scale, double lr, double wd) {
    double[] x = s.vectors[X];
    double[] prev = s.vectors[PREV];
    double h = 0;
    for (int i = 0; i < dim; i++) {
      double gi = l2Gradient(g, x, i, scale, wd);
      h += gi * prev[i];
    }
    double alpha = s.scalars[ALPHA] + beta * h / lr;
    s.scalars[ALPHA] = alpha;
    double rate = lr * alpha;
    double uu = 0;
    for (int i = 0; i < dim; i++) {
      double gi = l2Gradient(g, x, i, scale, wd);
      prev[i] = gi;
      double u = rate * gi;
      x[i] -= u;
      uu += u * u;
    }
    return uu;
  }

  private double adamStep(OptimizerState s, double[] g, double scale, double lr, double wd) {
    double[] x = s.vectors[X];
    double[] m = s.vectors[M];
    double[] v = s.vectors[V];
    double t = s.scalars[T] + 1;
    s.scalars[T] = t;
    double alpha = s.scalars[ALPHA];
    if (t > 1) {
      double h = 0;
      for (int i = 0; i < dim; i++) {
        double gi = l2Gradient(g, x, i, scale, wd);
        h += gi * (m[i] / (Math.sqrt(v[i]) + eps));
      }
      h = h * Math.sqrt(1 - Math.pow(beta2, t - 1)) / (1 - Math.pow(beta1, t - 1));
      alpha += beta * h / lr;
      s.scalars[ALPHA] = alpha;
    }
    double stepSize = lr * alpha * Math.sqrt(1 - Math.pow(beta2, t)) / (1 - Math.pow(beta1, t));
    double uu = 0;
    for (int i = 0; i < dim; i++) {
      double gi = l2Gradient(g, x, i, scale, wd);
      m[i] = beta1 * m[i] + (1 - beta1) * gi;
      v[i] = beta2 * v[i] + (1 - beta2) * gi * gi;
      double u = stepSize * (m[i] / (Math.sqrt(v[i]) + eps));
      x[i] -= u;
      uu += u * u;
    }
    return uu;
  }
}
