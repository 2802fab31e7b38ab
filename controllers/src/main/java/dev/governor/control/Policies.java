package dev.governor.control;

import java.util.List;

/**
 * Creates policies from their {@link PolicySpec}: the one place a policy name becomes an object. A
 * static factory with a fixed list of names; there is no mutable registry.
 */
public final class Policies {
  private Policies() {}

  /** The names {@link #create(PolicySpec)} accepts. */
  public static List<String> names() {
    return List.of("constant");
  }

  /**
   * Builds the policy a spec describes, with fresh state.
   *
   * @throws IllegalArgumentException naming the policy or the first invalid option and its value
   */
  public static Policy create(PolicySpec spec) {
    return switch (spec.name()) {
      case "constant" -> ConstantPolicy.of(spec);
      default ->
          throw new IllegalArgumentException(
              "policy must be one of " + names() + ", but was '" + spec.name() + "'");
    };
  }

  /** Parses and builds, e.g. {@code create("cosine(lr=0.1, t-max=1000)")}. */
  public static Policy create(String spec) {
    return create(PolicySpec.parse(spec));
  }
}
