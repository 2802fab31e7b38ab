package dev.governor.sim;

import org.apache.commons.rng.UniformRandomProvider;
import org.apache.commons.rng.sampling.distribution.NormalizedGaussianSampler;

/**
 * A synthetic optimization problem: a loss with a known exact (noise-free) value, a seeded start
 * point and a stochastic mini-batch gradient. Created from a {@link ProblemConfig} and a seed,
 * which fix everything random about the problem itself (optimum, start point, data set); the
 * per-step sampling randomness comes from the generator passed to {@link #sample}, owned by the
 * caller.
 *
 * <p>Implementations hold only immutable data after construction, so one instance may be shared by
 * several runs (the scratch state lives in the caller's arrays). {@link #sample} allocates nothing.
 */
public interface Problem {

  /** Problem name ({@code nqm}, {@code rosenbrock}, {@code logreg}). */
  String name();

  /** Number of parameters. */
  int dim();

  /** Writes the seeded start point into {@code x} (length {@link #dim()}). */
  void start(double[] x);

  /** The exact, noise-free loss at {@code x}; NaN/Inf coordinates give NaN/Inf. */
  double loss(double[] x);

  /** The minimum of {@link #loss(double[])} (exact or computed to high precision). */
  double minLoss();

  /**
   * The largest eigenvalue of the Hessian at the optimum (the curvature that bounds a stable
   * gradient-descent learning rate at 2/λ<sub>max</sub>); NaN when unknown.
   */
  double lambdaMax();

  /**
   * The loss at {@code x} on a held-out sample of the problem's distribution (the validation set),
   * or NaN when the problem has none. Allocates nothing.
   */
  default double validationLoss(double[] x) {
    return Double.NaN;
  }

  /** Steps between validation measurements ({@code > 0}), or 0 when there is no validation set. */
  default int validationEvery() {
    return 0;
  }

  /** Examples per epoch of a finite data set, or {@code -1} for an infinite stream. */
  default int examples() {
    return -1;
  }

  /**
   * Draws a mini-batch of {@code batch} examples at {@code x}: writes the mini-batch gradient into
   * {@code g} and returns the mini-batch loss. {@code noiseMultiplier} scales the standard
   * deviation of synthetic gradient noise (problems with real per-sample data ignore it). Allocates
   * nothing.
   */
  double sample(
      double[] x,
      double[] g,
      int batch,
      double noiseMultiplier,
      UniformRandomProvider rng,
      NormalizedGaussianSampler gauss);
}
