package dev.governor.sim;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.governor.report.Json;
import java.util.List;

/**
 * The per-policy statistics every suite reports: runs, diverged, reached_target,
 * median_steps_to_target (runs that never reached the target count as +Inf, so the median is finite
 * only when more than half reached it) with a 95 % order-statistic confidence interval,
 * final_loss_median and final_loss_p90 (diverged runs count as +Inf).
 */
final class PolicyStats {
  private PolicyStats() {}

  /** Steps-to-target with "not reached" as +Inf. */
  static double[] steps(List<RunResult> rs) {
    double[] v = new double[rs.size()];
    for (int i = 0; i < v.length; i++) {
      RunResult r = rs.get(i);
      v[i] = r.reachedTarget() ? r.stepsToTarget() : Double.POSITIVE_INFINITY;
    }
    return v;
  }

  /** Steps-to-target for rank tests: "not reached" as steps + 1 (censored, ranks last). */
  static double[] censoredSteps(List<RunResult> rs) {
    double[] v = new double[rs.size()];
    for (int i = 0; i < v.length; i++) {
      RunResult r = rs.get(i);
      v[i] = r.reachedTarget() ? r.stepsToTarget() : r.spec().steps() + 1;
    }
    return v;
  }

  static double[] finalLoss(List<RunResult> rs) {
    double[] v = new double[rs.size()];
    for (int i = 0; i < v.length; i++) {
      RunResult r = rs.get(i);
      v[i] =
          r.diverged() || !Double.isFinite(r.finalLoss())
              ? Double.POSITIVE_INFINITY
              : r.finalLoss();
    }
    return v;
  }

  /** Writes the standard fields into {@code o} and returns it. */
  static ObjectNode write(ObjectNode o, List<RunResult> rs) {
    int diverged = 0;
    int reached = 0;
    for (RunResult r : rs) {
      diverged += r.diverged() ? 1 : 0;
      reached += r.reachedTarget() ? 1 : 0;
    }
    o.put("runs", rs.size());
    o.put("diverged", diverged);
    o.put("reached_target", reached);
    double[] st = steps(rs);
    Json.put(o, "median_steps_to_target", Stats.median(st));
    double[] ci = Stats.medianCi(st, 0.95);
    o.set("median_steps_to_target_ci95", Json.array(ci));
    double[] fl = finalLoss(rs);
    Json.put(o, "final_loss_median", Stats.median(fl));
    Json.put(o, "final_loss_p90", Stats.quantile(fl, 0.9));
    return o;
  }
}
