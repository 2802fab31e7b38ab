package dev.governor.sim;

/**
 * D-Adaptation SGD ({@link OptimizerKind#DADAPT_SGD}), following {@code dadaptation.DAdaptSGD} for
 * one parameter group. State: vector 0 θ, 1 the start θ₀, 2 the weighted gradient sum s; scalars
 * the step count k, the estimate d, the weighted numerator r and the first gradient's norm ‖g₀‖.
 */
final class DAdaptSgdOptimizer extends PlantOptimizer {
  private static final int X = 0;
  private static final int X0 = 1;
  private static final int S = 2;
  private static final int K = 0;
  private static final int D = 1;
  private static final int NUMERATOR = 2;
  private static final int G0_NORM = 3;

  private final double d0;
  private final double momentum;
  private final double growthRate;

  DAdaptSgdOptimizer(OptimizerSpec spec, int dim) {
    super(dim);
    d0 = spec.get("d0");
    momentum = spec.get("momentum");
    growthRate = spec.get("growth-rate");
  }

  @Override
  int vectorCount() {
    return 3;
  }

  @Override
  String[] scalarNames() {
    return new String[] {"k", "d", "numerator", "g0-norm"};
  }

  @Override
  void start(OptimizerState s, double[] x0) {
    System.arraycopy(x0, 0, s.vectors[X], 0, dim);
    System.arraycopy(x0, 0, s.vectors[X0], 0, dim);
    s.scalars[D] = d0;
  }

  @Override
  void step(OptimizerState st, double[] g, double scale, double lr, double wd, double[] norms) {
    double[] x = st.vectors[X];
    double[] x0 = st.vectors[X0];
    double[] s = st.vectors[S];
    noMove(norms);
    double g0 = st.scalars[G0_NORM];
    if (st.scalars[K] == 0) {
      // the reference's first-step norm leaves the decay term out (its add is not in place)
      double gg = 0;
      for (int i = 0; i < dim; i++) {
        double gi = g[i] * scale;
        gg += gi * gi;
      }
      g0 = Math.sqrt(gg);
      if (g0 == 0) {
        return; // nothing to scale by yet; the next step measures ‖g₀‖ again
      }
    }
    double d = st.scalars[D];
    double dlr = d * lr / g0;
    double dot = 0;
    double ss = 0;
    for (int i = 0; i < dim; i++) {
      double gi = l2Gradient(g, x, i, scale, wd);
      dot += gi * s[i];
      s[i] += dlr * gi;
      ss += s[i] * s[i];
    }
    if (ss == 0) {
      return;
    }
    double numerator = st.scalars[NUMERATOR] + dlr * dot;
    double dHat = 2 * numerator / Math.sqrt(ss);
    d = Math.max(d, Math.min(dHat, d * growthRate));
    st.scalars[NUMERATOR] = numerator;
    st.scalars[D] = d;
    st.scalars[G0_NORM] = g0;
    st.scalars[K] += 1;
    double ck = 1 - momentum;
    double uu = 0;
    for (int i = 0; i < dim; i++) {
      double xo = x[i];
      double z = x0[i] - s[i];
      double xi = xo * (1 - ck) + ck * z;
      x[i] = xi;
      uu += (xi - xo) * (xi - xo);
    }
    moved(norms, uu);
  }
}
