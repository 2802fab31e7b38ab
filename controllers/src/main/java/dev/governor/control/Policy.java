package dev.governor.control;

/**
 * Decides the hyperparameters of the next step from the observation of the last one.
 *
 * <p>Lifecycle: a policy is created from its {@link PolicySpec} (see {@link Policies#create});
 * {@link #initial()} gives the hyperparameters of step 0; then, after each step {@code t}, {@link
 * #decide(Observation, Decision)} is called once with that step's observation and writes the
 * hyperparameters for step {@code t + 1}. Steps are fed in increasing order; a policy never reads
 * the wall clock, so the same observations always give the same decisions (bit for bit).
 *
 * <p>Schedules are policies that ignore the observation's measurements and use only its {@code
 * step}. Feedback policies document what each NaN/Inf measurement does; none lets a NaN/Inf through
 * to its output, and every output is within the policy's configured bounds.
 *
 * <p>{@link #snapshot()} / {@link #restore(PolicyState)} capture and reinstate the complete mutable
 * state (for checkpoints, controller restarts and replay): a restored policy continues exactly as
 * the original would. {@link #copy()} gives the same configuration with fresh state.
 * Implementations are not thread-safe; use one instance per run.
 */
public interface Policy {

  /** The hyperparameters for step 0, before anything was observed. */
  Hyperparameters initial();

  /**
   * Writes the decision for step {@code obs.step() + 1} into {@code out} without allocating. Sets
   * {@code out.step = obs.step()} and every field it owns; internals it does not have are NaN.
   */
  void decide(Observation obs, Decision out);

  /** Convenience form of {@link #decide(Observation, Decision)} that allocates its result. */
  default Hyperparameters decide(Observation obs) {
    Decision d = new Decision();
    decide(obs, d);
    return d.hyperparameters();
  }

  /**
   * Whether the policy ignores every measurement and uses only the step index (a schedule): its
   * decisions can be printed ahead of time ({@code governor schedule}). False by default.
   */
  default boolean openLoop() {
    return false;
  }

  /** The complete mutable state, as an immutable value. */
  PolicyState snapshot();

  /**
   * Reinstates a state taken by {@link #snapshot()} of a policy with the same spec.
   *
   * @throws IllegalArgumentException when the state belongs to another kind of policy or is damaged
   */
  void restore(PolicyState state);

  /** The same configuration with fresh state (as if just created). */
  Policy copy();

  /**
   * The serializable description of this policy's configuration; {@code Policies.create(spec())}
   * rebuilds it.
   */
  PolicySpec spec();
}
