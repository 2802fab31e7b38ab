package dev.governor.sim;

import java.util.List;
import java.util.Map;

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
    return run(name, quick, seeds, List.of(), Map.of(), runner);
  }

  /**
   * The suites that take extra options for {@code pi} ({@link #run(String, boolean, int, List, Map,
   * Runner)}).
   */
  public static List<String> withPiOptions() {
    return List.of("robustness", "bakeoff");
  }

  /**
   * Runs suite {@code name} with extra held-out problems ({@code name(key=value, ...)} specs; only
   * the {@code bakeoff} suite takes them) and with {@code piOptions} added to every {@code pi} spec
   * the suite runs (only the suites of {@link #withPiOptions()} take them; the options are not
   * checked here: a bad one fails the first run that builds the policy).
   *
   * @throws IllegalArgumentException naming the suite, the bad problem spec, or a suite that takes
   *     no pi options when some are given
   */
  public static Outcome run(
      String name,
      boolean quick,
      int seeds,
      List<String> problemSpecs,
      Map<String, String> piOptions,
      Runner runner) {
    if (!piOptions.isEmpty() && !withPiOptions().contains(name)) {
      throw new IllegalArgumentException(
          "pi options apply to the suites "
              + withPiOptions()
              + " only, but the suite was '"
              + name
              + "'");
    }
    if (!problemSpecs.isEmpty() && !name.equals("bakeoff")) {
      throw new IllegalArgumentException(
          "problem specs apply to the bakeoff suite only, but the suite was '" + name + "'");
    }
    if (seeds < 0) {
      throw new IllegalArgumentException("seeds must be >= 0, but was " + seeds);
    }
    return switch (name) {
      case "validation" -> ValidationSuite.run(quick, seeds, runner);
      case "robustness" -> RobustnessSuite.run(quick, seeds, piOptions, runner);
      case "disturbance" -> DisturbanceSuite.run(quick, seeds, runner);
      case "stability-map" -> StabilityMapSuite.run(quick, seeds, runner);
      case "stability-map-bare" ->
          StabilityMapSuite.run(StabilityMapSuite.Gear.BARE, quick, seeds, runner);
      case "gains" -> GainsSuite.run(quick, seeds, runner);
      case "bakeoff" -> BakeoffSuite.run(quick, seeds, problemSpecs, piOptions, runner);
      default ->
          throw new IllegalArgumentException(
              "suite must be one of " + names() + ", but was '" + name + "'");
    };
  }
}
