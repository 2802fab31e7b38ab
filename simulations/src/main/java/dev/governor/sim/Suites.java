package dev.governor.sim;

import java.util.List;

/** The named suites of {@code governor simulate --suite NAME}. */
public final class Suites {
  private Suites() {}

  /** The suite names. */
  public static List<String> names() {
    return List.of("validation", "robustness", "disturbance", "stability-map", "gains");
  }

  /**
   * Runs suite {@code name}.
   *
   * @param quick the reduced variant (a full quick pass of every suite takes minutes)
   * @param seeds seeds per configuration, 0 = the suite's default
   * @throws IllegalArgumentException naming the suite when it is unknown
   */
  public static Outcome run(String name, boolean quick, int seeds, Runner runner) {
    if (seeds < 0) {
      throw new IllegalArgumentException("seeds must be >= 0, but was " + seeds);
    }
    return switch (name) {
      case "validation" -> ValidationSuite.run(quick, seeds, runner);
      case "robustness" -> RobustnessSuite.run(quick, seeds, runner);
      case "disturbance" -> DisturbanceSuite.run(quick, seeds, runner);
      case "stability-map" -> StabilityMapSuite.run(quick, seeds, runner);
      case "gains" -> GainsSuite.run(quick, seeds, runner);
      default ->
          throw new IllegalArgumentException(
              "suite must be one of " + names() + ", but was '" + name + "'");
    };
  }
}
