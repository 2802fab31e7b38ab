package dev.governor.sim;

import static dev.governor.sim.BakeoffLineup.PI_ADAPTIVE_GRID;
import static dev.governor.sim.BakeoffLineup.PI_GRID;
import static dev.governor.sim.BakeoffLineup.contenders;
import static dev.governor.sim.BakeoffLineup.heldoutProblems;
import static dev.governor.sim.BakeoffLineup.target;
import static dev.governor.sim.BakeoffLineup.targetRule;
import static dev.governor.sim.BakeoffLineup.trainingProblems;
import static dev.governor.sim.BakeoffReport.summarize;
import static dev.governor.sim.BakeoffTuning.tune;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.governor.control.Policies;
import dev.governor.control.PolicySpec;
import dev.governor.report.Json;
import dev.governor.sim.BakeoffLineup.Contender;
import dev.governor.sim.BakeoffLineup.Ctx;
import dev.governor.sim.BakeoffLineup.Prob;
import dev.governor.sim.BakeoffLineup.Role;
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
 * ({@link BakeoffLineup#heldoutProblems}, plus any {@code --problem-spec}). <b>Seeds</b> are split
 * too: tuning runs on seeds 101.., scoring on seeds 1..; no scored run has a seed a tuner saw.
 *
 * <p><b>Contenders</b> ({@link BakeoffLineup#contenders}): {@code pi} (SGD plant) and {@code
 * pi-adaptive} (AdamW plant) at their defaults, each at five initial learning rates over four
 * decades and pooled over them (a user does not know the right LR); tuned baselines (constant,
 * step, cosine, warm-up + cosine, SGDR, one-cycle, plateau on SGD; cosine on AdamW), each given the
 * same number of trials of {@link Tuner} search over LR × horizon × warm-up on every problem's
 * training seeds; the learning-rate-free methods (Schedule-Free SGD/AdamW, Prodigy, D-Adaptation
 * SGD/Adam, DoG, SGD-HD, Adam-HD) and the LR range test + cosine at their published defaults; and
 * the Polyak step with the known L* (an oracle, never ranked).
 *
 * <p><b>Gear.</b> "On": every contender but {@code pi} gets {@code gear=standard} (the spike guard,
 * the safety cut and the start restart with {@code pi}'s own defaults) and the adaptive clip {@code
 * clip=zclip}; {@code pi} keeps its own guard, cut, restart and clip loop. On the Adam-family
 * plants the restart is off for every contender, as in {@code pi-adaptive} ({@code pi}'s Adam
 * form). "Off": no guard, no cut, no restart, no clip for anyone ({@code pi} with {@code guard=off,
 * clip-loop=off, restart=0} and its cut disabled). Tuning is done separately for each gear setting.
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
 *
 * <p>This class holds the protocol and runs it; the problems and contenders are {@link
 * BakeoffLineup}, the tuning {@link BakeoffTuning}, the statistics {@link BakeoffStats}, and the
 * rendering and goals {@link BakeoffReport}.
 */
public final class BakeoffSuite {
  private BakeoffSuite() {}

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
   * Runs the suite with {@code piOptions} added to the specs of {@code pi} and {@code pi-adaptive}
   * (a variant of {@code pi} scored under the same protocol; {@code summary.json} records them
   * under {@code protocol.pi_options}).
   *
   * @param extra held-out problem specs given on the command line ({@code name(key=value, ...)})
   */
  public static Outcome run(
      boolean quick,
      int seedsOverride,
      List<String> extra,
      Map<String, String> piOptions,
      Runner runner) {
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
    return run(pr, problems, contenders(piOptions), piOptions, runner, quick);
  }

  /** A cell of the result: problem × contender × gear, with its held-out runs. */
  record Cell(Prob problem, Contender contender, boolean gear, List<RunResult> runs) {}

  static Outcome run(
      Protocol pr, List<Prob> problems, List<Contender> all, Runner runner, boolean quick) {
    return run(pr, problems, all, Map.of(), runner, quick);
  }

  static Outcome run(
      Protocol pr,
      List<Prob> problems,
      List<Contender> all,
      Map<String, String> piOptions,
      Runner runner,
      boolean quick) {
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
    ObjectNode piOpts = proto.putObject("pi_options");
    new java.util.TreeMap<>(piOptions).forEach(piOpts::put);
    proto.put("tuner", pr.method().name().toLowerCase(Locale.ROOT));
    proto.put(
        "tuning",
        "each tuned contender gets the same number of trials on every problem's training seeds,"
            + " for each gear setting; feedback and LR-free contenders get none");
    // in this order in every run (Map.of's iteration order changes from one JVM to the next)
    ObjectNode gearNote = proto.putObject("gear");
    gearNote.put(
        "on",
        "every contender but pi: gear=standard (spike guard + safety cut + start restart, pi's"
            + " defaults; the restart off on Adam-family plants, as in pi-adaptive)"
            + " and clip=zclip; pi: its own guard, cut, restart and clip loop");
    gearNote.put(
        "off",
        "no guard, no cut, no restart, no clip (pi: guard=off, clip-loop=off, restart=0, cut"
            + " disabled)");
    gearNote.set(
        "modes",
        Json.MAPPER.valueToTree(pr.gearModes().stream().map(g -> g ? "on" : "off").toList()));
    gearNote.put(
        "headline",
        "per_problem, aggregate and goals are for gear "
            + (pr.gearModes().get(0) ? "on" : "off")
            + "; the other setting's are under per_problem_gear_*, aggregate_gear_*");
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

  static RunSpec runSpec(
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
}
