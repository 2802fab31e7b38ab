package dev.governor.control;

/**
 * How measurement noise on the alignment PV moves the learning rate in the linearised LR loop of
 * {@link LrLoopStability} (synchronous, reverse acting, updated every step). The mean-field
 * analysis has no measurement noise; these two results say how large the noise-driven fluctuation
 * of ln η is around a stable equilibrium.
 */
public final class LrLoopNoise {
  private LrLoopNoise() {}

  /** Upper bound on the terms of the impulse-response sum in {@link #logLrStd}. */
  static final int MAX_TERMS = 2_000_000;

  /**
   * The sampling variance of the measured cosine on the noisy quadratic at constant learning rate
   * {@code eta}, from the mean-field moments of {@link LrLoopStability#alignmentOnQuadratic}: with
   * stationary second moments {@code m_i = h_i² v_i + s_i²} of the gradient coordinates ({@code v_i
   * = η s_i² / (h_i (2 − η h_i))}) and two nearly independent successive gradients, {@code Var[cos]
   * ≈ Σ m_i² / (Σ m_i)²} over all coordinates, i.e. 1 / the effective dimension. {@code copies}
   * repeats every curvature that many times (the variance shrinks as 1 / copies).
   *
   * @param h the Hessian's eigenvalues, {@code 0 < η h_i < 2}
   * @param noiseVar gradient-noise variance per coordinate (already divided by the batch size)
   * @param eta the constant learning rate
   * @param copies repetitions of the spectrum, {@code >= 1}
   * @return the variance; NaN when the inputs are NaN or give no noise
   */
  public static double alignmentVariance(double[] h, double[] noiseVar, double eta, int copies) {
    if (h.length != noiseVar.length) {
      throw new IllegalArgumentException(
          "h and noiseVar must be equally long, but were " + h.length + " and " + noiseVar.length);
    }
    if (copies < 1) {
      throw new IllegalArgumentException("copies must be >= 1, but was " + copies);
    }
    double sum = 0;
    double sumSq = 0;
    for (int i = 0; i < h.length; i++) {
      double v = eta * noiseVar[i] / (h[i] * (2 - eta * h[i]));
      double m = h[i] * h[i] * v + noiseVar[i];
      sum += m;
      sumSq += m * m;
    }
    return sumSq / (sum * sum * copies);
  }

  /**
   * The stationary standard deviation of ln η that white noise of variance {@code pvNoiseVar} on
   * the PV produces in the linearised closed loop: state {@code z = [x, f, I, u]} with one-step
   * matrix {@code M} (as {@link LrLoopStability} builds it, period 1, no delay); the noise enters
   * the filter with weight α, so its input vector is {@code G = [0, α, Ki α, (Kp + Ki) α]}, and the
   * result is {@code sqrt(pvNoiseVar · Σ_k ((M^k G)_u)²)}, summed until a term's norm falls below
   * 1e-14 of the sum (at most {@value #MAX_TERMS} terms).
   *
   * @return the standard deviation; +Inf when the impulse response grows past 1e30 (an unstable
   *     loop); NaN when {@code pvNoiseVar} is NaN
   */
  public static double logLrStd(
      LrLoopStability.Plant plant, double kp, double ki, double alpha, double pvNoiseVar) {
    int m = plant.b().length;
    int dim = m + 3;
    double[][] mat = LrLoopStability.stepMatrix(plant, kp, ki, alpha, 0, 1, true, dim).getData();
    double[] v = new double[dim];
    double f = alpha;
    v[m] = f;
    v[m + 1] = ki * f;
    v[m + 2] = kp * f + v[m + 1];
    double sum = 0;
    double[] next = new double[dim];
    for (int k = 0; k < MAX_TERMS; k++) {
      double u = v[dim - 1];
      sum += u * u;
      double norm = 0;
      for (int r = 0; r < dim; r++) {
        double acc = 0;
        for (int c = 0; c < dim; c++) {
          acc += mat[r][c] * v[c];
        }
        next[r] = acc;
        norm += acc * acc;
      }
      double[] t = v;
      v = next;
      next = t;
      if (!Double.isFinite(norm) || norm > 1e30) {
        return Double.POSITIVE_INFINITY;
      }
      if (k > 100 && norm < 1e-14 * Math.max(sum, 1e-300)) {
        break;
      }
    }
    return Math.sqrt(pvNoiseVar * sum);
  }
}
