package dev.governor.sim;

import java.util.List;

/** The named suites of {@code governor simulate --suite NAME}. */
public final class Suites {
  private Suites() {}

  /** The suite names. */
  public static List<String> names() {
    return List.of(
        "validation",
        "robustness",
        "disturbance",
        "stability-map",
        "stability-map-bare",
        "gains",
        "bakeoff");
  }

  /**
   * Runs suite {@code name}.
   *
   * @param quick the reduced variant (a full quick pass of every suite takes minutes)
   * @param seeds seeds per configuration, 0 = the suite's default
   * @throws IllegalArgumentException naming the suite when it is unknown
   */
  public static Outcome run(String name, boolean quick, int seeds, Runner runner) {
    return run(name, quick, seeds, List.of(), runner);
  }

  /**
   * Runs suite {@code name} with extra held-out problems ({@code name(key=value, ...)} specs; only
   * the {@code bakeoff} suite takes them).
   *
   * @throws IllegalArgumentException naming the suite or the bad problem spec
   */
  public static Outcome run(
      String name, boolean quick, int seeds, List<String> problemSpecs, Runner runner) {
    if (!problemSpecs.isEmpty() && !name.equals("bakeoff")) {
      throw new IllegalArgumentException(
          "problem specs apply to the bakeoff suite only, but the suite was '" + name + "'");
    }
    if (seeds < 0) {
      throw new IllegalArgumentException("seeds must be >= 0, but was " + seeds);
    }
    return switch (name) {
      case "validation" -> ValidationSuite.run(quick, seeds, runner);
      case "robustness" -> RobustnessSuite.run(quick, seeds, runner);
      case "disturbance" -> DisturbanceSuite.run(quick, seeds, runner);
      case "stability-map" -> StabilityMapSuite.run(quick, seeds, runner);
      case "stability-map-bare" ->
          StabilityMapSuite.run(StabilityMapSuite.Gear.BARE, quick, seeds, runner);
      case "gains" -> GainsSuite.run(quick, seeds, runner);
      case "bakeoff" -> BakeoffSuite.run(quick, seeds, problemSpecs, runner);
      default ->
          throw new IllegalArgumentException(
              "suite must be one of " + names() + ", but was '" + name + "'");
    };
  }
}
