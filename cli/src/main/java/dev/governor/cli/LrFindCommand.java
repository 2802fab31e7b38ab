package dev.governor.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.governor.control.GuardAction;
import dev.governor.control.Hyperparameters;
import dev.governor.control.LrRangeTest;
import dev.governor.control.Observation;
import dev.governor.report.Chart;
import dev.governor.report.HtmlPage;
import dev.governor.report.Json;
import dev.governor.report.Num;
import dev.governor.report.Series;
import dev.governor.sim.OptimizerKind;
import dev.governor.sim.OptimizerSpec;
import dev.governor.sim.ProblemConfig;
import dev.governor.sim.SimulatedTrainer;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code governor lr-find}: the LR range test ({@link LrRangeTest}, fastai's {@code lr_find}) on a
 * simulated plant: a geometric LR sweep, the smoothed loss curve, the suggested LRs and an estimate
 * of λ<sub>max</sub> from where the loss blew up, beside the problem's true λ<sub>max</sub>. Writes
 * {@code summary.json} and {@code report.html} (loss vs LR, log x) into {@code --out}.
 */
@Command(
    name = "lr-find",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "LR range test on a simulated problem: the LR grows geometrically from --start-lr to"
          + " --end-lr over --sweep-steps steps (stopping when the smoothed loss exceeds"
          + " --div-factor x its minimum); prints the curve, the suggested LRs (valley, steepest,"
          + " minimum/10) and lambda_max ~ 2/eta* from the blow-up, with the problem's true"
          + " lambda_max. Writes OUT/summary.json and OUT/report.html.",
      "The lrfind policy runs the same sweep inside a training run: --policy 'lrfind(t-max=2000)'.",
      "Example: governor lr-find --problem nqm --lambda-max 1 --out runs/lrfind",
      ""
    },
    footer = {"", "Exit codes: 0 ok, 2 bad flag (one line names the flag and its value)."})
