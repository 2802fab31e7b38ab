package dev.governor.control;

/**
 * A discrete PI controller for one actuator, in that actuator's (usually logarithmic) domain.
 *
 * <p>Each call of {@link #update(double)} is one training step:
 *
 * <ol>
 *   <li>A NaN or infinite measurement is a <em>fault</em>: it is counted, the filter and the period
 *       counter are untouched, and the last output is held.
 *   <li>Filter: {@code f ← f + α·(y − f)} (the first valid sample sets {@code f = y}).
 *   <li>Every {@code period}-th valid step the controller updates: error {@code e = f − r} (reverse
 *       acting) or {@code r − f}; integrator candidate {@code I' = clamp(I + Ki·e)}; desired output
 *       {@code v = u0 + Kp·e + I'}; output {@code u = clamp(v, outMin, outMax)}, then limited to
 *       {@code u_prev ± maxDelta} (slew).
 *   <li>Anti-windup: conditional integration — when the limits (bounds or slew) cut {@code v} and
 *       {@code Ki·e} pushes further into the limit, the integrator moves only up to the value that
 *       puts the desired output exactly on the limit, and never backwards, so it cannot wind up
 *       beyond the saturated output; it is also clamped to {@code [integralMin, integralMax]}.
 *   <li>Bumpless start: before the first update the output is {@code u0 = initial}; at the first
 *       update the integrator starts at {@code −Kp·e}, so the proportional term causes no jump and
 *       the first update moves the output by {@code Ki·e} only (the velocity form from then on).
 * </ol>
 *
 * <p>No wall clock, no allocation per update. Not thread-safe. Create with {@link #of(PiConfig)};
 * {@link #copy()} = same configuration, fresh state.
 */
public interface PiController {

  /** A controller with fresh state. */
  static PiController of(PiConfig config) {
    return new PiControllerImpl(config);
  }

  /** Its configuration. */
  PiConfig config();

  /**
   * One step: feeds a measurement, returns the (possibly unchanged) output.
   *
   * @param measurement the process variable; NaN/±Inf is a fault that holds the output
   * @return the output, finite and within {@code [outMin, outMax]}
   */
  double update(double measurement);

  /** The current output (the initial value before the first update). */
  double output();

  /** The filtered measurement; NaN before the first valid sample. */
  double filtered();

  /** The error at the last update; NaN before the first update. */
  double error();

  /** The integrator state. */
  double integral();

  /** Number of NaN/Inf measurements seen. */
  long faults();

  /** Number of controller updates made. */
  long updates();

  /** Whether the last update was limited by the output bounds or the slew limit. */
  boolean saturated();

  /**
   * Forces the output to {@code u} (clamped to the bounds; NaN is ignored) and re-sets the
   * integrator so that, with the last error, the next update continues from {@code u} without a
   * jump (bumpless transfer). Used by safety cuts and guard rollbacks.
   */
  void override(double u);

  /** Appends the complete mutable state. */
  void writeState(PolicyState.Writer w);

  /**
   * Reads a state written by {@link #writeState}.
   *
   * @throws IllegalArgumentException when the state is damaged (a non-finite output, …)
   */
  void readState(PolicyState.Reader r);

  /** Same configuration, fresh state. */
  PiController copy();
}
