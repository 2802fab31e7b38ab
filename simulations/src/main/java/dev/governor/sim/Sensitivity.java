package dev.governor.sim;

import java.util.function.ToDoubleFunction;
import org.apache.commons.math3.random.SobolSequenceGenerator;

/**
 * Variance-based (Sobol) sensitivity indices of a function on the unit cube [0, 1]<sup>d</sup>, by
 * the Saltelli design: two independent sample matrices A and B (the first and last d coordinates of
 * a 2d-dimensional Sobol sequence, Commons Math {@link SobolSequenceGenerator}) and, for each input
 * i, the matrix A<sub>B</sub><sup>(i)</sup> = A with column i taken from B — N(d + 2) evaluations.
 *
 * <p>Estimators (Saltelli et al. 2010, "Variance based sensitivity analysis of model output", Table
 * 2): first order {@code S_i = (1/N) Σ_j f(B)_j (f(A_B^i)_j − f(A)_j) / V} (Saltelli 2010) and
 * total {@code S_Ti = (1/2N) Σ_j (f(A)_j − f(A_B^i)_j)² / V} (Jansen 1999), with {@code V} the
 * sample variance of f over A and B together.
 *
 * <p>NaN: a NaN or infinite output makes the indices NaN (map failures to a finite penalty first).
 */
public final class Sensitivity {
  private Sensitivity() {}

  /**
   * The design: {@code n(d + 2)} points in [0, 1]<sup>d</sup>, in the order A (n rows), B (n rows),
   * then A<sub>B</sub><sup>(i)</sup> for i = 0 … d − 1 (n rows each). The first Sobol point (the
   * origin) is skipped.
   */
  public static double[][] design(int d, int n) {
    if (d < 1 || d > 500 || n < 2) {
      throw new IllegalArgumentException(
          "design needs 1 <= d <= 500 and n >= 2, but was d=" + d + ", n=" + n);
    }
    SobolSequenceGenerator sobol = new SobolSequenceGenerator(2 * d);
    sobol.skipTo(1);
    double[][] a = new double[n][];
    double[][] b = new double[n][];
    for (int j = 0; j < n; j++) {
      double[] v = sobol.nextVector();
      a[j] = java.util.Arrays.copyOfRange(v, 0, d);
      b[j] = java.util.Arrays.copyOfRange(v, d, 2 * d);
    }
    double[][] out = new double[n * (d + 2)][];
    for (int j = 0; j < n; j++) {
      out[j] = a[j];
      out[n + j] = b[j];
    }
    for (int i = 0; i < d; i++) {
      for (int j = 0; j < n; j++) {
        double[] x = a[j].clone();
        x[i] = b[j][i];
        out[(2 + i) * n + j] = x;
      }
    }
    return out;
  }

  /**
   * The indices from the outputs {@code y} of {@link #design(int, int)}'s points (same order).
   *
   * @return {@code {S (length d), S_T (length d)}}
   */
  public static double[][] indices(double[] y, int d, int n) {
    if (y.length != n * (d + 2)) {
      throw new IllegalArgumentException(
          "indices need n(d + 2) = " + n * (d + 2) + " outputs, but got " + y.length);
    }
    double mean = 0;
    for (int j = 0; j < 2 * n; j++) {
      mean += y[j];
    }
    mean /= 2 * n;
    double var = 0;
    for (int j = 0; j < 2 * n; j++) {
      var += (y[j] - mean) * (y[j] - mean);
    }
    var /= 2 * n - 1;
    double[] s = new double[d];
    double[] st = new double[d];
    for (int i = 0; i < d; i++) {
      double first = 0;
      double total = 0;
      for (int j = 0; j < n; j++) {
        // centred outputs: the first-order estimator's expectation does not depend on a shift of
        // f, but its variance grows with the mean (f(B) multiplies the differences), so shift it
        // to 0
        double fa = y[j] - mean;
        double fb = y[n + j] - mean;
        double fab = y[(2 + i) * n + j] - mean;
        first += fb * (fab - fa);
        total += (fa - fab) * (fa - fab);
      }
      s[i] = first / n / var;
      st[i] = total / (2.0 * n) / var;
    }
    return new double[][] {s, st};
  }

  /** Design, evaluation on the calling thread and indices in one call. */
  public static double[][] of(ToDoubleFunction<double[]> f, int d, int n) {
    double[][] x = design(d, n);
    double[] y = new double[x.length];
    for (int k = 0; k < x.length; k++) {
      y[k] = f.applyAsDouble(x[k]);
    }
    return indices(y, d, n);
  }
}
