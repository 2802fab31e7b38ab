package dev.governor.sim;

import org.apache.commons.rng.UniformRandomProvider;
import org.apache.commons.rng.sampling.distribution.NormalizedGaussianSampler;

/**
 * The noisy quadratic model; see {@link ProblemConfig.Nqm}. Built from its config ({@link
 * ProblemConfig.Nqm#create}) or, for the linear-analysis comparisons, as {@link #stationary}: the
 * spectrum repeated, started from its stationary distribution.
 */
final class NqmProblem extends SeededProblem {
  private final ProblemConfig.Nqm config;
  private final double[] h;
  private final double[] optimum;

  /** Per-sample noise standard deviation s·√w<sub>i</sub>. */
  private final double[] noiseSd;

  NqmProblem(ProblemConfig.Nqm config, long seed) {
    super("nqm", config.dim());
    this.config = config;
    int d = config.dim();
    h = new double[d];
    optimum = new double[d];
    noiseSd = new double[d];
    UniformRandomProvider rng = Rng.stream(seed, Rng.PROBLEM);
    NormalizedGaussianSampler gauss = Rng.gauss(rng);
    double s = Math.sqrt(config.noiseScale());
    for (int i = 0; i < d; i++) {
      h[i] = config.curvature(i);
      optimum[i] = config.optimumScale() * gauss.sample();
      start[i] = optimum[i] + config.startScale() * gauss.sample();
      noiseSd[i] = config.noise() == NoiseKind.ISOTROPIC ? s : s * Math.sqrt(h[i]);
    }
  }

  private NqmProblem(ProblemConfig.Nqm config, int copies, double eta, long seed) {
    super("nqm", config.dim() * copies);
    this.config = config;
    int k = config.dim();
    int d = k * copies;
    h = new double[d];
    optimum = new double[d];
    noiseSd = new double[d];
    double[] s2 = config.noiseVariances();
    UniformRandomProvider rng = Rng.stream(seed, Rng.PROBLEM);
    NormalizedGaussianSampler gauss = Rng.gauss(rng);
    for (int i = 0; i < d; i++) {
      int j = i % k;
      h[i] = config.curvature(j);
      noiseSd[i] = Math.sqrt(s2[j] * config.batch());
      start[i] = Math.sqrt(eta * s2[j] / (h[i] * (2 - eta * h[i]))) * gauss.sample();
    }
  }

  /**
   * The NQM of {@code config} with every curvature repeated {@code copies} times (dimension {@code
   * dim · copies}), optimum 0, started from the exact stationary distribution of plain SGD at the
   * constant learning rate {@code eta}: {@code x_i ~ N(0, η s_i² / (h_i (2 − η h_i)))} with {@code
   * s_i²} the mini-batch noise variance of the coordinate; the config's optimum and start scales
   * are not used. The mean-field moments of the alignment PV are unchanged by the repetition (every
   * sum in the PV is multiplied by the same factor) while the sampling noise of the measured cosine
   * shrinks as 1/√copies.
   *
   * @param copies repetitions, {@code >= 1}
   * @param eta the learning rate, with {@code 0 < η h_i < 2} for every curvature
   */
  static NqmProblem stationary(ProblemConfig.Nqm config, int copies, double eta, long seed) {
    if (copies < 1) {
      throw new IllegalArgumentException("copies must be >= 1, but was " + copies);
    }
    if (!(eta > 0 && eta * config.lambdaMax() < 2)) {
      throw new IllegalArgumentException(
          "eta must be in (0, 2 / lambda-max) = (0, "
              + 2 / config.lambdaMax()
              + "), but was "
              + eta);
    }
    return new NqmProblem(config, copies, eta, seed);
  }

  @Override
  public double loss(double[] x) {
    double sum = 0;
    for (int i = 0; i < h.length; i++) {
      double d = x[i] - optimum[i];
      sum += h[i] * d * d;
    }
    return 0.5 * sum;
  }

  @Override
  public double minLoss() {
    return 0;
  }

  @Override
  public double lambdaMax() {
    return config.lambdaMax();
  }

  /**
   * E[mini-batch loss] at the optimum: ½ Σ σᵢ²/(B hᵢ) with σᵢ the per-sample noise standard
   * deviation (the batch-mean noise has variance σᵢ²/B).
   */
  double batchLossAtOptimum() {
    double sum = 0;
    for (int i = 0; i < h.length; i++) {
      sum += noiseSd[i] * noiseSd[i] / h[i];
    }
    return 0.5 * sum / config.batch();
  }

  /** Coordinate i's curvature. */
  double curvature(int i) {
    return h[i];
  }

  /** Coordinate i of the optimum. */
  double optimum(int i) {
    return optimum[i];
  }

  @Override
  public double sample(
      double[] x,
      double[] g,
      int batch,
      double noiseMultiplier,
      UniformRandomProvider rng,
      NormalizedGaussianSampler gauss) {
    double scale = noiseMultiplier / Math.sqrt(batch);
    double loss = 0;
    boolean noisy = scale != 0 && config.noiseScale() != 0;
    for (int i = 0; i < h.length; i++) {
      double gi = h[i] * (x[i] - optimum[i]);
      if (noisy) {
        gi += noiseSd[i] * scale * gauss.sample();
      }
      g[i] = gi;
      loss += gi * gi / h[i];
    }
    return 0.5 * loss;
  }
}
