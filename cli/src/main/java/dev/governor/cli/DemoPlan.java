package dev.governor.cli;

import dev.governor.control.Policies;
import dev.governor.control.PolicySpec;
import dev.governor.trainers.Dl4jOptimizer;
import dev.governor.trainers.TrainingTask;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/**
 * What {@code governor demo} runs: its contenders, the LR grid they start from ({@link #lrGrid}),
 * each run's policy spec with the step budget filled in, and the safety gear.
 */
final class DemoPlan {
  private DemoPlan() {}

  /** The global-norm clip of the baselines' safety gear (as in the bake-off). */
  static final double STANDARD_CLIP = 1.0;

  /** One planned run: contender, spec, index into the LR grid (1 = default), LR, folder name. */
  record DemoRun(
      DemoContender contender,
      TrainingTask task,
      PolicySpec spec,
      int lrIndex,
      double lr,
      String dir) {}

  /**
   * A demo contender: a policy spec run at the three initial LRs, or one that chooses its own LR
   * (the range test + cosine, the LR-free optimizers) and runs once.
   *
   * @param label short name in the table
   * @param spec the policy spec before the LR and budget are filled in
   * @param optimizer the DL4J optimizer (null: the one of {@code --optimizer})
   * @param lrNeeding whether it runs at each initial LR
   */
  record DemoContender(String label, PolicySpec spec, String optimizer, boolean lrNeeding) {
    static DemoContender of(String p) {
      return switch (p.trim()) {
        case "lrfind+cos" -> new DemoContender(p, PolicySpec.of("lrfind"), null, false);
        case "sf-adamw" ->
            new DemoContender(p, PolicySpec.parse("constant(lr=0.0025)"), "sf-adamw", false);
        case "prodigy" ->
            new DemoContender(p, PolicySpec.parse("constant(lr=1)"), "prodigy", false);
        case "dog" -> new DemoContender(p, PolicySpec.parse("constant(lr=1)"), "dog", false);
        case "pi+sf" ->
            new DemoContender(
                p, PolicySpec.parse("pi(optimizer=adaptive, base=constant)"), "sf-adamw", true);
        default -> {
          PolicySpec s = PolicySpec.parse(p);
          yield new DemoContender(s.name(), s, null, !s.name().equals("lrfind"));
        }
      };
    }
  }

  /**
   * The demo's LR grid: 10× below {@code lr}, {@code lr} itself and 10× above; {@code lr} is {@code
   * --lr}, by default the optimizer's own ({@link Dl4jOptimizer#defaultLr()}: Adam 1e-3).
   */
  static double[] lrGrid(double lr) {
    return new double[] {lr / 10, lr, lr * 10};
  }

  /**
   * The runs of the demo: each contender of {@code policies} at each LR of {@code lrs} when it
   * needs one (else once, with the middle group), its spec with the budget of {@code total} steps
   * and the options of {@code cfg}, and with {@code gearOn} the safety gear; a contender whose
   * optimizer is not in the build is skipped and said so on {@code stderr} and in {@code notes}.
   *
   * @throws IllegalArgumentException naming the policy or option when a spec is not valid
   */
  static List<DemoRun> runs(
      List<String> policies,
      TrainingTask task,
      double[] lrs,
      long total,
      boolean gearOn,
      Settings cfg,
      PrintWriter stderr,
      List<String> notes) {
    List<DemoRun> plan = new ArrayList<>();
    for (String p : policies) {
      DemoContender c = DemoContender.of(p);
      String why = c.optimizer() == null ? null : BakeoffWorkload.unavailable(c.optimizer());
      if (why != null) {
        String line = "demo: skipping " + c.label() + ": " + why;
        stderr.println(line);
        notes.add(line);
        continue;
      }
      TrainingTask t =
          c.optimizer() == null ? task : task.withOptimizer(Dl4jOptimizer.parse(c.optimizer()));
      for (int i = 0; i < lrs.length; i++) {
        if (!c.lrNeeding() && i != 1) {
          continue;
        }
        PolicySpec bare = specFor(cfg.policy(c.spec()), lrs[i], total);
        Policies.create(bare); // an unknown policy or option is an error, as before
        PolicySpec s = bare;
        if (gearOn && !bare.name().equals("pi")) {
          // the start restart is off, as in pi's Adam form
          PolicySpec geared = bare.with("gear", "standard").with("restart", 0);
          if (!bare.has("clip")) {
            geared = geared.with("clip", STANDARD_CLIP);
          }
          try {
            Policies.create(geared);
            s = geared;
          } catch (IllegalArgumentException e) {
            String line =
                "demo: "
                    + c.label()
                    + " runs without the safety gear: the gear keys are not in this build ("
                    + e.getMessage()
                    + ")";
            if (!notes.contains(line)) {
              stderr.println(line);
              notes.add(line);
            }
          }
        }
        String dirName = c.label().replace('+', '-') + (c.lrNeeding() ? "-lr" + i : "");
        plan.add(new DemoRun(c, t, s, i, c.lrNeeding() ? lrs[i] : Double.NaN, dirName));
      }
    }
    return plan;
  }

  /**
   * The spec of {@code p} at initial LR {@code lr} and a budget of {@code total} steps ({@link
   * Dl4jSetup#specFor}).
   */
  static PolicySpec specFor(PolicySpec p, double lr, long total) {
    return Dl4jSetup.specFor(p, lr, total);
  }
}
