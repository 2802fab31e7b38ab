package dev.governor.sim;

/**
 * The outcome of one {@link RunSpec}.
 *
 * @param spec what was run
 * @param initialLoss exact loss at the start
 * @param finalLoss exact loss after the last step run (non-finite or huge when diverged)
 * @param tailMeanLoss mean exact loss over the last half of the steps (+Inf when diverged)
 * @param minLoss the problem's minimum loss
 * @param diverged whether the exact loss became non-finite or exceeded 1e6 × the initial loss
 * @param divergedAt step at which it diverged, -1 if not
 * @param stepsToTarget number of steps until the exact loss first was <= the target, -1 if never
 * @param skips guard SKIP actions carried out
 * @param rollbacks guard ROLLBACK actions carried out
 * @param faults measurement faults the policy counted
 * @param clipRate fraction of steps whose gradient was clipped
 * @param lambdaMax the problem's λ<sub>max</sub> (NaN if unknown)
 * @param trace the down-sampled trace, null when none was asked for
 * @param stepsToStrictTarget steps until the exact loss first was <= the spec's strict target, -1
 *     if never (or no strict target)
 * @param anytimeLoss exact loss after 25 %, 50 %, 75 % and 100 % of the steps (+Inf from the step
 *     the run diverged)
 */
public record RunResult(
    RunSpec spec,
    double initialLoss,
    double finalLoss,
    double tailMeanLoss,
    double minLoss,
    boolean diverged,
    long divergedAt,
    long stepsToTarget,
    long skips,
    long rollbacks,
    long faults,
    double clipRate,
    double lambdaMax,
    Trace trace,
    long stepsToStrictTarget,
    double[] anytimeLoss) {

  /** Copies the anytime losses. */
  public RunResult {
    anytimeLoss = anytimeLoss == null ? new double[0] : anytimeLoss.clone();
  }

  /** The exact loss after {@code quarter}/4 of the steps (quarter 1..4). */
  public double lossAtQuarter(int quarter) {
    return anytimeLoss[quarter - 1];
  }

  /** Whether the strict target was reached. */
  public boolean reachedStrictTarget() {
    return stepsToStrictTarget >= 0;
  }

  /** Divergence threshold: loss above this multiple of the initial loss. */
  public static final double DIVERGENCE_FACTOR = 1e6;

  /** The run's seed. */
  public long seed() {
    return spec.plant().seed();
  }

  /** Whether the target was reached. */
  public boolean reachedTarget() {
    return stepsToTarget >= 0;
  }
}
