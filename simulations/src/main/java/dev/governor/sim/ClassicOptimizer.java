package dev.governor.sim;

/**
 * SGD, heavy-ball momentum, Adam and AdamW ({@link OptimizerKind#SGD} … {@link
 * OptimizerKind#ADAMW}). State: vector 0 the parameters θ, vector 1 the momentum or first moment m,
 * vector 2 Adam's second moment v; scalar 0 Adam's step count t.
 */
final class ClassicOptimizer extends PlantOptimizer {
  private static final int X = 0;
  private static final int M = 1;
  private static final int V = 2;
  private static final int T = 0;

  private final OptimizerKind kind;
  private final double beta;
  private final double beta1;
  private final double beta2;
  private final double eps;

  ClassicOptimizer(OptimizerSpec spec, int dim) {
    super(dim);
    kind = spec.kind();
    boolean adam = kind == OptimizerKind.ADAM || kind == OptimizerKind.ADAMW;
    beta = kind == OptimizerKind.MOMENTUM ? spec.get("beta") : Double.NaN;
    beta1 = adam ? spec.get("beta1") : Double.NaN;
    beta2 = adam ? spec.get("beta2") : Double.NaN;
    eps = adam ? spec.get("eps") : Double.NaN;
  }

  @Override
  int vectorCount() {
    return switch (kind) {
      case SGD -> 1;
      case MOMENTUM -> 2;
      default -> 3;
    };
  }

  @Override
  String[] scalarNames() {
    return kind == OptimizerKind.ADAM || kind == OptimizerKind.ADAMW
        ? new String[] {"t"}
        : new String[0];
  }

  @Override
  void step(OptimizerState s, double[] g, double scale, double lr, double wd, double[] norms) {
    double[] x = s.vectors[X];
    double uu = 0;
    switch (kind) {
      case SGD -> {
        for (int i = 0; i < dim; i++) {
          double u = lr * (g[i] * scale + wd * x[i]);
          x[i] -= u;
          uu += u * u;
        }
      }
      case MOMENTUM -> {
        double[] m = s.vectors[M];
        for (int i = 0; i < dim; i++) {
          m[i] = beta * m[i] + g[i] * scale;
          double u = lr * (m[i] + wd * x[i]);
          x[i] -= u;
          uu += u * u;
        }
      }
      default -> {
        double[] m = s.vectors[M];
        double[] v = s.vectors[V];
        double t = s.scalars[T] + 1;
        s.scalars[T] = t;
        double c1 = 1 - Math.pow(beta1, t);
        double c2 = 1 - Math.pow(beta2, t);
        boolean l2 = kind == OptimizerKind.ADAM;
        for (int i = 0; i < dim; i++) {
          double gi = g[i] * scale + (l2 ? wd * x[i] : 0);
          m[i] = beta1 * m[i] + (1 - beta1) * gi;
          v[i] = beta2 * v[i] + (1 - beta2) * gi * gi;
          double step = (m[i] / c1) / (Math.sqrt(v[i] / c2) + eps);
          double u = lr * (l2 ? step : step + wd * x[i]);
          x[i] -= u;
          uu += u * u;
        }
      }
    }
    moved(norms, uu);
  }
}
