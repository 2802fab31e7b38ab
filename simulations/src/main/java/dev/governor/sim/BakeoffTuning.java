package dev.governor.sim;

import static dev.governor.sim.BakeoffSuite.runSpec;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.governor.report.Json;
import dev.governor.sim.BakeoffLineup.Contender;
import dev.governor.sim.BakeoffLineup.Ctx;
import dev.governor.sim.BakeoffLineup.Prob;
import dev.governor.sim.BakeoffSuite.Protocol;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The bake-off's tuning of the tuned contenders ({@link BakeoffSuite}): {@link Tuner} search on the
 * training seeds of every problem, per gear setting, scored by the log of the median censored
 * steps-to-target.
 */
final class BakeoffTuning {
  private BakeoffTuning() {}

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

  static Map<String, Map<String, Double>> tune(
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
}
