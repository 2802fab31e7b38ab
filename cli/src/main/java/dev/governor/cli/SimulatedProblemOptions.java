package dev.governor.cli;

import dev.governor.sim.ProblemConfig;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code --problem}, its flags ({@link ProblemOptions}) and {@code --optimizer} (a picocli mixin):
 * the simulated problem and the plant's optimizer of {@code simulate}, {@code tune} and {@code
 * lr-find}.
 */
final class SimulatedProblemOptions {
  @Option(names = "--problem", description = "nqm | rosenbrock | logreg (default nqm).")
  String problem;

  @Mixin ProblemOptions flags = new ProblemOptions();

  @Option(names = "--optimizer", description = ProblemOptions.OPTIMIZER_HELP)
  String optimizer = "sgd";

  /**
   * The problem the flags describe ({@code nqm} when {@code --problem} is not given).
   *
   * @throws UserException naming the flag that is invalid or does not apply to the problem
   */
  ProblemConfig config() {
    return flags.config("--problem", problem == null ? "nqm" : problem);
  }
}
