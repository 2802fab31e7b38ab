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

  /** The NQM with curvature noise (Zhang et al.'s choice). */
  static Bench nqmCurvature() {
    return new Bench(
        "nqm-curvature",
        new ProblemConfig.Nqm(100, 1.0, 1.0, NoiseKind.CURVATURE, 1.0, 16, 1.0, 1.0),
        OptimizerKind.SGD);
  }

  /** A stiffer NQM with isotropic noise and 20× the curvature. */
  static Bench nqmIsotropic() {
    return new Bench(
        "nqm-isotropic",
        new ProblemConfig.Nqm(50, 20.0, 0.7, NoiseKind.ISOTROPIC, 1.0, 8, 1.0, 1.0),
        OptimizerKind.SGD);
  }

  /** Logistic regression. */
  static Bench logreg() {
    return new Bench("logreg", new ProblemConfig.LogReg(20, 1024, 16), OptimizerKind.SGD);
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
