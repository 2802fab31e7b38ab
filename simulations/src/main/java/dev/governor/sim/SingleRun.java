package dev.governor.sim;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.governor.control.PolicySpec;
import dev.governor.report.Chart;
import dev.governor.report.HtmlPage;
import dev.governor.report.Json;
import dev.governor.report.Num;
import dev.governor.report.Series;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code governor simulate --problem ...}: one problem, one policy, several seeds.
 *
 * <p>Summary: {@code runs[]} with {@code seed}, {@code final_loss}, {@code tail_mean_loss} (mean
 * exact loss over the last half of the steps), {@code diverged}; top-level {@code tail_mean_loss} =
 * mean over the runs that did not diverge ("NaN" when all did) and {@code diverged} = count.
 */
public final class SingleRun {
  private SingleRun() {}

  /**
   * Runs seeds {@code firstSeed .. firstSeed + seeds − 1}.
   *
   * @throws IllegalArgumentException when the policy spec is not valid
   */
  public static Outcome run(
      ProblemConfig problem,
      OptimizerSpec optimizer,
      PolicySpec policy,
      long steps,
      int seeds,
      long firstSeed,
      Runner runner) {
    if (seeds < 1) {
      throw new IllegalArgumentException("seeds must be >= 1, but was " + seeds);
    }
    if (steps < 1) {
      throw new IllegalArgumentException("steps must be >= 1, but was " + steps);
    }
    dev.governor.control.Policies.create(policy); // validate before starting anything
    int traceEvery = (int) Math.max(1, steps / 400);
    List<RunSpec> specs = new ArrayList<>();
    for (int i = 0; i < seeds; i++) {
      specs.add(
          RunSpec.of(SimulatedTrainer.Config.of(problem, optimizer, firstSeed + i), policy, steps)
              .withTrace(traceEvery));
    }
    List<RunResult> results = runner.runAll(specs, "simulate");
    ObjectNode s = Json.object();
    s.put("command", "simulate");
    s.put("problem", problem.toString());
    s.put("optimizer", optimizer.toString());
    s.put("policy", policy.toString());
    s.put("steps", steps);
    s.put("seeds", seeds);
    ArrayNode runs = s.putArray("runs");
    int diverged = 0;
    double sum = 0;
    int n = 0;
    List<String> table = new ArrayList<>();
    table.add(
        String.format(
            Locale.ROOT, "%-8s %14s %14s %9s", "seed", "final_loss", "tail_mean", "diverged"));
    for (RunResult r : results) {
      ObjectNode o = runs.addObject();
      o.put("seed", r.seed());
      Json.put(o, "final_loss", r.finalLoss());
      Json.put(o, "tail_mean_loss", r.tailMeanLoss());
      o.put("diverged", r.diverged());
      if (r.diverged()) {
        o.put("diverged_at", r.divergedAt());
      }
      Json.put(o, "initial_loss", r.initialLoss());
      Json.put(o, "min_loss", r.minLoss());
      o.put("skips", r.skips());
      o.put("rollbacks", r.rollbacks());
      Json.put(o, "clip_rate", r.clipRate());
      if (r.diverged()) {
        diverged++;
      } else {
        sum += r.tailMeanLoss();
        n++;
      }
      table.add(
          String.format(
              Locale.ROOT,
              "%-8d %14.6g %14.6g %9s",
              r.seed(),
              r.finalLoss(),
              r.tailMeanLoss(),
              r.diverged() ? "yes@" + r.divergedAt() : "no"));
    }
    Json.put(s, "tail_mean_loss", n > 0 ? sum / n : Double.NaN);
    s.put("diverged", diverged);
    Json.put(s, "lambda_max", results.get(0).lambdaMax());
    Json.put(s, "min_loss", results.get(0).minLoss());
    table.add(
        String.format(
            Locale.ROOT,
            "mean tail loss over %d non-diverged runs: %.6g; diverged: %d of %d",
            n,
            n > 0 ? sum / n : Double.NaN,
            diverged,
            seeds));

    HtmlPage rep = new HtmlPage("governor simulate: " + policy + " on " + problem);
    rep.text("Optimizer " + optimizer + ", " + steps + " steps, " + seeds + " seeds.");
    rep.table(tableRows(results));
    var loss = Chart.of("Exact loss", "step", "loss").logY();
    var lr = Chart.of("Learning rate", "step", "lr").logY();
    var clip = Chart.of("Clip threshold", "step", "clip").logY();
    var wd = Chart.of("Weight decay", "step", "wd");
    for (RunResult r : results) {
      Trace t = r.trace();
      double[] x = toDouble(t.step());
      String name = "seed " + r.seed();
      loss.add(Series.line(name, x, t.exactLoss()));
      lr.add(Series.line(name, x, t.lr()));
      clip.add(Series.line(name, x, t.clip()));
      wd.add(Series.line(name, x, t.wd()));
    }
    rep.chart(loss).chart(lr).chart(clip).chart(wd);
    return new Outcome(s, rep, table, List.of());
  }

  static double[] toDouble(long[] a) {
    double[] d = new double[a.length];
    for (int i = 0; i < a.length; i++) {
      d[i] = a[i];
    }
    return d;
  }

  private static List<List<String>> tableRows(List<RunResult> results) {
    List<List<String>> rows = new ArrayList<>();
    rows.add(List.of("seed", "final loss", "tail mean loss", "diverged", "skips", "rollbacks"));
    for (RunResult r : results) {
      rows.add(
          List.of(
              Long.toString(r.seed()),
              Num.sig(r.finalLoss(), 4),
              Num.sig(r.tailMeanLoss(), 4),
              r.diverged() ? "at step " + r.divergedAt() : "no",
              Long.toString(r.skips()),
              Long.toString(r.rollbacks())));
    }
    return rows;
  }
}
