package dev.governor.cli;

import dev.governor.sim.NoiseKind;
import dev.governor.sim.ProblemConfig;

/**
 * The simulated-problem flags shared by {@code simulate --problem} and {@code train --plant}: one
 * place that turns them into a {@link ProblemConfig}, with the problem's defaults for flags not
 * given and a one-line error for a flag that does not apply to the chosen problem.
 *
 * @param flag the flag naming the problem ({@code --problem} or {@code --plant}), for messages
 * @param name nqm, rosenbrock or logreg
 */
record ProblemFlags(
    String flag,
    String name,
    Integer dim,
    Double lambdaMax,
    Double exponent,
    String noise,
    Double noiseScale,
    Integer batch,
    Integer examples) {

  /**
   * The problem the flags describe.
   *
   * @throws UserException naming the flag and its value when the problem is unknown or a flag does
   *     not apply to it
   */
  ProblemConfig config() {
    String n = name.trim();
    switch (n) {
      case "nqm" -> {
        ProblemConfig.Nqm d = ProblemConfig.Nqm.defaults();
        notFor(n, "--examples", examples);
        return new ProblemConfig.Nqm(
            dim != null ? dim : d.dim(),
            lambdaMax != null ? lambdaMax : d.lambdaMax(),
            exponent != null ? exponent : d.exponent(),
            noise != null ? NoiseKind.parse(noise) : d.noise(),
            noiseScale != null ? noiseScale : d.noiseScale(),
            batch != null ? batch : d.batch(),
            d.optimumScale(),
            d.startScale());
      }
      case "rosenbrock" -> {
        ProblemConfig.Rosenbrock d = ProblemConfig.Rosenbrock.defaults();
        notFor(n, "--lambda-max", lambdaMax);
        notFor(n, "--spectrum-exponent", exponent);
        notFor(n, "--noise", noise);
        notFor(n, "--examples", examples);
        return new ProblemConfig.Rosenbrock(
            dim != null ? dim : d.dim(),
            noiseScale != null ? noiseScale : d.noiseScale(),
            batch != null ? batch : d.batch());
      }
      case "logreg" -> {
        ProblemConfig.LogReg d = ProblemConfig.LogReg.defaults();
        notFor(n, "--lambda-max", lambdaMax);
        notFor(n, "--spectrum-exponent", exponent);
        notFor(n, "--noise", noise);
        notFor(n, "--noise-scale", noiseScale);
        return new ProblemConfig.LogReg(
            dim != null ? dim : d.dim(),
            examples != null ? examples : d.examples(),
            batch != null ? batch : d.batch());
      }
      default ->
          throw new UserException(
              flag + " must be nqm, rosenbrock or logreg, but was '" + name + "'");
    }
  }

  private void notFor(String problem, String option, Object value) {
    if (value != null) {
      throw new UserException(
          option
              + " does not apply to "
              + flag
              + " "
              + problem
              + ", but was given ("
              + value
              + ")");
    }
  }
}