public final class LrFindCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Mixin SimulatedProblemOptions problem = new SimulatedProblemOptions();

  @Option(names = "--start-lr", description = "First LR of the sweep, > 0 (default 1e-7).")
  double startLr = 1e-7;

  @Option(names = "--end-lr", description = "Last LR of the sweep, > --start-lr (default 10).")
  double endLr = 10;

  @Option(names = "--sweep-steps", description = "Steps of the sweep, >= 6 (default 100).")
  int sweepSteps = 100;

  @Option(
      names = "--beta",
      description = "EMA weight of the loss smoothing, in [0, 1) (default 0.98).")
  double beta = 0.98;

  @Option(
      names = "--div-factor",
      description = "Stop when the smoothed loss exceeds this x its minimum, > 1 (default 4).")
  double divFactor = 4;

  @Option(
      names = "--suggest",
      description = "Suggestion marked first: valley | steepest | minimum (default valley).")
  String suggest = "valley";

  @Option(names = "--seed", description = "Run seed (default 1).")
  long seed = 1;

  @Mixin ResultsFolderOptions results = new ResultsFolderOptions();

  /** The rows of the terminal table besides the last few (the blow-up). */
  static final int ROWS = 16;

  @Override
  public Integer call() throws IOException {
    Settings.bind(spec, "lr-find");
    validate();
    Path out = results.fresh();

    LrRangeTest.Suggestion first = LrRangeTest.Suggestion.ofKey(suggest.trim());
    ProblemConfig pc = problem.config();
    OptimizerSpec opt;
    try {
      opt = OptimizerSpec.parse(problem.optimizer);
    } catch (IllegalArgumentException e) {
      String m = e.getMessage();
      throw new UserException(m.startsWith("optimizer") ? "--" + m : "--optimizer: " + m, e);
    }
    SimulatedTrainer plant = SimulatedTrainer.of(SimulatedTrainer.Config.of(pc, opt, seed));
    LrRangeTest test = new LrRangeTest(sweepSteps, beta, divFactor);
    for (int i = 0; i < sweepSteps; i++) {
      double lr = LrRangeTest.sweepLr(startLr, endLr, sweepSteps, i);
      Observation o = plant.step(i, lr, Hyperparameters.NO_CLIP, 0, GuardAction.NONE);
      if (test.add(lr, o.loss())) {
        break;
      }
    }
    double trueLambda = plant.problem().lambdaMax();
    Result r = new Result(test, opt, trueLambda, first);
    PrintWriter stdout = spec.commandLine().getOut();
    table(test).forEach(stdout::println);
    r.lines(startLr, endLr, sweepSteps).forEach(stdout::println);
    Json.write(out.resolve("summary.json"), summary(pc, opt, test, r));
    report(pc, opt, test, r).write(out.resolve("report.html"));
    stdout.println("wrote " + out.resolve("summary.json") + " and " + out.resolve("report.html"));
    stdout.flush();
    return 0;
  }

  private void validate() {
    if (!(startLr > 0) || !Double.isFinite(startLr)) {
      throw new UserException("--start-lr must be finite and > 0, but was " + startLr);
    }
    if (!(endLr > startLr) || !Double.isFinite(endLr)) {
      throw new UserException(
          "--end-lr must be finite and > --start-lr=" + startLr + ", but was " + endLr);
    }
    if (sweepSteps < 6 || sweepSteps > 1_000_000) {
      throw new UserException("--sweep-steps must be in [6, 1000000], but was " + sweepSteps);
    }
    if (!(beta >= 0 && beta < 1)) {
      throw new UserException("--beta must be in [0, 1), but was " + beta);
    }
    if (!(divFactor > 1) || !Double.isFinite(divFactor)) {
      throw new UserException("--div-factor must be finite and > 1, but was " + divFactor);
    }
    try {
      LrRangeTest.Suggestion.ofKey(suggest.trim());
    } catch (IllegalArgumentException e) {
      throw new UserException(
          "--suggest must be valley, steepest or minimum, but was '" + suggest + "'");
    }
  }

  /** What the sweep found. */
  record Result(
      double valley,
      double steepest,
      double minimum,
      LrRangeTest.Suggestion first,
      boolean diverged,
      int stop,
      double divergenceLr,
      double edgeLr,
      double lambdaHat,
      double lambdaHatFromStop,
      double trueLambda,
      double stabilityFactor,
      String optimizer) {

    Result(LrRangeTest t, OptimizerSpec opt, double trueLambda, LrRangeTest.Suggestion first) {
      this(
          t.suggest(LrRangeTest.Suggestion.VALLEY),
          t.suggest(LrRangeTest.Suggestion.STEEPEST),
          t.suggest(LrRangeTest.Suggestion.MINIMUM),
          first,
          t.diverged(),
          t.stopIndex(),
          t.divergenceLr(),
          t.edgeLr(),
          // the growth-corrected edge assumes plain SGD (L_j/L_{j−1} = (ηλ − 1)²)
          opt.kind() == OptimizerKind.SGD ? t.lambdaMax() : Double.NaN,
          // the stability bound of the optimizer: 2/λ (SGD), 2(1+β)/λ (momentum), none (Adam)
          opt.stabilityBound(1) / t.divergenceLr(),
          trueLambda,
          opt.stabilityBound(1),
          opt.toString());
    }

    double suggestion(LrRangeTest.Suggestion s) {
      return switch (s) {
        case VALLEY -> valley;
        case STEEPEST -> steepest;
        case MINIMUM -> minimum;
      };
    }

    List<String> lines(double start, double end, int steps) {
      List<String> l = new ArrayList<>();
      l.add(
          String.format(
              Locale.ROOT,
              "suggested lr (%s): %s   [valley %s, steepest %s, minimum/10 %s]",
              first.key(),
              Num.sig(suggestion(first), 4),
              Num.sig(valley, 4),
              Num.sig(steepest, 4),
              Num.sig(minimum, 4)));
      if (!diverged) {
        double bound = stabilityFactor / end;
        l.add(
            "the loss did not blow up up to lr "
                + Num.sig(end, 4)
                + ": no stability estimate"
                + (Double.isFinite(bound)
                    ? " (lambda_max < " + Num.sig(bound, 4) + " for " + optimizer + ")"
                    : ""));
      } else {
        l.add(
            String.format(
                Locale.ROOT,
                "blew up at step %d: the update at lr %s; edge of stability eta* = %s (from the"
                    + " blow-up's growth)",
                stop,
                Num.sig(divergenceLr, 4),
                Num.sig(edgeLr, 4)));
        String truth = Double.isFinite(trueLambda) ? Num.sig(trueLambda, 4) : "unknown";
        if (Double.isFinite(lambdaHat)) {
          l.add(
              String.format(
                  Locale.ROOT,
                  "lambda_max ~ 2/eta* = %s   (true lambda_max %s; 2/(stop lr) = %s is low:"
                      + " the sweep overshoots the edge by a few steps of x%s)",
                  Num.sig(lambdaHat, 4),
                  truth,
                  Num.sig(lambdaHatFromStop, 4),
                  Num.sig(Math.pow(end / start, 1.0 / (steps - 1)), 4)));
        } else if (Double.isFinite(lambdaHatFromStop)) {
          l.add(
              String.format(
                  Locale.ROOT,
                  "lambda_max ~ %s (from the stop lr and %s's stability bound; true lambda_max %s)",
                  Num.sig(lambdaHatFromStop, 4),
                  optimizer,
                  truth));
        } else {
          l.add(
              "no lambda_max estimate for "
                  + optimizer
                  + " (its stability edge depends on the preconditioner); true lambda_max "
                  + truth);
        }
      }
      return l;
    }
  }

  /** The curve, {@link #ROWS} rows evenly spaced plus the last four points. */
  static List<String> table(LrRangeTest t) {
    List<String> rows = new ArrayList<>();
    rows.add(String.format(Locale.ROOT, "%6s %12s %14s %14s", "step", "lr", "loss", "smoothed"));
    int n = t.size();
    int every = Math.max(1, (n + ROWS - 1) / ROWS);
    for (int i = 0; i < n; i++) {
      if (i % every == 0 || i >= n - 4) {
        rows.add(
            String.format(
                Locale.ROOT, "%6d %12.4g %14.6g %14.6g", i, t.lr(i), t.loss(i), t.smoothedLoss(i)));
      }
    }
    return rows;
  }

  private ObjectNode summary(ProblemConfig pc, OptimizerSpec opt, LrRangeTest t, Result r) {
    ObjectNode s = Json.object();
    s.put("command", "lr-find");
    s.put("problem", pc.toString());
    s.put("optimizer", opt.toString());
    s.put("seed", seed);
    Json.put(s, "start_lr", startLr);
    Json.put(s, "end_lr", endLr);
    s.put("sweep_steps", sweepSteps);
    Json.put(s, "beta", beta);
    Json.put(s, "div_factor", divFactor);
    s.put("suggest", r.first().key());
    Json.put(s, "suggested_lr", r.suggestion(r.first()));
    ObjectNode sug = s.putObject("suggestions");
    Json.put(sug, "valley", r.valley());
    Json.put(sug, "steepest", r.steepest());
    Json.put(sug, "minimum", r.minimum());
    s.put("diverged", r.diverged());
    if (r.diverged()) {
      s.put("stop_step", r.stop());
    } else {
      s.putNull("stop_step");
    }
    Json.put(s, "divergence_lr", r.divergenceLr());
    Json.put(s, "edge_lr", r.edgeLr());
    Json.put(s, "lambda_max_estimate", r.lambdaHat());
    Json.put(s, "lambda_max_from_stop", r.lambdaHatFromStop());
    Json.put(s, "lambda_max_true", r.trueLambda());
    Json.put(s, "min_smoothed_loss", t.minSmoothedLoss());
    ObjectNode curve = s.putObject("curve");
    double[][] c = curve(t);
    curve.set("lr", Json.array(c[0]));
    curve.set("loss", Json.array(c[1]));
    curve.set("smoothed_loss", Json.array(c[2]));
    return s;
  }

  /** The sweep's learning rates, losses and smoothed losses by step. */
  private static double[][] curve(LrRangeTest t) {
    int n = t.size();
    double[][] c = new double[3][n];
    for (int i = 0; i < n; i++) {
      c[0][i] = t.lr(i);
      c[1][i] = t.loss(i);
      c[2][i] = t.smoothedLoss(i);
    }
    return c;
  }

  private HtmlPage report(ProblemConfig pc, OptimizerSpec opt, LrRangeTest t, Result r) {
    HtmlPage rep = new HtmlPage("governor lr-find: " + pc + ", " + opt);
    rep.text(
        "Sweep of "
            + sweepSteps
            + " steps from "
            + Num.sig(startLr, 4)
            + " to "
            + Num.sig(endLr, 4)
            + ", loss smoothed with beta "
            + Num.sig(beta, 4)
            + ", stop at "
            + Num.sig(divFactor, 4)
            + " x the minimum smoothed loss; seed "
            + seed
            + ".");
    List<List<String>> rows = new ArrayList<>();
    rows.add(List.of("quantity", "value"));
    rows.add(List.of("valley", Num.sig(r.valley(), 4)));
    rows.add(List.of("steepest", Num.sig(r.steepest(), 4)));
    rows.add(List.of("minimum / 10", Num.sig(r.minimum(), 4)));
    rows.add(List.of("stopped at step", r.diverged() ? Integer.toString(r.stop()) : "no blow-up"));
    rows.add(List.of("lr that blew up", Num.sig(r.divergenceLr(), 4)));
    rows.add(List.of("edge of stability eta*", Num.sig(r.edgeLr(), 4)));
    rows.add(List.of("lambda_max estimate (2/eta*)", Num.sig(r.lambdaHat(), 4)));
    rows.add(List.of("lambda_max from the stop lr", Num.sig(r.lambdaHatFromStop(), 4)));
    rows.add(List.of("true lambda_max", Num.sig(r.trueLambda(), 4)));
    rep.table(rows);
    double[][] curve = curve(t);
    double[] lr = curve[0];
    double[] loss = curve[1];
    double[] sm = curve[2];
    Chart c = Chart.of("Loss vs learning rate", "lr", "loss").logX().logY();
    c.add(Series.line("mini-batch loss", lr, loss));
    c.add(Series.line("smoothed loss", lr, sm));
    for (LrRangeTest.Suggestion s : LrRangeTest.Suggestion.values()) {
      double v = r.suggestion(s);
      if (Double.isFinite(v) && v > 0) {
        c.add(
            Series.points(
                    (s == LrRangeTest.Suggestion.MINIMUM ? "minimum/10" : s.key())
                        + " "
                        + Num.sig(v, 4),
                    new double[] {v},
                    new double[] {at(t, v)})
                .withMarker(Series.Marker.DIAMOND));
      }
    }
    if (r.diverged()) {
      double e = r.edgeLr();
      c.add(Series.points("eta* " + Num.sig(e, 4), new double[] {e}, new double[] {at(t, e)}));
    }
    rep.chart(c);
    return rep;
  }

  /** The smoothed loss at the recorded point nearest {@code lr} in log (for a marker). */
  private static double at(LrRangeTest t, double lr) {
    int best = 0;
    double d = Double.POSITIVE_INFINITY;
    for (int i = 0; i < t.size(); i++) {
      double e = Math.abs(Math.log(t.lr(i) / lr));
      if (e < d && Double.isFinite(t.smoothedLoss(i))) {
        d = e;
        best = i;
      }
    }
    return t.size() == 0 ? Double.NaN : t.smoothedLoss(best);
  }
}
