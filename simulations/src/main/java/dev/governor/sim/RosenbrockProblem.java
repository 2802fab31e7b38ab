package dev.governor.sim;

import org.apache.commons.rng.UniformRandomProvider;
import org.apache.commons.rng.sampling.distribution.NormalizedGaussianSampler;

/** The noisy chained Rosenbrock function; see {@link ProblemConfig.Rosenbrock}. */
final class RosenbrockProblem extends SeededProblem {
  private final ProblemConfig.Rosenbrock config;
  private final double lambdaMax;

  RosenbrockProblem(ProblemConfig.Rosenbrock config, long seed) {
    super("rosenbrock", config.dim());
    this.config = config;
    int d = config.dim();
    NormalizedGaussianSampler gauss = Rng.gauss(Rng.stream(seed, Rng.PROBLEM));
    for (int i = 0; i < d; i++) {
      start[i] = (i % 2 == 0 ? -1.2 : 1.0) + 0.1 * gauss.sample();
    }
    lambdaMax = hessianLambdaMaxAtOptimum(d);
  }

  /**
   * λ<sub>max</sub> of the Hessian at (1,…,1): tridiagonal with diagonal 802 (first), 1002
   * (middle), 200 (last) and off-diagonal −400; computed with Commons Math.
   */
  private static double hessianLambdaMaxAtOptimum(int d) {
    var m = new org.apache.commons.math3.linear.Array2DRowRealMatrix(d, d);
    for (int i = 0; i < d; i++) {
      double diag = 0;
      if (i < d - 1) {
        diag += 1200 * 1 - 400 * 1 + 2; // ∂²/∂x_i² of 100(x_{i+1}−x_i²)² + (1−x_i)² at 1
      }
      if (i > 0) {
        diag += 200;
      }
      m.setEntry(i, i, diag);
      if (i < d - 1) {
        m.setEntry(i, i + 1, -400);
        m.setEntry(i + 1, i, -400);
      }
    }
    return Curvature.largestEigenvalue(m);
  }

  @Override
  public double loss(double[] x) {
    double f = 0;
    for (int i = 0; i < x.length - 1; i++) {
      double a = x[i + 1] - x[i] * x[i];
      double b = 1 - x[i];
      f += 100 * a * a + b * b;
    }
    return f;
  }

  @Override
  public double minLoss() {
    return 0;
  }

  @Override
  public double lambdaMax() {
    return lambdaMax;
  }

  @Override
  public double sample(
      double[] x,
      double[] g,
      int batch,
      double noiseMultiplier,
      UniformRandomProvider rng,
      NormalizedGaussianSampler gauss) {
    int d = x.length;
    for (int i = 0; i < d; i++) {
      g[i] = 0;
    }
    double f = 0;
    for (int i = 0; i < d - 1; i++) {
      double a = x[i + 1] - x[i] * x[i];
      double b = 1 - x[i];
      f += 100 * a * a + b * b;
      g[i] += -400 * a * x[i] - 2 * b;
      g[i + 1] += 200 * a;
    }
    double sd = Math.sqrt(config.noiseScale() / batch) * noiseMultiplier;
    if (sd != 0) {
      for (int i = 0; i < d; i++) {
        g[i] += sd * gauss.sample();
      }
    }
    return f;
  }
}
