package dev.governor.cli;

import dev.governor.sim.NoiseKind;
import dev.governor.sim.ProblemConfig;
import picocli.CommandLine.Option;

/**
 * The simulated-problem flags shared by {@code simulate --problem} and {@code train --plant} (a
 * picocli mixin): one declaration of the flags and one place that turns them into a {@link
 * ProblemConfig}, with the problem's defaults for flags not given and a one-line error for a flag
 * that does not apply to the chosen problem. A null field means "not given".
 */
final class ProblemOptions {
  /** The {@code --optimizer} help of every command that runs the simulated plant. */
  static final String OPTIMIZER_HELP =
      "sgd | momentum | adam | adamw | sf-sgd | sf-adamw | prodigy | dadapt-sgd | dadapt-adam | dog"
          + " | sgd-hd | adam-hd, optionally with hyperparameters, e.g. prodigy(d0=1e-4) or"
          + " sf-adamw(warmup=100) (default sgd). For the LR-free methods the policy's lr"
          + " multiplies the adapted step size (use constant(lr=1)).";

  @Option(names = "--dim", description = "Number of parameters (nqm 100, rosenbrock 2, logreg 20).")
  Integer dim;

  @Option(names = "--lambda-max", description = "nqm: largest curvature (default 1).")
  Double lambdaMax;

  @Option(names = "--spectrum-exponent", description = "nqm: a in h_i = L*i^-a (default 1).")
  Double exponent;

  @Option(names = "--noise", description = "nqm: isotropic | curvature (default curvature).")
  String noise;

  @Option(
      names = "--noise-scale",
      description = "nqm, rosenbrock: per-sample gradient-noise variance s^2 (default 1).")
  Double noiseScale;

  @Option(names = "--batch", description = "Mini-batch size (default 16; train --dataset: 128).")
  Integer batch;

  @Option(names = "--examples", description = "logreg: data-set size (default 1024).")
  Integer examples;

  /**
   * The problem the flags describe.
   *
   * @param flag the flag naming the problem ({@code --problem} or {@code --plant}), for messages
   * @param name nqm, rosenbrock or logreg
   * @throws UserException naming the flag and its value when the problem is unknown or a flag does
   *     not apply to it
   */
  ProblemConfig config(String flag, String name) {
    ProblemConfig c = build(flag, name);
    requireHeap(c);
    return c;
  }

  /**
   * Doubles a plant of this problem holds at least: the problem's own arrays (curvatures, optimum,
   * start, noise; logreg's n × d features) and the trainer's parameters, gradient, optimizer state
   * and rollback snapshot — eight vectors of the dimension in all.
   */
  static double minDoubles(ProblemConfig c) {
    double d = dimOf(c);
    double extra = c instanceof ProblemConfig.LogReg l ? (double) l.examples() * d : 0;
    return 8 * d + extra;
  }

  private static int dimOf(ProblemConfig c) {
    if (c instanceof ProblemConfig.Nqm n) {
      return n.dim();
    }
    if (c instanceof ProblemConfig.Rosenbrock r) {
      return r.dim();
    }
    return c instanceof ProblemConfig.LogReg l ? l.dim() : 1;
  }

  /**
   * Refuses a problem whose arrays cannot fit the heap, before anything is allocated.
   *
   * @throws UserException naming --dim (and --examples) and the memory it needs and has
   */
  static void requireHeap(ProblemConfig c) {
    double bytes = 8 * minDoubles(c);
    long heap = Runtime.getRuntime().maxMemory();
    if (bytes > heap) {
      throw new UserException(
          String.format(
              java.util.Locale.ROOT,
              "--dim %d%s needs at least %.1f GiB of memory, but the heap holds at most %.1f GiB"
                  + " (java -Xmx); choose a smaller --dim",
              dimOf(c),
              c instanceof ProblemConfig.LogReg l ? " with --examples " + l.examples() : "",
              bytes / (1L << 30),
              heap / (double) (1L << 30)));
    }
  }

  private ProblemConfig build(String flag, String name) {
    String n = name.trim();
    switch (n) {
      case "nqm" -> {
        ProblemConfig.Nqm d = ProblemConfig.Nqm.defaults();
        notFor(flag, n, "--examples", examples);
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
        notFor(flag, n, "--lambda-max", lambdaMax);
        notFor(flag, n, "--spectrum-exponent", exponent);
        notFor(flag, n, "--noise", noise);
        notFor(flag, n, "--examples", examples);
        return new ProblemConfig.Rosenbrock(
            dim != null ? dim : d.dim(),
            noiseScale != null ? noiseScale : d.noiseScale(),
            batch != null ? batch : d.batch());
      }
      case "logreg" -> {
        ProblemConfig.LogReg d = ProblemConfig.LogReg.defaults();
        notFor(flag, n, "--lambda-max", lambdaMax);
        notFor(flag, n, "--spectrum-exponent", exponent);
        notFor(flag, n, "--noise", noise);
        notFor(flag, n, "--noise-scale", noiseScale);
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

  private static void notFor(String flag, String problem, String option, Object value) {
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
