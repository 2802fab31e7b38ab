package dev.governor.sim;

/**
 * DoG in its global form ({@link OptimizerKind#DOG}), following {@code dog.DoG} (all parameters one
 * vector) and, for the reported iterate, {@code dog.PolynomialDecayAverager}. State: vector 0 θ
 * (the gradient point), 1 the start θ₀, 2 the average θ̄ (the evaluation point, when averaging);
 * scalars the step count t, r̄, the gradient sum G and the last step size η.
 */
final class DogOptimizer extends PlantOptimizer {
  private static final int X = 0;
  private static final int X0 = 1;
  private static final int AVG = 2;
  private static final int T = 0;
  private static final int RBAR = 1;
  private static final int G_SUM = 2;
  private static final int ETA = 3;

  private final double repsRel;
  private final double eps;
  private final double initEta;
  private final boolean average;
  private final double gamma;

  DogOptimizer(OptimizerSpec spec, int dim) {
    super(dim);
    repsRel = spec.get("reps-rel");
    eps = spec.get("eps");
    initEta = spec.get("init-eta");
    average = spec.flag("average");
    gamma = spec.get("gamma");
  }

  @Override
  int vectorCount() {
    return average ? 3 : 2;
  }

  @Override
  String[] scalarNames() {
    return new String[] {"t", "rbar", "g2-sum", "eta"};
  }

  @Override
  int evaluationPoint() {
    return average ? AVG : X;
  }

  @Override
  void start(OptimizerState s, double[] x0) {
    for (int k = 0; k < vectorCount(); k++) {
      System.arraycopy(x0, 0, s.vectors[k], 0, dim);
    }
  }

  @Override
  void step(OptimizerState st, double[] g, double scale, double lr, double wd, double[] norms) {
    double[] x = st.vectors[X];
    double[] x0 = st.vectors[X0];
    boolean first = st.scalars[T] == 0;
    double gg = 0;
    double dist = 0;
    double xx = 0;
    for (int i = 0; i < dim; i++) {
      double gi = l2Gradient(g, x, i, scale, wd);
      gg += gi * gi;
      double e = x[i] - x0[i];
      dist += e * e;
      xx += x[i] * x[i];
    }
    double rbar;
    double gSum;
    if (first) {
      rbar = repsRel * (1 + Math.sqrt(xx));
      gSum = gg + eps;
    } else {
      rbar = Math.max(st.scalars[RBAR], Math.sqrt(dist));
      gSum = st.scalars[G_SUM] + gg;
    }
    double eta = lr * rbar / Math.sqrt(gSum);
    if (first && !Double.isNaN(initEta)) {
      eta = initEta;
    }
    double t = st.scalars[T] + 1;
    double w = (gamma + 1) / (gamma + t);
    double[] avg = average ? st.vectors[AVG] : null;
    double dx = 0;
    double da = 0;
    for (int i = 0; i < dim; i++) {
      double gi = l2Gradient(g, x, i, scale, wd);
      double xo = x[i];
      double xi = xo + -eta * gi;
      x[i] = xi;
      dx += (xi - xo) * (xi - xo);
      if (average) {
        double ao = avg[i];
        double ai = ao * (1 - w) + w * xi;
        avg[i] = ai;
        da += (ai - ao) * (ai - ao);
      }
    }
    st.scalars[T] = t;
    st.scalars[RBAR] = rbar;
    st.scalars[G_SUM] = gSum;
    st.scalars[ETA] = eta;
    norms[GRAD_MOVE] = Math.sqrt(dx);
    norms[EVAL_MOVE] = average ? Math.sqrt(da) : norms[GRAD_MOVE];
  }
}
