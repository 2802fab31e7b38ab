package dev.governor.cli;

import dev.governor.sim.Runner;
import picocli.CommandLine.Option;

/**
 * How a command that runs many simulations in parallel ({@code simulate}, {@code tune}) runs them:
 * {@code --threads} and {@code --quiet}, as a picocli mixin, and the {@link Runner} they give.
 */
final class RunnerOptions {
  @Option(names = "--threads", description = "Worker threads, 0 = all cores (default 0).")
  int threads;

  @Option(names = "--quiet", description = "No progress bar.")
  boolean quiet;

  /**
   * A runner on {@code --threads} threads, with a progress bar on stderr unless {@code --quiet}.
   */
  Runner runner() {
    return Runner.of(threads, quiet ? null : System.err);
  }
}
