package dev.governor.sim;

import dev.governor.control.PolicySpec;

/**
 * One simulated run: a plant, a policy, a number of steps, a target loss for steps-to-target and
 * how often to keep a trace point.
 *
 * @param plant the plant (problem, optimizer, seed, disturbance)
 * @param policy the policy, built fresh for the run
 * @param steps number of steps, >= 1
 * @param target exact loss counted as reached (NaN = no target)
 * @param traceEvery keep every n-th step in the trace, 0 = no trace
 * @param label free text carried into the result (e.g. the grid point)
 * @param strictTarget a second, stricter exact loss counted as reached (NaN = none)
 */
public record RunSpec(
    SimulatedTrainer.Config plant,
    PolicySpec policy,
    long steps,
    double target,
    int traceEvery,
    String label,
    double strictTarget) {

  /** A run with one target. */
  public RunSpec(
      SimulatedTrainer.Config plant,
      PolicySpec policy,
      long steps,
      double target,
      int traceEvery,
      String label) {
    this(plant, policy, steps, target, traceEvery, label, Double.NaN);
  }

  /** Validates. */
  public RunSpec {
    if (plant == null || policy == null) {
      throw new IllegalArgumentException("plant and policy must not be null");
    }
    if (steps < 1) {
      throw new IllegalArgumentException("steps must be >= 1, but was " + steps);
    }
    if (traceEvery < 0) {
      throw new IllegalArgumentException("traceEvery must be >= 0, but was " + traceEvery);
    }
    if (label == null) {
      label = "";
    }
  }

  /** A run without target and trace. */
  public static RunSpec of(SimulatedTrainer.Config plant, PolicySpec policy, long steps) {
    return new RunSpec(plant, policy, steps, Double.NaN, 0, "", Double.NaN);
  }

  /** A copy with a target. */
  public RunSpec withTarget(double t) {
    return new RunSpec(plant, policy, steps, t, traceEvery, label, strictTarget);
  }

  /** A copy keeping every n-th step in the trace. */
  public RunSpec withTrace(int every) {
    return new RunSpec(plant, policy, steps, target, every, label, strictTarget);
  }

  /** A copy with a label. */
  public RunSpec withLabel(String l) {
    return new RunSpec(plant, policy, steps, target, traceEvery, l, strictTarget);
  }

  /** A copy with a second, stricter target. */
  public RunSpec withStrictTarget(double t) {
    return new RunSpec(plant, policy, steps, target, traceEvery, label, t);
  }
}
