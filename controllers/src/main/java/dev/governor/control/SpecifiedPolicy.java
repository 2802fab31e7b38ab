package dev.governor.control;

import java.util.function.Function;

/**
 * The part every policy built from one {@link PolicySpec} shares: it keeps the spec, answers {@link
 * #spec()} with it, and {@link #copy()} builds the same spec again through the policy's own factory
 * (fresh state, the same validation; a gear that {@link Policies#create} put around the policy
 * wraps the copy of the wrapper, not this one). The snapshot's section is named after the spec.
 */
abstract class SpecifiedPolicy implements Policy {
  /** The spec this policy was built from. */
  final PolicySpec spec;

  private final Function<PolicySpec, ? extends Policy> factory;

  SpecifiedPolicy(PolicySpec spec, Function<PolicySpec, ? extends Policy> factory) {
    this.spec = spec;
    this.factory = factory;
  }

  /** A writer for this policy's snapshot, its section named after the spec. */
  final PolicyState.Writer stateWriter() {
    return PolicyState.writer(spec.name());
  }

  /**
   * A reader of this policy's section of {@code state}.
   *
   * @throws IllegalArgumentException when the state belongs to another kind of policy
   */
  final PolicyState.Reader stateReader(PolicyState state) {
    return state.reader(spec.name());
  }

  @Override
  public final Policy copy() {
    return factory.apply(spec);
  }

  @Override
  public final PolicySpec spec() {
    return spec;
  }
}
