package dev.governor.sim;

import dev.governor.control.PolicySpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What the {@link BakeoffSuite bake-off} runs: its problems (the training split {@code pi}'s
 * defaults were tuned on and the held-out split that is only scored), its contenders (feedback,
 * tuned, learning-rate-free, oracle) with how each one's policy spec and search space are built,
 * and the target loss of a problem.
 */
final class BakeoffLineup {
  private BakeoffLineup() {}

  /** What a contender is. */
  enum Role {
    FEEDBACK,
    TUNED,
    LR_FREE,
    ORACLE;

    String id() {
      return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
  }

  /**
   * A bake-off problem.
   *
   * @param name the key in {@code per_problem} (the spec as given for {@code --problem-spec})
   * @param config the problem
   * @param heldout whether it is only scored
   */
  record Prob(String name, ProblemConfig config, boolean heldout) {}

  /**
   * What a policy spec is built from.
   *
   * @param problem the problem instance of seed 1 (for L* and λ<sub>max</sub> where a contender
   *     needs them: the oracle, and the placement of {@code pi}'s initial-LR grid)
   * @param steps the budget
   * @param gear gear on
   * @param lr0 the initial LR of a feedback contender (NaN otherwise)
   * @param tuned the tuned point of a tuned contender (empty otherwise)
   */
  record Ctx(Problem problem, long steps, boolean gear, double lr0, Map<String, Double> tuned) {}

  /** A contender: its plant optimizer, how its policy spec is built and (tuned) its space. */
  interface Contender {
    String name();

    Role role();

    String optimizer();

    PolicySpec spec(Ctx c);

    /** The search space of a tuned contender, scaled to the budget; null otherwise. */
    default Tuner.Space space(long steps) {
      return null;
    }

    /** Initial LRs of a feedback contender (empty otherwise). */
    default double[] lr0(Problem p) {
      return new double[0];
    }
  }

  private record Simple(
      String name,
      Role role,
      String optimizer,
      java.util.function.Function<Ctx, PolicySpec> builder,
      java.util.function.LongFunction<Tuner.Space> spaceFn,
      java.util.function.Function<Problem, double[]> grid)
      implements Contender {
    @Override
    public PolicySpec spec(Ctx c) {
      return builder.apply(c);
    }

    @Override
    public Tuner.Space space(long steps) {
      return spaceFn == null ? null : spaceFn.apply(steps);
    }

    @Override
    public double[] lr0(Problem p) {
      return grid == null ? new double[0] : grid.apply(p);
    }
  }

  /** Multipliers of the SGD stability bound 2/λ<sub>max</sub> at which {@code pi} starts. */
  static final double[] PI_GRID = {1e-3, 1e-2, 1e-1, 1, 10};

  /** Initial LRs of {@code pi-adaptive} on the AdamW plant (Adam's usual 1e-3 in the middle). */
  static final double[] PI_ADAPTIVE_GRID = {1e-5, 1e-4, 1e-3, 1e-2, 1e-1};

  /**
   * The problems {@code pi}'s defaults are chosen on: the robustness suite's and, in the full
   * suite, a flat-spectrum quadratic and a second logistic regression, so that a choice can see
   * what it costs on problems of those kinds (the robustness suite holds one of neither) without
   * looking at the held-out ones.
   */
  static List<Prob> trainingProblems(boolean quick) {
    List<Prob> p = new ArrayList<>();
    for (Bench b : Bench.robustness(quick)) {
      p.add(new Prob(b.name(), b.problem(), false));
    }
    if (!quick) {
      p.add(
          new Prob(
              "nqm-flat-t",
              ProblemConfig.parse(
                  "nqm(dim=80, lambda-max=2, spectrum-exponent=0.3, noise=curvature,"
                      + " noise-scale=1.5, batch=16)"),
              false));
      p.add(
          new Prob(
              "logreg-40", ProblemConfig.parse("logreg(dim=40, examples=4096, batch=16)"), false));
    }
    return p;
  }

  /** Problems no default was tuned on. */
  static List<Prob> heldoutProblems(boolean quick) {
    List<Prob> p = new ArrayList<>();
    p.add(
        new Prob(
            "nqm-flat",
            ProblemConfig.parse(
                "nqm(dim=100, lambda-max=5, spectrum-exponent=0.4, noise=isotropic,"
                    + " noise-scale=2, batch=32)"),
            true));
    p.add(
        new Prob("logreg-30", ProblemConfig.parse("logreg(dim=30, examples=2048, batch=8)"), true));
    if (!quick) {
      p.add(
          new Prob(
              "nqm-steep",
              ProblemConfig.parse(
                  "nqm(dim=60, lambda-max=3, spectrum-exponent=1.6, noise=isotropic,"
                      + " noise-scale=0.3, batch=2)"),
              true));
      p.add(
          new Prob(
              "nqm-wide",
              ProblemConfig.parse(
                  "nqm(dim=200, lambda-max=0.3, spectrum-exponent=0.8, noise=curvature,"
                      + " noise-scale=1, batch=64)"),
              true));
      p.add(
          new Prob(
              "nqm-mid",
              ProblemConfig.parse(
                  "nqm(dim=120, lambda-max=10, spectrum-exponent=0.6, noise=isotropic,"
                      + " noise-scale=1, batch=8)"),
              true));
      p.add(
          new Prob(
              "logreg-12", ProblemConfig.parse("logreg(dim=12, examples=512, batch=4)"), true));
    }
    return p;
  }

