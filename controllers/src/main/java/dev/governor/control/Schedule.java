package dev.governor.control;

/**
 * A learning-rate schedule: a pure function of the step index (DL4J {@code ISchedule}, DJL {@code
 * Tracker} style). {@code lr(t)} is the learning rate applied at step {@code t}, i.e. PyTorch's
 * value after {@code t} calls of {@code scheduler.step()}; {@code lr(0)} is the initial rate.
 *
 * <p>Values are exactly the formula's, so a schedule may return 0 where PyTorch does (cosine with
 * {@code lr-min = 0} at {@code t = t-max}); the policy that applies a schedule raises such a value
 * to {@link Double#MIN_NORMAL} because a decision's learning rate must be {@code > 0}. Immutable
 * and thread-safe; created by {@link Schedules}.
 */
public interface Schedule {

  /**
   * The learning rate at step {@code step}.
   *
   * @param step the step index, {@code >= 0} (a negative step is treated as 0)
   * @return a finite value {@code >= 0}
   */
  double lr(long step);
}
