package dev.governor.sim;

import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.ArrayRealVector;
import org.apache.commons.math3.linear.CholeskyDecomposition;
import org.apache.commons.rng.UniformRandomProvider;
import org.apache.commons.rng.sampling.distribution.NormalizedGaussianSampler;

/** Logistic regression on seeded synthetic data; see {@link ProblemConfig.LogReg}. */
final class LogRegProblem extends SeededProblem {
  private final int n;
  private final int d;

  /** Row-major features, n × d. */
  private final double[] features;

  /** Labels ±1. */
  private final double[] labels;

  /** Row-major validation features, valN × d, and their labels. */
  private final double[] valFeatures;

  private final double[] valLabels;
  private final int valN;
  private final int valEvery;
  private final double minLoss;
  private final double lambdaMax;

  LogRegProblem(ProblemConfig.LogReg config, long seed) {
    super("logreg", config.dim());
    n = config.examples();
    d = config.dim();
    features = new double[n * d];
    labels = new double[n];
    UniformRandomProvider rng = Rng.stream(seed, Rng.PROBLEM);
    NormalizedGaussianSampler gauss = Rng.gauss(rng);
    double[] teacher = new double[d];
    double ts = 3.0 / Math.sqrt(d);
    for (int j = 0; j < d; j++) {
      teacher[j] = ts * gauss.sample();
    }
    examples(teacher, features, labels, rng, gauss);
    for (int j = 0; j < d; j++) {
      start[j] = gauss.sample();
    }
    valN = config.valExamples();
    valEvery = valN > 0 ? config.valEvery() : 0;
    valFeatures = new double[valN * d];
    valLabels = new double[valN];
    UniformRandomProvider vr = Rng.stream(seed, Rng.VALIDATION);
    NormalizedGaussianSampler vg = Rng.gauss(vr);
    examples(teacher, valFeatures, valLabels, vr, vg);
    double[] w = newton();
    minLoss = loss(w);
    lambdaMax = hessianLambdaMax(w);
  }

  /**
   * Fills {@code x} (row-major, {@code y.length} rows of {@code teacher.length} standard normal
   * features) and {@code y}: each label is +1 with probability {@code sigmoid(teacher · x_i)}, else
   * −1, the features of a row drawn before its label.
   */
  private static void examples(
      double[] teacher,
      double[] x,
      double[] y,
      UniformRandomProvider u,
      NormalizedGaussianSampler g) {
    int d = teacher.length;
    for (int i = 0; i < y.length; i++) {
      double z = 0;
      for (int j = 0; j < d; j++) {
        double v = g.sample();
        x[i * d + j] = v;
        z += v * teacher[j];
      }
      y[i] = u.nextDouble() < sigmoid(z) ? 1.0 : -1.0;
    }
  }

  static double sigmoid(double z) {
    return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
  }

  /** log(1 + exp(−m)), stable for large |m|. */
  static double logLoss(double m) {
    return m > 0 ? Math.log1p(Math.exp(-m)) : -m + Math.log1p(Math.exp(m));
  }

  private double margin(double[] w, int i) {
    double z = 0;
    int off = i * d;
    for (int j = 0; j < d; j++) {
      z += features[off + j] * w[j];
    }
    return labels[i] * z;
  }

  /** Damped Newton from 0; 50 iterations are far more than this smooth, convex loss needs. */
  private double[] newton() {
    double[] w = new double[d];
    for (int it = 0; it < 50; it++) {
      Array2DRowRealMatrix hess = new Array2DRowRealMatrix(d, d);
      double[] grad = new double[d];
      accumulate(w, hess, grad);
      for (int j = 0; j < d; j++) {
        hess.addToEntry(j, j, 1e-12);
      }
      double[] step =
          new CholeskyDecomposition(hess, 1e-14, 1e-20)
              .getSolver()
              .solve(new ArrayRealVector(grad))
              .toArray();
      double f0 = loss(w);
      double t = 1;
      double[] trial = new double[d];
      while (t > 1e-10) {
        for (int j = 0; j < d; j++) {
          trial[j] = w[j] - t * step[j];
        }
        if (loss(trial) <= f0) {
          break;
        }
        t *= 0.5;
      }
      System.arraycopy(trial, 0, w, 0, d);
    }
    return w;
  }

  private void accumulate(double[] w, Array2DRowRealMatrix hess, double[] grad) {
    double[][] h = hess.getDataRef();
    for (int i = 0; i < n; i++) {
      double m = margin(w, i);
      double p = sigmoid(m);
      double coef = -labels[i] * (1 - p) / n;
      double curv = p * (1 - p) / n;
      int off = i * d;
      for (int j = 0; j < d; j++) {
        grad[j] += coef * features[off + j];
        for (int k = 0; k <= j; k++) {
          h[j][k] += curv * features[off + j] * features[off + k];
        }
      }
    }
    for (int j = 0; j < d; j++) {
      for (int k = 0; k < j; k++) {
        h[k][j] = h[j][k];
      }
    }
  }

  private double hessianLambdaMax(double[] w) {
    Array2DRowRealMatrix hess = new Array2DRowRealMatrix(d, d);
    accumulate(w, hess, new double[d]);
    return Curvature.largestEigenvalue(hess);
  }

  @Override
  public int examples() {
    return n;
  }

  @Override
  public double loss(double[] w) {
    double sum = 0;
    for (int i = 0; i < n; i++) {
      sum += logLoss(margin(w, i));
    }
    return sum / n;
  }

  @Override
  public double validationLoss(double[] w) {
    if (valN == 0) {
      return Double.NaN;
    }
    double sum = 0;
    for (int i = 0; i < valN; i++) {
      double z = 0;
      int off = i * d;
      for (int j = 0; j < d; j++) {
        z += valFeatures[off + j] * w[j];
      }
      sum += logLoss(valLabels[i] * z);
    }
    return sum / valN;
  }

  @Override
  public int validationEvery() {
    return valEvery;
  }

  @Override
  public double minLoss() {
    return minLoss;
  }

  @Override
  public double lambdaMax() {
    return lambdaMax;
  }

  @Override
  public double sample(
      double[] w,
      double[] g,
      int batch,
      double noiseMultiplier,
      UniformRandomProvider rng,
      NormalizedGaussianSampler gauss) {
    for (int j = 0; j < d; j++) {
      g[j] = 0;
    }
    double loss = 0;
    for (int b = 0; b < batch; b++) {
      int i = rng.nextInt(n);
      double m = margin(w, i);
      loss += logLoss(m);
      double coef = -labels[i] * sigmoid(-m);
      int off = i * d;
      for (int j = 0; j < d; j++) {
        g[j] += coef * features[off + j];
      }
    }
    double inv = 1.0 / batch;
    for (int j = 0; j < d; j++) {
      g[j] *= inv;
    }
    return loss * inv;
  }
}