  private static PolicySpec geared(PolicySpec s, boolean gear) {
    return geared(s, gear, "sgd");
  }

  /**
   * The gear of a contender on {@code optimizer}'s plant: {@code gear=standard, clip=zclip}, with
   * the start restart off on Adam-family plants, where {@code pi-adaptive} runs {@code pi}'s Adam
   * form, which has it off.
   */
  private static PolicySpec geared(PolicySpec s, boolean gear, String optimizer) {
    if (!gear) {
      return s;
    }
    PolicySpec g = s.with("gear", "standard").with("clip", "zclip");
    return adamFamily(optimizer) ? g.with("restart", 0) : g;
  }

  /** Whether {@code optimizer} is Adam-family (its step is normalised by a second moment). */
  private static boolean adamFamily(String optimizer) {
    return optimizer.contains("adam") || optimizer.equals("prodigy");
  }

  private static double bound(Problem p) {
    return 2.0 / p.lambdaMax();
  }

  private static Simple tuned(
      String name,
      String optimizer,
      java.util.function.Function<Ctx, PolicySpec> b,
      java.util.function.LongFunction<Tuner.Space> space) {
    return new Simple(
        name, Role.TUNED, optimizer, c -> geared(b.apply(c), c.gear(), optimizer), space, null);
  }

  private static Simple free(String name, String optimizer, String spec) {
    return new Simple(
        name,
        Role.LR_FREE,
        optimizer,
        c -> geared(PolicySpec.parse(spec), c.gear(), optimizer),
        null,
        null);
  }

  private static long iv(Ctx c, String k) {
    return Math.max(1, Math.round(c.tuned().get(k)));
  }

  private static Tuner.Dimension lrDim(double lo, double hi) {
    return new Tuner.Dimension("lr", Tuner.Scale.LOG, lo, hi);
  }

  private static Tuner.Dimension horizon(String key, long steps, double lo, double hi) {
    return new Tuner.Dimension(
        key, Tuner.Scale.LOG_INT, Math.max(1, lo * steps), Math.max(2, hi * steps));
  }

  /** Every contender, in table order. */
  static List<Contender> contenders() {
    return contenders(Map.of());
  }

