package dev.governor.sim;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.governor.control.Policies;
import dev.governor.control.PolicySpec;
import dev.governor.report.Chart;
import dev.governor.report.HtmlPage;
import dev.governor.report.Json;
import dev.governor.report.Num;
import dev.governor.report.Series;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The {@code bakeoff} suite: Governor's feedback policies against tuned schedules and the
 * learning-rate-free methods, AlgoPerf-style, with equal safety gear.
 *
 * <p><b>Problems</b> are split into a <em>training</em> split (the problems {@code pi}'s defaults
 * were tuned on; anything may be tuned on them) and a <em>held-out</em> split that is only scored
 * ({@link #heldoutProblems()}, plus any {@code --problem-spec}). <b>Seeds</b> are split too: tuning
 * runs on seeds 101.., scoring on seeds 1..; no scored run has a seed a tuner saw.
 *
 * <p><b>Contenders</b> ({@link #contenders}): {@code pi} (SGD plant) and {@code pi-adaptive} (AdamW
 * plant) at their defaults, each at five initial learning rates over four decades and pooled over
 * them (a user does not know the right LR); tuned baselines (constant, step, cosine, warm-up +
 * cosine, SGDR, one-cycle, plateau on SGD; cosine on AdamW), each given the same number of trials
 * of {@link Tuner} search over LR × horizon × warm-up on every problem's training seeds; the
 * learning-rate-free methods (Schedule-Free SGD/AdamW, Prodigy, D-Adaptation SGD/Adam, DoG, SGD-HD,
 * Adam-HD) and the LR range test + cosine at their published defaults; and the Polyak step with the
 * known L* (an oracle, never ranked).
 *
 * <p><b>Gear.</b> "On": every contender but {@code pi} gets {@code gear=standard} (the spike guard
 * and the safety cut with {@code pi}'s own defaults) and the adaptive clip {@code clip=zclip};
 * {@code pi} keeps its own guard, cut and clip loop. "Off": no guard, no cut, no clip for anyone
 * ({@code pi} with {@code guard=off, clip-loop=off} and its cut disabled). Tuning is done
 * separately for each gear setting.
 *
 * <p><b>Scores.</b> Per problem and contender over the held-out seeds: runs, diverged, reached,
 * median steps-to-target with a seeded percentile-bootstrap 95 % CI (2,000 resamples; a run that
 * never reaches counts as +Inf), final loss median, the anytime losses at 25/50/75/100 % of the
 * budget, and {@code ratio_to_best_tuned} = median steps / the best tuned baseline's median steps
 * (a median that is not reached counts as 2 × the budget, so ratios stay finite and a failure costs
 * at least 2×/best). Two targets: the problem's target and a strict one 10× closer to L*.
 * Aggregates over the held-out problems: the geometric mean of the ratios and a performance profile
 * (fraction of problems within τ × the best ranked contender, τ ∈ {1, 1.25, 1.5, 2, 4, 8}).
 *
 * <p><b>Goals</b> (fixed in advance, from the project's claim; none is derived from the numbers it
 * checks), on the held-out problems with gear on: {@code pi}'s geometric-mean ratio ≤ 1.0; {@code
 * pi}'s geometric mean ≤ every LR-free contender's; no {@code pi} run diverges; {@code pi}'s median
 * reaches the strict target on every held-out problem. A missed goal is a failure of the suite.
 */
public final class BakeoffSuite {
  private BakeoffSuite() {}

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

  /** The problems {@code pi}'s defaults were tuned on (the robustness suite's). */
  static List<Prob> trainingProblems(boolean quick) {
    List<Prob> p = new ArrayList<>();
    for (Bench b : Bench.robustness(quick)) {
      p.add(new Prob(b.name(), b.problem(), false));
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
    }
    return p;
  }

  private static PolicySpec geared(PolicySpec s, boolean gear) {
    return gear ? s.with("gear", "standard").with("clip", "zclip") : s;
  }

  private static double bound(Problem p) {
    return 2.0 / p.lambdaMax();
  }

  private static Simple tuned(
      String name,
      String optimizer,
      java.util.function.Function<Ctx, PolicySpec> b,
      java.util.function.LongFunction<Tuner.Space> space) {
    return new Simple(name, Role.TUNED, optimizer, c -> geared(b.apply(c), c.gear()), space, null);
  }

  private static Simple free(String name, String optimizer, String spec) {
    return new Simple(
        name, Role.LR_FREE, optimizer, c -> geared(PolicySpec.parse(spec), c.gear()), null, null);
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
    List<Contender> c = new ArrayList<>();
    c.add(
        new Simple(
            "pi",
            Role.FEEDBACK,
            "sgd",
            x -> {
              PolicySpec s = PolicySpec.of("pi").with("lr", x.lr0());
              return x.gear()
                  ? s
                  : s.with("guard", "off").with("clip-loop", "off").with("cut-growth", 1e300);
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
                      .with("t-max", x.steps());
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

  /**
   * The protocol.
   *
   * @param steps budget per run
   * @param trainSeeds seeds the tuners see
   * @param heldoutSeeds seeds that are scored
   * @param trials tuning trials per tuned contender, problem and gear setting
   * @param method the tuner's method
   * @param gearModes gear settings to run ({@code true} = on), the first is the headline
   */
  record Protocol(
      long steps,
      List<Long> trainSeeds,
      List<Long> heldoutSeeds,
      int trials,
      Tuner.Method method,
      List<Boolean> gearModes) {}

  static Protocol protocol(boolean quick, int seedsOverride) {
    int held = seedsOverride > 0 ? seedsOverride : 5;
    List<Long> h = new ArrayList<>();
    for (int i = 0; i < held; i++) {
      h.add(1L + i);
    }
    List<Long> t = new ArrayList<>();
    for (int i = 0; i < (quick ? 3 : 5); i++) {
      t.add(101L + i);
    }
    return new Protocol(
        quick ? 1000 : 3000,
        t,
        h,
        quick ? 8 : 16,
        Tuner.Method.SOBOL,
        quick ? List.of(true) : List.of(true, false));
  }

  /**
   * Runs the suite.
   *
   * @param extra held-out problem specs given on the command line ({@code name(key=value, ...)})
   */
  public static Outcome run(boolean quick, int seedsOverride, List<String> extra, Runner runner) {
    Protocol pr = protocol(quick, seedsOverride);
    List<Prob> problems = new ArrayList<>(trainingProblems(quick));
    problems.addAll(heldoutProblems(quick));
    for (String e : extra) {
      ProblemConfig cfg = ProblemConfig.parse(e);
      for (Prob p : problems) {
        if (p.name().equals(e)) {
          throw new IllegalArgumentException("problem spec '" + e + "' is given twice");
        }
      }
      problems.add(new Prob(e, cfg, true));
    }
    return run(pr, problems, contenders(), runner, quick);
  }

  /** A cell of the result: problem × contender × gear, with its held-out runs. */
  record Cell(Prob problem, Contender contender, boolean gear, List<RunResult> runs) {}

  static Outcome run(
      Protocol pr, List<Prob> problems, List<Contender> all, Runner runner, boolean quick) {
    Map<String, String> skipped = new LinkedHashMap<>();
    List<Contender> contenders = new ArrayList<>();
    Map<String, Problem> seed1 = new LinkedHashMap<>();
    for (Prob p : problems) {
      seed1.put(p.name(), p.config().create(pr.heldoutSeeds().get(0)));
    }
    for (Contender c : all) {
      String why = availability(c, pr, problems.get(0), seed1.get(problems.get(0).name()));
      if (why == null) {
        contenders.add(c);
      } else {
        skipped.put(c.name(), why);
      }
    }
    ObjectNode s = Json.object();
    s.put("suite", "bakeoff");
    s.put("quick", quick);
    ObjectNode proto = s.putObject("protocol");
    proto.put("steps", pr.steps());
    proto.set("train_seeds", Json.MAPPER.valueToTree(pr.trainSeeds()));
    proto.set("heldout_seeds", Json.MAPPER.valueToTree(pr.heldoutSeeds()));
    proto.put("trials", pr.trials());
    proto.put("tuner", pr.method().name().toLowerCase(Locale.ROOT));
    proto.put(
        "tuning",
        "each tuned contender gets the same number of trials on every problem's training seeds,"
            + " for each gear setting; feedback and LR-free contenders get none");
    proto.set(
        "gear",
        Json.MAPPER.valueToTree(
            Map.of(
                "on",
                "every contender but pi: gear=standard (spike guard + safety cut, pi's defaults)"
                    + " and clip=zclip; pi: its own guard, cut and clip loop",
                "off",
                "no guard, no cut, no clip (pi: guard=off, clip-loop=off, cut disabled)",
                "modes",
                pr.gearModes().stream().map(g -> g ? "on" : "off").toList(),
                "headline",
                "per_problem, aggregate and goals are for gear "
                    + (pr.gearModes().get(0) ? "on" : "off")
                    + "; the other setting's are under per_problem_gear_*, aggregate_gear_*")));
    ObjectNode split = proto.putObject("split");
    split.set(
        "training",
        Json.MAPPER.valueToTree(
            problems.stream().filter(p -> !p.heldout()).map(Prob::name).toList()));
    split.set(
        "heldout",
        Json.MAPPER.valueToTree(problems.stream().filter(Prob::heldout).map(Prob::name).toList()));
    proto.put("target_rule", targetRule());
    proto.put(
        "pi_initial_lr",
        "pi: 2/lambda_max x "
            + java.util.Arrays.toString(PI_GRID)
            + "; pi-adaptive: "
            + java.util.Arrays.toString(PI_ADAPTIVE_GRID)
            + "; pooled over the grid");
    ObjectNode cs = s.putObject("contenders");
    for (Contender c : contenders) {
      ObjectNode o = cs.putObject(c.name());
      o.put("role", c.role().id());
      o.put("optimizer", c.optimizer());
      Ctx ctx = exampleCtx(c, pr, seed1.get(problems.get(0).name()));
      o.put("spec", c.spec(ctx).toString());
      Tuner.Space sp = c.space(pr.steps());
      if (sp != null) {
        o.put("space", sp.toString());
      }
    }
    s.set("skipped", Json.MAPPER.valueToTree(skipped));
    ObjectNode probs = s.putObject("problems");
    for (Prob p : problems) {
      ObjectNode o = probs.putObject(p.name());
      Problem inst = seed1.get(p.name());
      o.put("spec", p.config().toString());
      o.put("heldout", p.heldout());
      Json.put(o, "lambda_max_seed1", inst.lambdaMax());
      Json.put(o, "target_seed1", target(p.config(), inst));
      Json.put(o, "min_loss_seed1", inst.minLoss());
    }

    List<Cell> cells = new ArrayList<>();
    ObjectNode tuning = s.putObject("tuning");
    for (boolean gear : pr.gearModes()) {
      ObjectNode tg = tuning.putObject(gear ? "gear_on" : "gear_off");
      Map<String, Map<String, Double>> best = tune(pr, problems, contenders, gear, runner, tg);
      cells.addAll(score(pr, problems, contenders, gear, best, runner));
    }
    return summarize(s, pr, problems, contenders, cells, skipped, quick);
  }

  private static Ctx exampleCtx(Contender c, Protocol pr, Problem p) {
    Map<String, Double> t = new LinkedHashMap<>();
    Tuner.Space sp = c.space(pr.steps());
    if (sp != null) {
      double[] mid = new double[sp.dims().size()];
      java.util.Arrays.fill(mid, 0.5);
      t = sp.point(mid);
    }
    double[] g = c.lr0(p);
    return new Ctx(p, pr.steps(), true, g.length > 0 ? g[g.length / 2] : Double.NaN, t);
  }

  /** Null when the contender can run here, else why not (its optimizer or policy is unknown). */
  private static String availability(Contender c, Protocol pr, Prob prob, Problem p) {
    try {
      SimulatedTrainer.Config.parse(prob.config().toString(), c.optimizer(), 1);
    } catch (IllegalArgumentException e) {
      return "optimizer not available in this build: " + e.getMessage();
    }
    for (boolean gear : pr.gearModes()) {
      Ctx x = exampleCtx(c, pr, p);
      x = new Ctx(x.problem(), x.steps(), gear, x.lr0(), x.tuned());
      try {
        Policies.create(c.spec(x));
      } catch (IllegalArgumentException e) {
        return "policy not available in this build: " + e.getMessage();
      }
    }
    return null;
  }

  private static RunSpec runSpec(
      Protocol pr, Prob p, Problem inst, Contender c, PolicySpec spec, long seed, String label) {
    double target = target(p.config(), inst);
    double strict = inst.minLoss() + 0.1 * (target - inst.minLoss());
    return new RunSpec(
            SimulatedTrainer.Config.parse(p.config().toString(), c.optimizer(), seed),
            spec,
            pr.steps(),
            target,
            0,
            label)
        .withStrictTarget(strict);
  }

  /** The tuning score of runs on training seeds: log of the median censored steps. */
  static double tuningScore(List<RunResult> rs) {
    double[] v = new double[rs.size()];
    for (int i = 0; i < v.length; i++) {
      RunResult r = rs.get(i);
      long steps = r.spec().steps();
      if (r.reachedTarget()) {
        v[i] = r.stepsToTarget();
      } else if (r.diverged() || !Double.isFinite(r.finalLoss())) {
        v[i] = steps * (1 + Math.log(RunResult.DIVERGENCE_FACTOR));
      } else {
        double excess = r.finalLoss() / r.spec().target();
        v[i] = steps * (1 + Math.log(Math.max(1, excess)));
      }
    }
    return Math.log(Stats.median(v));
  }

  private static Map<String, Map<String, Double>> tune(
      Protocol pr,
      List<Prob> problems,
      List<Contender> contenders,
      boolean gear,
      Runner runner,
      ObjectNode out) {
    Map<String, Map<String, Double>> best = new LinkedHashMap<>();
    Map<String, Problem> inst = new LinkedHashMap<>();
    for (Prob p : problems) {
      for (long seed : pr.trainSeeds()) {
        inst.put(p.name() + "#" + seed, p.config().create(seed));
      }
    }
    for (Contender c : contenders) {
      Tuner.Space space = c.space(pr.steps());
      if (space == null) {
        continue;
      }
      ObjectNode oc = out.putObject(c.name());
      for (Prob p : problems) {
        long tuneSeed = (p.name() + "|" + c.name()).hashCode();
        Tuner.Result r =
            Tuner.search(
                space,
                pr.trials(),
                pr.method(),
                tuneSeed,
                points -> {
                  List<RunSpec> specs = new ArrayList<>();
                  for (Map<String, Double> pt : points) {
                    for (long seed : pr.trainSeeds()) {
                      Problem ip = inst.get(p.name() + "#" + seed);
                      Ctx x = new Ctx(ip, pr.steps(), gear, Double.NaN, pt);
                      specs.add(runSpec(pr, p, ip, c, c.spec(x), seed, ""));
                    }
                  }
                  List<RunResult> rs =
                      runner.runAll(
                          specs,
                          "tune " + c.name() + " on " + p.name() + (gear ? "" : " (no gear)"));
                  int n = pr.trainSeeds().size();
                  double[] sc = new double[points.size()];
                  for (int i = 0; i < points.size(); i++) {
                    sc[i] = tuningScore(rs.subList(i * n, (i + 1) * n));
                  }
                  return sc;
                });
        best.put(c.name() + "|" + p.name(), r.best().params());
        ObjectNode op = oc.putObject(p.name());
        op.set("best", Json.MAPPER.valueToTree(new java.util.TreeMap<>(r.best().params())));
        Json.put(op, "best_score", r.best().score());
        ArrayNode tr = op.putArray("trials");
        for (Tuner.Trial t : r.trials()) {
          ObjectNode ot = tr.addObject();
          ot.set("params", Json.MAPPER.valueToTree(new java.util.TreeMap<>(t.params())));
          Json.put(ot, "score", t.score());
        }
      }
    }
    return best;
  }

  private static List<Cell> score(
      Protocol pr,
      List<Prob> problems,
      List<Contender> contenders,
      boolean gear,
      Map<String, Map<String, Double>> best,
      Runner runner) {
    List<RunSpec> specs = new ArrayList<>();
    List<int[]> index = new ArrayList<>();
    Map<String, Problem> instances = new LinkedHashMap<>();
    for (int pi = 0; pi < problems.size(); pi++) {
      Prob p = problems.get(pi);
      for (int ci = 0; ci < contenders.size(); ci++) {
        Contender c = contenders.get(ci);
        for (long seed : pr.heldoutSeeds()) {
          Problem inst =
              instances.computeIfAbsent(p.name() + "#" + seed, k -> p.config().create(seed));
          double[] grid = c.lr0(inst);
          Map<String, Double> tp = best.getOrDefault(c.name() + "|" + p.name(), Map.of());
          if (grid.length == 0) {
            Ctx x = new Ctx(inst, pr.steps(), gear, Double.NaN, tp);
            specs.add(runSpec(pr, p, inst, c, c.spec(x), seed, ""));
            index.add(new int[] {pi, ci, -1});
          } else {
            for (int g = 0; g < grid.length; g++) {
              Ctx x = new Ctx(inst, pr.steps(), gear, grid[g], tp);
              specs.add(runSpec(pr, p, inst, c, c.spec(x), seed, ""));
              index.add(new int[] {pi, ci, g});
            }
          }
        }
      }
    }
    List<RunResult> rs = runner.runAll(specs, "score" + (gear ? "" : " (no gear)"));
    List<Cell> cells = new ArrayList<>();
    Map<String, List<RunResult>> by = new LinkedHashMap<>();
    for (int i = 0; i < rs.size(); i++) {
      int[] ix = index.get(i);
      String key = ix[0] + "|" + ix[1] + "|" + ix[2];
      by.computeIfAbsent(key, k -> new ArrayList<>()).add(rs.get(i));
    }
    for (int pi = 0; pi < problems.size(); pi++) {
      for (int ci = 0; ci < contenders.size(); ci++) {
        Contender c = contenders.get(ci);
        int n =
            c.lr0(instances.get(problems.get(pi).name() + "#" + pr.heldoutSeeds().get(0))).length;
        if (n == 0) {
          cells.add(new Cell(problems.get(pi), c, gear, by.get(pi + "|" + ci + "|-1")));
        } else {
          List<RunResult> pooled = new ArrayList<>();
          for (int g = 0; g < n; g++) {
            List<RunResult> at = by.get(pi + "|" + ci + "|" + g);
            pooled.addAll(at);
            cells.add(new Cell(problems.get(pi), new AtLr(c, g), gear, at));
          }
          cells.add(new Cell(problems.get(pi), c, gear, pooled));
        }
      }
    }
    return cells;
  }

  /** A feedback contender at one point of its initial-LR grid (a row of its own, not ranked). */
  record AtLr(Contender base, int index) implements Contender {
    @Override
    public String name() {
      return base.name() + "@lr" + index;
    }

    @Override
    public Role role() {
      return base.role();
    }

    @Override
    public String optimizer() {
      return base.optimizer();
    }

    @Override
    public PolicySpec spec(Ctx c) {
      return base.spec(c);
    }
  }

  // ---------------------------------------------------------------- statistics

  /** Steps-to-target with "not reached" as +Inf. */
  static double[] steps(List<RunResult> rs, boolean strict) {
    double[] v = new double[rs.size()];
    for (int i = 0; i < v.length; i++) {
      RunResult r = rs.get(i);
      long s = strict ? r.stepsToStrictTarget() : r.stepsToTarget();
      v[i] = s >= 0 ? s : Double.POSITIVE_INFINITY;
    }
    return v;
  }

  /**
   * A percentile-bootstrap 95 % CI of the median: 2,000 resamples from a generator seeded with
   * {@code seed}; +Inf values stay +Inf (a bound may be +Inf).
   */
  static double[] bootstrapMedianCi(double[] v, long seed) {
    if (v.length == 0) {
      return new double[] {Double.NaN, Double.NaN};
    }
    org.apache.commons.rng.UniformRandomProvider rng =
        org.apache.commons.rng.simple.RandomSource.XO_RO_SHI_RO_128_PP.create(seed);
    int b = 2000;
    double[] med = new double[b];
    double[] sample = new double[v.length];
    for (int i = 0; i < b; i++) {
      for (int j = 0; j < v.length; j++) {
        sample[j] = v[rng.nextInt(v.length)];
      }
      med[i] = Stats.median(sample);
    }
    return new double[] {Stats.quantile(med, 0.025), Stats.quantile(med, 0.975)};
  }

  /**
   * The denominator of a problem's ratios: the best median, or NaN when even the best did not reach
   * the target (a problem where no tuned baseline reaches says nothing about speed).
   */
  static double denominator(double best, long steps) {
    return best < 2.0 * steps ? best : Double.NaN;
  }

  /** Median steps with "not reached" counted as 2 × the budget (for ratios). */
  static double penalised(double median, long steps) {
    return Double.isFinite(median) ? Math.max(1, median) : 2.0 * steps;
  }

  /** {@code a / best}, NaN when there is no best (no tuned baseline ran). */
  static double ratio(double a, double best) {
    return Double.isFinite(best) ? a / best : Double.NaN;
  }

  static final double[] TAUS = {1, 1.25, 1.5, 2, 4, 8};

  private static Outcome summarize(
      ObjectNode s,
      Protocol pr,
      List<Prob> problems,
      List<Contender> contenders,
      List<Cell> cells,
      Map<String, String> skipped,
      boolean quick) {
    List<String> table = new ArrayList<>();
    ObjectNode goals = s.putObject("goals");
    HtmlPage rep = new HtmlPage("Bake-off" + (quick ? " (quick)" : ""));
    rep.text(
        "Every contender with the same safety gear; tuned baselines get "
            + pr.trials()
            + " trials of "
            + pr.method().name().toLowerCase(Locale.ROOT)
            + " search on each problem's training seeds "
            + pr.trainSeeds()
            + "; scores on held-out seeds "
            + pr.heldoutSeeds()
            + ", "
            + pr.steps()
            + " steps. Targets: "
            + targetRule());
    if (!skipped.isEmpty()) {
      rep.text("Not run (not available in this build): " + skipped);
    }
    for (boolean gear : pr.gearModes()) {
      boolean headline = gear == pr.gearModes().get(0);
      String suffix = headline ? "" : (gear ? "_gear_on" : "_gear_off");
      ObjectNode perProblem = s.putObject("per_problem" + suffix);
      ObjectNode agg = s.putObject("aggregate" + suffix);
      Map<String, Map<String, double[]>> ratios =
          new LinkedHashMap<>(); // contender -> problem -> {normal, strict}
      Map<String, Map<String, double[]>> rel =
          new LinkedHashMap<>(); // vs best ranked, for profiles
      for (Prob p : problems) {
        ObjectNode pp = perProblem.putObject(p.name());
        List<Cell> pc = cells.stream().filter(c -> c.problem() == p && c.gear() == gear).toList();
        double[] bestTuned = {Double.POSITIVE_INFINITY, Double.POSITIVE_INFINITY};
        double[] bestRanked = {Double.POSITIVE_INFINITY, Double.POSITIVE_INFINITY};
        for (Cell c : pc) {
          if (c.contender() instanceof AtLr) {
            continue;
          }
          for (int k = 0; k < 2; k++) {
            double m = penalised(Stats.median(steps(c.runs(), k == 1)), pr.steps());
            if (c.contender().role() == Role.TUNED) {
              bestTuned[k] = Math.min(bestTuned[k], m);
            }
            if (c.contender().role() != Role.ORACLE) {
              bestRanked[k] = Math.min(bestRanked[k], m);
            }
          }
        }
        table.add("");
        table.add(
            String.format(
                Locale.ROOT,
                "%s%s, gear %s",
                p.name(),
                p.heldout() ? " (held out)" : " (training)",
                gear ? "on" : "off"));
        table.add(
            String.format(
                Locale.ROOT,
                "  %-16s %-9s %4s %4s %4s %8s %17s %8s %10s %7s %7s",
                "contender",
                "role",
                "runs",
                "div",
                "rch",
                "med",
                "ci95",
                "strict",
                "final",
                "ratio",
                "r.strict"));
        List<List<String>> rows = new ArrayList<>();
        rows.add(
            List.of(
                "contender",
                "role",
                "runs",
                "diverged",
                "reached",
                "median steps",
                "95% CI",
                "strict median",
                "final loss",
                "loss @25/50/100%",
                "ratio to best tuned",
                "ratio (strict)"));
        Chart any =
            Chart.of(
                    p.name() + " (gear " + (gear ? "on" : "off") + "): median exact loss vs budget",
                    "fraction of budget",
                    "loss")
                .logY();
        for (Cell c : pc) {
          Contender ct = c.contender();
          ObjectNode o = pp.putObject(ct.name());
          List<RunResult> rs = c.runs();
          int div = 0;
          int reached = 0;
          int reachedStrict = 0;
          for (RunResult r : rs) {
            div += r.diverged() ? 1 : 0;
            reached += r.reachedTarget() ? 1 : 0;
            reachedStrict += r.reachedStrictTarget() ? 1 : 0;
          }
          double[] st = steps(rs, false);
          double[] ss = steps(rs, true);
          double med = Stats.median(st);
          double medS = Stats.median(ss);
          double[] ci = bootstrapMedianCi(st, (p.name() + ct.name()).hashCode());
          double[] fl = PolicyStats.finalLoss(rs);
          double[] q = new double[4];
          for (int k = 1; k <= 4; k++) {
            double[] v = new double[rs.size()];
            for (int i = 0; i < v.length; i++) {
              double l = rs.get(i).lossAtQuarter(k);
              v[i] = Double.isFinite(l) ? l : Double.POSITIVE_INFINITY;
            }
            q[k - 1] = Stats.median(v);
          }
          double ratio = ratio(penalised(med, pr.steps()), denominator(bestTuned[0], pr.steps()));
          double ratioS = ratio(penalised(medS, pr.steps()), denominator(bestTuned[1], pr.steps()));
          o.put("role", ct.role().id());
          o.put("runs", rs.size());
          o.put("diverged", div);
          o.put("reached", reached);
          o.put("reached_strict", reachedStrict);
          Json.put(o, "median_steps_to_target", med);
          o.set("ci95", Json.array(ci));
          Json.put(o, "median_steps_to_strict_target", medS);
          Json.put(o, "final_loss_median", Stats.median(fl));
          o.set("anytime_loss_median", Json.array(q));
          Json.put(o, "ratio_to_best_tuned", ratio);
          Json.put(o, "ratio_to_best_tuned_strict", ratioS);
          o.put("heldout", p.heldout());
          if (!(ct instanceof AtLr) && ct.role() != Role.ORACLE) {
            ratios
                .computeIfAbsent(ct.name(), k -> new LinkedHashMap<>())
                .put(p.name(), new double[] {ratio, ratioS});
            rel.computeIfAbsent(ct.name(), k -> new LinkedHashMap<>())
                .put(
                    p.name(),
                    new double[] {
                      ratio(penalised(med, pr.steps()), denominator(bestRanked[0], pr.steps())),
                      ratio(penalised(medS, pr.steps()), denominator(bestRanked[1], pr.steps()))
                    });
          }
          table.add(
              String.format(
                  Locale.ROOT,
                  "  %-16s %-9s %4d %4d %4d %8s %17s %8s %10.3g %7.2f %7.2f",
                  ct.name(),
                  ct.role().id(),
                  rs.size(),
                  div,
                  reached,
                  fmtSteps(med),
                  "[" + fmtSteps(ci[0]) + ", " + fmtSteps(ci[1]) + "]",
                  fmtSteps(medS),
                  Stats.median(fl),
                  ratio,
                  ratioS));
          rows.add(
              List.of(
                  ct.name(),
                  ct.role().id(),
                  Integer.toString(rs.size()),
                  Integer.toString(div),
                  Integer.toString(reached),
                  fmtSteps(med),
                  "[" + fmtSteps(ci[0]) + ", " + fmtSteps(ci[1]) + "]",
                  fmtSteps(medS),
                  Num.sig(Stats.median(fl), 4),
                  Num.sig(q[0], 4) + " / " + Num.sig(q[1], 4) + " / " + Num.sig(q[3], 4),
                  String.format(Locale.ROOT, "%.2f", ratio),
                  String.format(Locale.ROOT, "%.2f", ratioS)));
          if (!(ct instanceof AtLr)) {
            double[] xs = {0.25, 0.5, 0.75, 1.0};
            double[] ys = q.clone();
            boolean finite = true;
            for (double y : ys) {
              finite &= Double.isFinite(y) && y > 0;
            }
            if (finite) {
              any.add(Series.points(ct.name(), xs, ys));
            }
          }
        }
        rep.heading(
            p.name()
                + (p.heldout() ? " (held out)" : " (training)")
                + ", gear "
                + (gear ? "on" : "off"));
        rep.table(rows);
        rep.chart(any);
      }
      // aggregates over the held-out problems (and, separately, the training ones)
      List<String> held = problems.stream().filter(Prob::heldout).map(Prob::name).toList();
      List<String> train = problems.stream().filter(p -> !p.heldout()).map(Prob::name).toList();
      table.add("");
      table.add(
          String.format(
              Locale.ROOT,
              "aggregate, gear %s: geometric mean of ratio to the best tuned baseline (held out |"
                  + " training), profile = fraction of held-out problems within tau x the best",
              gear ? "on" : "off"));
      table.add(
          String.format(
              Locale.ROOT,
              "  %-16s %-9s %9s %9s %9s   %s",
              "contender",
              "role",
              "held-out",
              "strict",
              "training",
              "profile tau=" + java.util.Arrays.toString(TAUS)));
      Chart prof =
          Chart.of(
                  "Performance profile, held-out problems, gear " + (gear ? "on" : "off"),
                  "tau (x best)",
                  "fraction of problems")
              .logX();
      List<List<String>> aggRows = new ArrayList<>();
      aggRows.add(
          List.of(
              "contender",
              "role",
              "geomean ratio (held out)",
              "strict",
              "geomean ratio (training)",
              "profile"));
      for (Contender c : contenders) {
        if (c.role() == Role.ORACLE || !ratios.containsKey(c.name())) {
          continue;
        }
        Map<String, double[]> r = ratios.get(c.name());
        double gh = geomean(r, held, 0);
        double ghs = geomean(r, held, 1);
        double gt = geomean(r, train, 0);
        double[] profile = new double[TAUS.length];
        for (int i = 0; i < TAUS.length; i++) {
          int n = 0;
          int defined = 0;
          for (String h : held) {
            double v = rel.get(c.name()).get(h)[0];
            defined += Double.isNaN(v) ? 0 : 1;
            n += v <= TAUS[i] * (1 + 1e-12) ? 1 : 0;
          }
          profile[i] = defined == 0 ? Double.NaN : (double) n / defined;
        }
        ObjectNode o = agg.putObject(c.name());
        o.put("role", c.role().id());
        Json.put(o, "geomean_ratio", gh);
        Json.put(o, "geomean_ratio_strict", ghs);
        Json.put(o, "geomean_ratio_training", gt);
        o.set("profile_tau", Json.array(TAUS));
        o.set("profile", Json.array(profile));
        table.add(
            String.format(
                Locale.ROOT,
                "  %-16s %-9s %9.2f %9.2f %9.2f   %s",
                c.name(),
                c.role().id(),
                gh,
                ghs,
                gt,
                fmtProfile(profile)));
        aggRows.add(
            List.of(
                c.name(),
                c.role().id(),
                String.format(Locale.ROOT, "%.2f", gh),
                String.format(Locale.ROOT, "%.2f", ghs),
                String.format(Locale.ROOT, "%.2f", gt),
                fmtProfile(profile)));
        prof.add(Series.points(c.name(), TAUS, profile));
      }
      rep.heading("Aggregate, gear " + (gear ? "on" : "off"));
      rep.table(aggRows);
      rep.chart(prof);
      if (gear == pr.gearModes().get(0)) {
        goals(goals, cells, ratios, held, contenders, gear);
      }
    }
    table.add("");
    table.add("held-out problems, gear " + (pr.gearModes().get(0) ? "on" : "off") + ":");
    table.addAll(Goals.lines(goals));
    if (!skipped.isEmpty()) {
      table.add("not run (not available in this build): " + skipped.keySet());
    }
    rep.text("Goals: " + goals);
    // the report opens with the aggregate
    return new Outcome(s, rep, table, Goals.failures("bakeoff", goals));
  }

  private static void goals(
      ObjectNode goals,
      List<Cell> cells,
      Map<String, Map<String, double[]>> ratios,
      List<String> held,
      List<Contender> contenders,
      boolean gear) {
    if (!ratios.containsKey("pi") || held.isEmpty()) {
      return;
    }
    double pi = geomean(ratios.get("pi"), held, 0);
    Goals.add(goals, "pi_geomean_ratio_to_best_tuned", pi, "<= 1.0", pi <= 1.0);
    double worstGap = Double.NEGATIVE_INFINITY;
    String worst = "";
    for (Contender c : contenders) {
      if (c.role() == Role.LR_FREE && ratios.containsKey(c.name())) {
        double g = geomean(ratios.get(c.name()), held, 0);
        double gap = pi / g;
        if (gap > worstGap) {
          worstGap = gap;
          worst = c.name();
        }
      }
    }
    Goals.add(
        goals,
        "pi_over_best_lr_free_geomean",
        worst.isEmpty() ? Double.NaN : worstGap,
        worst.isEmpty()
            ? "<= 1.0 (no LR-free contender ran: not evaluated)"
            : "<= 1.0 (best LR-free: " + worst + ")",
        worstGap <= 1.0);
    int div = 0;
    int n = 0;
    boolean strictAll = true;
    for (Cell c : cells) {
      if (c.gear() == gear && c.problem().heldout() && c.contender().name().equals("pi")) {
        for (RunResult r : c.runs()) {
          div += r.diverged() ? 1 : 0;
          n++;
        }
        strictAll &= Double.isFinite(Stats.median(steps(c.runs(), true)));
      }
    }
    Goals.add(goals, "pi_diverged_runs", div, "0 of " + n, div == 0);
    Goals.add(
        goals,
        "pi_median_reaches_strict_target_everywhere",
        strictAll ? 1 : 0,
        "1 (every held-out problem)",
        strictAll);
  }

  /**
   * The geometric mean of the ratios of {@code keys}, over the problems whose ratio is defined
   * (NaN: no tuned baseline reached there); NaN when none is.
   */
  static double geomean(Map<String, double[]> r, List<String> keys, int k) {
    double s = 0;
    int n = 0;
    for (String key : keys) {
      double v = r.get(key)[k];
      if (Double.isFinite(v)) {
        s += Math.log(v);
        n++;
      }
    }
    return n == 0 ? Double.NaN : Math.exp(s / n);
  }

  private static String fmtSteps(double v) {
    return Double.isFinite(v) ? String.format(Locale.ROOT, "%.0f", v) : "-";
  }

  private static String fmtProfile(double[] p) {
    StringBuilder b = new StringBuilder();
    for (double v : p) {
      b.append(String.format(Locale.ROOT, "%.2f ", v));
    }
    return b.toString().trim();
  }
}
