package dev.governor.sim;

/**
 * Prodigy in its Adam form ({@link OptimizerKind#PRODIGY}), following {@code prodigyopt.Prodigy}
 * for one parameter group without slicing. State: vector 0 θ, 1 the start θ₀, 2 the weighted
 * gradient sum s, 3 the first moment m, 4 the second moment v; scalars the step count k, the
 * estimate d, its running maximum d_max and the numerator r of d̂.
 */
final class ProdigyOptimizer extends DistanceAdaptedAdam {
  private static final int X = 0;
  private static final int X0 = 1;
  private static final int S = 2;
  private static final int M = 3;
  private static final int V = 4;
  private static final int D_MAX = 2;
  private static final int NUMERATOR = 3;

  private final double beta3;
  private final double dCoef;
  private final boolean safeguardWarmup;

  ProdigyOptimizer(OptimizerSpec spec, int dim) {
    super(spec, dim);
    double b3 = spec.get("beta3");
    beta3 = Double.isNaN(b3) ? Math.sqrt(beta2) : b3;
    dCoef = spec.get("d-coef");
    safeguardWarmup = spec.flag("safeguard-warmup");
  }

  @Override
  int vectorCount() {
    return 5;
  }

  @Override
  String[] scalarNames() {
    return new String[] {"k", "d", "d-max", "d-numerator"};
  }

  @Override
  void start(OptimizerState s, double[] x0) {
    super.start(s, x0);
    System.arraycopy(x0, 0, s.vectors[X0], 0, dim);
    s.scalars[D_MAX] = d0;
  }

  @Override
  void step(OptimizerState st, double[] g, double scale, double lr, double wd, double[] norms) {
    double[] x = st.vectors[X];
    double[] x0 = st.vectors[X0];
    double[] s = st.vectors[S];
    double[] m = st.vectors[M];
    double[] v = st.vectors[V];
    double d = st.scalars[D];
    double dlr = stepSize(st, lr);
    double sWeight = safeguardWarmup ? (d / d0) * d : (d / d0) * dlr;
    double dot = 0;
    double denomSum = 0;
    for (int i = 0; i < dim; i++) {
      double gi = gradient(g, x, i, scale, wd);
      dot += gi * (x0[i] - x[i]);
      if (beta1 > 0) {
        m[i] = beta1 * m[i] + d * (1 - beta1) * gi;
      }
      v[i] = beta2 * v[i] + d * d * (1 - beta2) * gi * gi;
      s[i] = beta3 * s[i] + sWeight * gi;
      denomSum += Math.abs(s[i]);
    }
    if (denomSum == 0) {
      // no gradient information yet: the reference returns before touching d or the parameters
      noMove(norms);
      return;
    }
    double numerator = beta3 * st.scalars[NUMERATOR] + (d / d0) * dlr * dot;
    double dHat = dCoef * numerator / denomSum;
    if (d == d0) {
      d = Math.max(d, dHat);
    }
    double dMax = Math.max(st.scalars[D_MAX], dHat);
    d = Math.min(dMax, d * growthRate);
    st.scalars[NUMERATOR] = numerator;
    st.scalars[D_MAX] = dMax;
    advance(st, d);
    double uu = 0;
    double dEps = d * eps;
    for (int i = 0; i < dim; i++) {
      double xo = x[i];
      double xi = decayed(xo, wd, dlr);
      double denom = Math.sqrt(v[i]) + dEps;
      if (beta1 > 0) {
        xi += -dlr * (m[i] / denom);
      } else {
        xi += -dlr * d * (gradient(g, x, i, scale, wd) / denom);
      }
      x[i] = xi;
      uu += (xi - xo) * (xi - xo);
    }
    moved(norms, uu);
  }
}