  /** Every contender, in table order, with {@code piOptions} added to {@code pi}'s two entries. */
  static List<Contender> contenders(Map<String, String> piOptions) {
    List<Contender> c = new ArrayList<>();
    c.add(
        new Simple(
            "pi",
            Role.FEEDBACK,
            "sgd",
            x -> {
              PolicySpec s = PolicySpec.of("pi").with("lr", x.lr0()).withAll(piOptions);
              return x.gear()
                  ? s
                  : s.with("guard", "off")
                      .with("clip-loop", "off")
                      .with("cut-growth", 1e300)
                      .with("restart", 0);
            },
            null,
            p -> scaled(PI_GRID, bound(p))));
    c.add(
        new Simple(
            "pi-adaptive",
            Role.FEEDBACK,
            "adamw",
            x -> {
              PolicySpec s =
                  PolicySpec.of("pi")
                      .with("optimizer", "adaptive")
                      .with("lr", x.lr0())
                      .with("t-max", x.steps())
                      .withAll(piOptions);
              return x.gear()
                  ? s
                  : s.with("guard", "off").with("clip-loop", "off").with("cut-growth", 1e300);
            },
            null,
            p -> PI_ADAPTIVE_GRID.clone()));
    double lrLo = 1e-4;
    double lrHi = 30;
    c.add(
        tuned(
            "constant",
            "sgd",
            x -> PolicySpec.of("constant").with("lr", x.tuned().get("lr")),
            s -> Tuner.Space.of(lrDim(lrLo, lrHi))));
    c.add(
        tuned(
            "step",
            "sgd",
            x ->
                PolicySpec.of("step")
                    .with("lr", x.tuned().get("lr"))
                    .with("step-size", iv(x, "step-size"))
                    .with("gamma", x.tuned().get("gamma")),
            s ->
                Tuner.Space.of(
                    lrDim(lrLo, lrHi),
                    horizon("step-size", s, 0.05, 0.5),
                    new Tuner.Dimension("gamma", Tuner.Scale.LOG, 0.05, 0.7))));
    c.add(
        tuned(
            "cosine",
            "sgd",
            x ->
                PolicySpec.of("cosine")
                    .with("lr", x.tuned().get("lr"))
                    .with("t-max", iv(x, "t-max")),
            s -> Tuner.Space.of(lrDim(lrLo, lrHi), horizon("t-max", s, 0.25, 1.5))));
    c.add(
        tuned(
            "warmup-cosine",
            "sgd",
            x ->
                PolicySpec.of("cosine")
                    .with("lr", x.tuned().get("lr"))
                    .with("t-max", iv(x, "t-max"))
                    .with("warmup", Math.round(x.tuned().get("warmup"))),
            s ->
                Tuner.Space.of(
                    lrDim(lrLo, lrHi),
                    horizon("t-max", s, 0.25, 1.5),
                    new Tuner.Dimension("warmup", Tuner.Scale.INT, 0, Math.max(1, s / 10)))));
    c.add(
        tuned(
            "sgdr",
            "sgd",
            x ->
                PolicySpec.of("sgdr")
                    .with("lr", x.tuned().get("lr"))
                    .with("t0", iv(x, "t0"))
                    .with("t-mult", iv(x, "t-mult")),
            s ->
                Tuner.Space.of(
                    lrDim(lrLo, lrHi),
                    horizon("t0", s, 0.03, 0.5),
                    new Tuner.Dimension("t-mult", Tuner.Scale.INT, 1, 3))));
    c.add(
        tuned(
            "onecycle",
            "sgd",
            x ->
                PolicySpec.of("onecycle")
                    .with("lr", x.tuned().get("lr"))
                    .with("t-max", x.steps())
                    .with("pct-start", x.tuned().get("pct-start")),
            s ->
                Tuner.Space.of(
                    lrDim(lrLo, lrHi),
                    new Tuner.Dimension("pct-start", Tuner.Scale.LINEAR, 0.05, 0.5))));
    c.add(
        tuned(
            "plateau",
            "sgd",
            x -> PolicySpec.of("plateau").with("lr", x.tuned().get("lr")),
            s -> Tuner.Space.of(lrDim(lrLo, lrHi))));
    c.add(
        tuned(
            "cosine-adamw",
            "adamw",
            x ->
                PolicySpec.of("cosine")
                    .with("lr", x.tuned().get("lr"))
                    .with("t-max", iv(x, "t-max")),
            s -> Tuner.Space.of(lrDim(1e-5, 1), horizon("t-max", s, 0.25, 1.5))));
    c.add(
        new Simple(
            "lrfind-cosine",
            Role.LR_FREE,
            "sgd",
            x -> geared(PolicySpec.of("lrfind").with("t-max", x.steps()), x.gear()),
            null,
            null));
    c.add(free("sf-sgd", "sf-sgd", "constant(lr=1.0)"));
    c.add(free("sf-adamw", "sf-adamw", "constant(lr=0.0025)"));
    c.add(free("prodigy", "prodigy", "constant(lr=1)"));
    c.add(free("dadapt-sgd", "dadapt-sgd", "constant(lr=1)"));
    c.add(free("dadapt-adam", "dadapt-adam", "constant(lr=1)"));
    c.add(free("dog", "dog", "constant(lr=1)"));
    c.add(free("sgd-hd", "sgd-hd", "constant(lr=0.001)"));
    c.add(free("adam-hd", "adam-hd", "constant(lr=0.001)"));
    c.add(
        new Simple(
            "polyak",
            Role.ORACLE,
            "sgd",
            x ->
                geared(
                    PolicySpec.of("polyak")
                        .with("l-star", batchLossAtOptimum(x.problem()))
                        .with("max-lr", 10 * bound(x.problem())),
                    x.gear()),
            null,
            null));
    return c;
  }

  /**
   * The expected mini-batch loss at the optimum — the L* a Polyak step on mini-batch losses needs.
   * The NQM's mini-batch loss is ½ Σ ĝᵢ²/hᵢ with ĝ the noisy gradient, so at the optimum its
   * expectation is ½ Σ σᵢ²/(B hᵢ), σᵢ² = s² (isotropic) or s²hᵢ (curvature noise); a data-set loss
   * (logistic regression) averages to L* itself.
   */
  static double batchLossAtOptimum(Problem p) {
    if (p instanceof NqmProblem q) {
      return q.batchLossAtOptimum();
    }
    return p.minLoss();
  }

  private static double[] scaled(double[] g, double s) {
    double[] o = new double[g.length];
    for (int i = 0; i < g.length; i++) {
      o[i] = g[i] * s;
    }
    return o;
  }

  /** The target of a problem instance: as {@link Bench}, independent of the contender. */
  static double target(ProblemConfig config, Problem p) {
    if (config instanceof ProblemConfig.Nqm n) {
      return p.minLoss() + n.stationaryLoss(0.05 * 2 / p.lambdaMax());
    }
    return p.minLoss() + 0.02;
  }

  static String targetRule() {
    return "nqm: L* + stationary loss of constant SGD at 5% of 2/lambda_max (closed form);"
        + " others: L* + 0.02. Strict: L* + 0.1 x (target - L*).";
  }
}
