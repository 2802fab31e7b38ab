package dev.governor.sim;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.governor.control.Policies;
import dev.governor.control.PolicySpec;
import dev.governor.report.Chart;
import dev.governor.report.HtmlPage;
import dev.governor.report.Json;
import dev.governor.report.Series;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code governor tune}: a fixed-budget search of a policy's options on a simulated problem, tuned
 * on training seeds and scored on held-out seeds (the piece the bake-off uses for its tuned
 * baselines). Each trial runs the policy on every training seed; its score is {@link
 * BakeoffSuite#tuningScore} (log of the median steps-to-target, with runs that miss the target
 * counted past the budget by how far they missed). The best trial is then run on the held-out seeds
 * and reported with the same statistics as the bake-off.
 *
 * @param problem the problem
 * @param optimizer the plant's optimizer
 * @param base the policy spec the searched options are set on
 * @param space the search space (its keys are policy options; integer scales are written as
 *     integers)
 * @param trials number of trials, >= 1
 * @param method how trials are proposed
 * @param steps steps per run
 * @param trainSeeds seeds the search sees
 * @param heldoutSeeds seeds the best trial is scored on
 */
public record TuneJob(
    ProblemConfig problem,
    String optimizer,
    PolicySpec base,
    Tuner.Space space,
    int trials,
    Tuner.Method method,
    long steps,
    List<Long> trainSeeds,
    List<Long> heldoutSeeds) {

  /** Validates: every searched key must be an option of the policy, and the spec must build. */
  public TuneJob {
    if (trials < 1) {
      throw new IllegalArgumentException("trials must be >= 1, but was " + trials);
    }
    if (steps < 1) {
      throw new IllegalArgumentException("steps must be >= 1, but was " + steps);
    }
    if (trainSeeds.isEmpty() || heldoutSeeds.isEmpty()) {
      throw new IllegalArgumentException("training and held-out seeds must not be empty");
    }
    for (long s : trainSeeds) {
      if (heldoutSeeds.contains(s)) {
        throw new IllegalArgumentException("seed " + s + " is both a training and a held-out seed");
      }
    }
    trainSeeds = List.copyOf(trainSeeds);
    heldoutSeeds = List.copyOf(heldoutSeeds);
    java.util.Set<String> keys = Policies.options(base.name());
    for (Tuner.Dimension d : space.dims()) {
      if (!keys.contains(d.key())) {
        throw new IllegalArgumentException(
            "policy "
                + base.name()
                + " has no option '"
                + d.key()
                + "' to tune (options: "
                + keys
                + ")");
      }
    }
    SimulatedTrainer.Config.parse(problem.toString(), optimizer, 1);
    double[] mid = new double[space.dims().size()];
    java.util.Arrays.fill(mid, 0.5);
    Policies.create(with(base, space, space.point(mid)));
  }

  /** {@code base} with the point's values (integer dimensions as integers). */
  static PolicySpec with(PolicySpec base, Tuner.Space space, Map<String, Double> point) {
    PolicySpec s = base;
    for (Tuner.Dimension d : space.dims()) {
      double v = point.get(d.key());
      boolean integer = d.scale() == Tuner.Scale.INT || d.scale() == Tuner.Scale.LOG_INT;
      s = integer ? s.with(d.key(), Math.round(v)) : s.with(d.key(), v);
    }
    return s;
  }

  private RunSpec spec(Problem inst, PolicySpec p, long seed) {
    double target = BakeoffLineup.target(problem, inst);
    double strict = inst.minLoss() + 0.1 * (target - inst.minLoss());
    return new RunSpec(
            SimulatedTrainer.Config.parse(problem.toString(), optimizer, seed),
            p,
            steps,
            target,
            0,
            "")
        .withStrictTarget(strict);
  }

  /** Runs the search and the held-out scoring. */
  public Outcome run(Runner runner) {
    List<Problem> train = new ArrayList<>();
    for (long s : trainSeeds) {
      train.add(problem.create(s));
    }
    Tuner.Result r =
        Tuner.search(
            space,
            trials,
            method,
            (problem + "|" + base).hashCode(),
            points -> {
              List<RunSpec> specs = new ArrayList<>();
              for (Map<String, Double> pt : points) {
                for (int i = 0; i < trainSeeds.size(); i++) {
                  specs.add(spec(train.get(i), with(base, space, pt), trainSeeds.get(i)));
                }
              }
              List<RunResult> rs = runner.runAll(specs, "tune");
              int n = trainSeeds.size();
              double[] sc = new double[points.size()];
              for (int i = 0; i < points.size(); i++) {
                sc[i] = BakeoffTuning.tuningScore(rs.subList(i * n, (i + 1) * n));
              }
              return sc;
            });
    PolicySpec best = with(base, space, r.best().params());
    List<RunSpec> held = new ArrayList<>();
    for (long s : heldoutSeeds) {
      held.add(spec(problem.create(s), best, s));
    }
    List<RunResult> hr = runner.runAll(held, "score");

    ObjectNode s = Json.object();
    s.put("command", "tune");
    s.put("problem", problem.toString());
    s.put("optimizer", optimizer);
    s.put("policy", base.toString());
    s.put("space", space.toString());
    s.put("trials", trials);
    s.put("method", method.name().toLowerCase(Locale.ROOT));
    s.put("steps", steps);
    s.set("train_seeds", Json.MAPPER.valueToTree(trainSeeds));
    s.set("heldout_seeds", Json.MAPPER.valueToTree(heldoutSeeds));
    s.put("target_rule", BakeoffLineup.targetRule());
    s.put(
        "score",
        "log(median over training seeds of steps-to-target; a miss counts as steps x (1 +"
            + " ln(final/target)), a divergence as steps x (1 + ln 1e6))");
    ArrayNode tr = s.putArray("trials_run");
    List<String> table = new ArrayList<>();
    table.add(String.format(Locale.ROOT, "%5s  %-60s %10s", "trial", "params", "score"));
    double[] idx = new double[r.trials().size()];
    double[] sc = new double[r.trials().size()];
    double[] bestSoFar = new double[r.trials().size()];
    double b = Double.POSITIVE_INFINITY;
    for (Tuner.Trial t : r.trials()) {
      ObjectNode o = tr.addObject();
      o.set("params", Json.MAPPER.valueToTree(new TreeMap<>(t.params())));
      Json.put(o, "score", t.score());
      Json.put(o, "median_steps", Math.exp(t.score()));
      table.add(
          String.format(
              Locale.ROOT,
              "%5d  %-60s %10.4f%s",
              t.index(),
              fmt(t.params()),
              t.score(),
              t == r.best() ? "  <- best" : ""));
      idx[t.index()] = t.index();
      sc[t.index()] = t.score();
      if (t.score() < b) {
        b = t.score();
      }
      bestSoFar[t.index()] = b;
    }
    ObjectNode bo = s.putObject("best");
    bo.set("params", Json.MAPPER.valueToTree(new TreeMap<>(r.best().params())));
    bo.put("spec", best.toString());
    Json.put(bo, "training_score", r.best().score());
    ObjectNode ho = bo.putObject("heldout");
    PolicyStats.write(ho, hr);
    double[] st = BakeoffStats.steps(hr, false);
    ho.set("ci95_bootstrap", Json.array(BakeoffStats.bootstrapMedianCi(st, 1)));
    Json.put(ho, "median_steps_to_strict_target", Stats.median(BakeoffStats.steps(hr, true)));
    table.add("best: " + best);
    table.add(
        String.format(
            Locale.ROOT,
            "held-out seeds %s: reached %d/%d, median steps-to-target %s, final loss median %.4g",
            heldoutSeeds,
            hr.stream().filter(RunResult::reachedTarget).count(),
            hr.size(),
            Double.isFinite(Stats.median(st))
                ? String.format(Locale.ROOT, "%.0f", Stats.median(st))
                : "not reached",
            Stats.median(PolicyStats.finalLoss(hr))));
    HtmlPage rep = new HtmlPage("Tuning " + base.name() + " on " + problem);
    rep.text(
        trials
            + " trials of "
            + method.name().toLowerCase(Locale.ROOT)
            + " search over "
            + space
            + " on training seeds "
            + trainSeeds
            + "; best scored on held-out seeds "
            + heldoutSeeds
            + ".");
    Chart c = Chart.of("Score per trial", "trial", "score (log steps)");
    c.add(Series.points("trial", idx, sc));
    c.add(Series.line("best so far", idx, bestSoFar));
    rep.chart(c);
    rep.text("Best: " + best + " — held-out: " + ho);
    return new Outcome(s, rep, table, List.of());
  }

  private static String fmt(Map<String, Double> p) {
    StringBuilder b = new StringBuilder();
    for (Map.Entry<String, Double> e : new TreeMap<>(p).entrySet()) {
      if (b.length() > 0) {
        b.append(", ");
      }
      b.append(e.getKey()).append('=').append(String.format(Locale.ROOT, "%.4g", e.getValue()));
    }
    return b.toString();
  }
}
