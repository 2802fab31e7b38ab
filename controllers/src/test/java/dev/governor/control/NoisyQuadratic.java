package dev.governor.control;

import java.util.SplittableRandom;

/**
 * A test plant: SGD on the noisy quadratic model L(x) = ½ Σ h_i x_i² (docs/theory.md), h_i = 1/i
 * for i = 1..n (λ_max = 1, so GD diverges for η > 2), gradient noise ∝ H: g_i = h_i x_i + σ·√h_i·ξ.
 * It reports loss, gradient norm, parameter and update norms, alignment and secant sharpness, and
 * applies clipping and decoupled weight decay.
 */
final class NoisyQuadratic {
  final int n;
  final double[] h;
  final double[] x;
  final double sigma;
  final SplittableRandom rng;
  private double[] prevG;
  private double[] prevX;

  NoisyQuadratic(int n, double sigma, long seed) {
    this.n = n;
    this.sigma = sigma;
    h = new double[n];
    x = new double[n];
    for (int i = 0; i < n; i++) {
      h[i] = 1.0 / (i + 1);
      x[i] = 1.0;
    }
    rng = new SplittableRandom(seed);
  }

  double loss() {
    double l = 0;
    for (int i = 0; i < n; i++) {
      l += 0.5 * h[i] * x[i] * x[i];
    }
    return l;
  }

  /** Runs step t with h and returns the observation. */
  Observation step(long t, Hyperparameters hp) {
    double[] g = new double[n];
    double gn = 0;
    double pn = 0;
    for (int i = 0; i < n; i++) {
      g[i] = h[i] * x[i] + sigma * Math.sqrt(h[i]) * gauss();
      gn += g[i] * g[i];
      pn += x[i] * x[i];
    }
    gn = Math.sqrt(gn);
    double loss = loss();
    double align = Double.NaN;
    double sharp = Double.NaN;
    if (prevG != null) {
      double dot = 0;
      double pg = 0;
      double dg = 0;
      double dx = 0;
      for (int i = 0; i < n; i++) {
        dot += g[i] * prevG[i];
        pg += prevG[i] * prevG[i];
        dg += (g[i] - prevG[i]) * (g[i] - prevG[i]);
        dx += (x[i] - prevX[i]) * (x[i] - prevX[i]);
      }
      align = dot / (gn * Math.sqrt(pg));
      sharp = dx > 0 ? Math.sqrt(dg / dx) : Double.NaN;
    }
    double scale = gn > hp.clip() ? hp.clip() / gn : 1.0;
    prevG = g;
    prevX = x.clone();
    double un = 0;
    for (int i = 0; i < n; i++) {
      double d = -hp.lr() * (scale * g[i] + hp.weightDecay() * x[i]);
      x[i] += d;
      un += d * d;
    }
    return Observation.builder(t)
        .loss(loss)
        .gradNorm(gn)
        .paramNorm(Math.sqrt(pn))
        .updateNorm(Math.sqrt(un))
        .alignment(align)
        .sharpness(sharp)
        .batchSize(1)
        .applied(hp)
        .build();
  }

  private double gauss() {
    // Box-Muller, reproducible
    double u1 = rng.nextDouble();
    double u2 = rng.nextDouble();
    return Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2);
  }

  /** Runs a policy for {@code steps} steps; returns the mean loss over the last 10 % of steps. */
  static double[] run(Policy p, int steps, double sigma, long seed) {
    NoisyQuadratic q = new NoisyQuadratic(100, sigma, seed);
    Hyperparameters hp = p.initial();
    Decision d = new Decision();
    double tail = 0;
    int tailN = 0;
    double maxLoss = 0;
    for (int t = 0; t < steps; t++) {
      Observation o = q.step(t, hp);
      maxLoss = Math.max(maxLoss, Double.isFinite(o.loss()) ? o.loss() : Double.MAX_VALUE);
      p.decide(o, d);
      hp = d.hyperparameters();
      if (t >= steps - steps / 10) {
        tail += q.loss();
        tailN++;
      }
    }
    return new double[] {tail / tailN, maxLoss, hp.lr()};
  }
}
