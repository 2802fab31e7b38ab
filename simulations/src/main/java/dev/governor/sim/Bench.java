package dev.governor.sim;

import java.util.List;

/**
 * A benchmark problem of the suites: a problem, an optimizer and the documented rule for its target
 * loss.
 *
 * <p>Targets: on the NQM, L* + E[L] of constant-η SGD at η = 5 % of the stability bound (the
 * closed-form stationary loss; a run that holds η at a fixed fraction of the bound hovers above it,
 * so reaching it needs the learning rate to come down as the noise takes over); on logistic
 * regression, L* + 0.02 nats (about the stationary excess loss of constant SGD at η = 0.5; L* is
 * computed by Newton's method for each seed's data set).
 *
 * @param name short name
 * @param problem the problem
 * @param optimizer the optimizer
 */
record Bench(String name, ProblemConfig problem, OptimizerKind optimizer) {

  /**
   * SGD on the NQM of {@code dim} parameters with largest curvature {@code lambdaMax}, spectrum
   * exponent {@code exponent}, {@code noise} of unit scale and mini-batch {@code batch}, optimum
   * and start at unit scale.
   */
  static Bench sgdNqm(
      String name, int dim, double lambdaMax, double exponent, NoiseKind noise, int batch) {
    return new Bench(
        name,
        new ProblemConfig.Nqm(dim, lambdaMax, exponent, noise, 1.0, batch, 1.0, 1.0),
        OptimizerKind.SGD);
  }

  /** SGD on logistic regression ({@link ProblemConfig.LogReg}). */
  static Bench sgdLogReg(String name, int dim, int examples, int batch) {
    return new Bench(name, new ProblemConfig.LogReg(dim, examples, batch), OptimizerKind.SGD);
  }

  /** The NQM with curvature noise (Zhang et al.'s choice). */
  static Bench nqmCurvature() {
    return sgdNqm("nqm-curvature", 100, 1.0, 1.0, NoiseKind.CURVATURE, 16);
  }

  /** A stiffer NQM with isotropic noise and 20× the curvature. */
  static Bench nqmIsotropic() {
    return sgdNqm("nqm-isotropic", 50, 20.0, 0.7, NoiseKind.ISOTROPIC, 8);
  }

  /** Logistic regression. */
  static Bench logreg() {
    return sgdLogReg("logreg", 20, 1024, 16);
  }

  static List<Bench> robustness(boolean quick) {
    return quick
        ? List.of(nqmCurvature(), nqmIsotropic())
        : List.of(nqmCurvature(), nqmIsotropic(), logreg());
  }

  /** The stable LR bound of the optimizer at the problem's λ<sub>max</sub> (NaN if unknown). */
  double bound(Problem p) {
    return optimizer.stabilityBound(p.lambdaMax());
  }

  /** The LR the grid is centred on: the stability bound, or 2/λ<sub>max</sub> when that is NaN. */
  double scale(Problem p) {
    double b = bound(p);
    return Double.isFinite(b) ? b : 2 / p.lambdaMax();
  }

  /** The target loss for the problem instance {@code p}. */
  double target(Problem p) {
    if (problem instanceof ProblemConfig.Nqm n && optimizer == OptimizerKind.SGD) {
      return p.minLoss() + n.stationaryLoss(0.05 * bound(p));
    }
    return p.minLoss() + 0.02;
  }

  /** How {@link #target} is defined, for the summary. */
  String targetRule() {
    return problem instanceof ProblemConfig.Nqm
        ? "L* + stationary loss of constant SGD at 5% of the stability bound (closed form)"
        : "L* + 0.02";
  }
}
