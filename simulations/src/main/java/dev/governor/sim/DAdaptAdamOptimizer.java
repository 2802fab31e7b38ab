package dev.governor.sim;

/**
 * D-Adaptation Adam ({@link OptimizerKind#DADAPT_ADAM}), following {@code dadaptation.DAdaptAdam}
 * (version 3) for one parameter group with layer scale 1. State: vector 0 θ, 1 the weighted
 * gradient EMA s, 2 the first moment m (which carries the step size ℓ = d·η), 3 the second moment
 * v; scalars the step count k, the estimate d and the weighted numerator r.
 */
final class DAdaptAdamOptimizer extends DistanceAdaptedAdam {
  private static final int X = 0;
  private static final int S = 1;
  private static final int M = 2;
  private static final int V = 3;
  private static final int NUMERATOR = 2;

  DAdaptAdamOptimizer(OptimizerSpec spec, int dim) {
    super(spec, dim);
  }

  @Override
  int vectorCount() {
    return 4;
  }

  @Override
  String[] scalarNames() {
    return new String[] {"k", "d", "numerator"};
  }

  @Override
  void step(OptimizerState st, double[] g, double scale, double lr, double wd, double[] norms) {
    double[] x = st.vectors[X];
    double[] s = st.vectors[S];
    double[] m = st.vectors[M];
    double[] v = st.vectors[V];
    double d = st.scalars[D];
    double dlr = stepSize(st, lr);
    double sqrtBeta2 = Math.sqrt(beta2);
    double dot = 0;
    double l1 = 0;
    for (int i = 0; i < dim; i++) {
      double gi = gradient(g, x, i, scale, wd);
      double denom = Math.sqrt(v[i]) + eps;
      dot += gi * (s[i] / denom);
      m[i] = beta1 * m[i] + dlr * (1 - beta1) * gi;
      v[i] = beta2 * v[i] + (1 - beta2) * gi * gi;
      s[i] = sqrtBeta2 * s[i] + dlr * (1 - sqrtBeta2) * gi;
      l1 += Math.abs(s[i]);
    }
    if (l1 == 0) {
      // no gradient information yet: the reference returns before touching d or the parameters
      noMove(norms);
      return;
    }
    double numerator = sqrtBeta2 * st.scalars[NUMERATOR] + (1 - sqrtBeta2) * (dlr * dot);
    double dHat = numerator / ((1 - sqrtBeta2) * l1);
    d = Math.max(d, Math.min(dHat, d * growthRate));
    st.scalars[NUMERATOR] = numerator;
    advance(st, d);
    double uu = 0;
    for (int i = 0; i < dim; i++) {
      double xo = x[i];
      double xi = decayed(xo, wd, dlr);
      double denom = Math.sqrt(v[i]) + eps;
      xi -= m[i] / denom;
      x[i] = xi;
      uu += (xi - xo) * (xi - xo);
    }
    moved(norms, uu);
  }
}
