package dev.governor.cluster;

import dev.governor.control.Observation;
import dev.governor.control.Trainer;
import java.util.List;

/**
 * A {@link Trainer} made of data-parallel ranks: {@link #step} returns the step's aggregated
 * observation ({@link RankAggregation}) and {@link #rankObservations()} the ranks' own, which a
 * cluster run sends to the controller so that it aggregates them itself.
 */
public interface RankedTrainer extends Trainer {

  /** Number of ranks, {@code >= 1}. */
  int ranks();

  /**
   * The ranks' observations of the last step run, in rank order (a rank that failed to report is
   * absent). Read on the thread that runs the steps, right after {@link #step}.
   */
  List<Observation> rankObservations();
}
