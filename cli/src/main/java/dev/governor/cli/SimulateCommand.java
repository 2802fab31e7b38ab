package dev.governor.cli;

import dev.governor.control.Policies;
import dev.governor.control.PolicySpec;
import dev.governor.sim.OptimizerSpec;
import dev.governor.sim.Outcome;
import dev.governor.sim.ProblemConfig;
import dev.governor.sim.Runner;
import dev.governor.sim.SingleRun;
import dev.governor.sim.Suites;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code governor simulate}: a single simulated run over several seeds ({@code --problem}), writing
 * {@code summary.json} and {@code report.html} into {@code --out}.
 */
@Command(
    name = "simulate",
    mixinStandardHelpOptions = true,
    description = {
      "Simulate a policy on a synthetic problem (noisy quadratic, Rosenbrock, logistic regression)"
          + " over several seeds; writes OUT/summary.json and OUT/report.html.",
      "Example: governor simulate --problem nqm --dim 100 --lambda-max 1 --policy pi"
          + " --steps 2000 --seeds 5 --out runs/sim1"
    })
public final class SimulateCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Mixin SimulatedProblemOptions problem = new SimulatedProblemOptions();

  @Mixin PolicyOptions policyOptions = new PolicyOptions();

  @Option(names = "--steps", description = "Steps per run (default 1000).")
  long steps = 1000;

  @Option(names = "--seeds", description = "Number of seeds (default 5; a suite's own default).")
  Integer seeds;

  @Option(names = "--seed", description = "First seed (default 1).")
  long seed = 1;

  @Mixin RunnerOptions running = new RunnerOptions();

  @Mixin ResultsFolderOptions results = new ResultsFolderOptions();

  @Option(
      names = "--suite",
      description =
          "Run a named suite instead of one configuration: validation | robustness | disturbance"
              + " | stability-map | stability-map-bare | gains | bakeoff.")
  String suite;

  @Option(names = "--quick", description = "With --suite: the reduced, fast variant.")
  boolean quick;

  @Option(
      names = "--problem-spec",
      description =
          "With --suite bakeoff: an extra held-out problem (repeatable), in the form of a policy"
              + " spec with the problem flags as keys, e.g. 'nqm(dim=60, lambda-max=3,"
              + " noise=isotropic, batch=2)' or 'logreg(dim=30, batch=8)'.")
  List<String> problemSpecs = new ArrayList<>();

  @Option(
      names = "--pi-options",
      paramLabel = "K=V,...",
      description =
          "With --suite robustness or bakeoff: extra options for every pi run, in spec form, e.g."
              + " 'stat-window=48, stat-grow=1.3' (to score a variant of pi under the suite's own"
              + " protocol; summary.json records them under pi_options).")
  String piOptions;

  @Override
  public Integer call() throws IOException {
    Settings.bind(spec, "simulate");
    PrintWriter stdout = spec.commandLine().getOut();
    Map<String, String> piExtra = piExtra(suite == null ? null : suite.trim());
    Path out = results.fresh();
    Runner runner = running.runner();
    if (seeds != null) {
      UserException.requireAtLeast("--seeds", seeds, 1);
    }
    UserException.requireAtLeast("--steps", steps, 1);
    Outcome o;
    if (suite != null) {
      rejectWithSuite();
      o = Suites.run(suite.trim(), quick, seeds == null ? 0 : seeds, problemSpecs, piExtra, runner);
    } else {
      if (quick) {
        throw new UserException("--quick applies to --suite only");
      }
      if (!problemSpecs.isEmpty()) {
        throw new UserException("--problem-spec applies to --suite bakeoff only");
      }
      o = single(runner);
    }
    o.write(out);
    o.table().forEach(stdout::println);
    stdout.println("wrote " + out.resolve("summary.json") + " and " + out.resolve("report.html"));
    stdout.flush();
    if (!o.failures().isEmpty()) {
      spec.commandLine()
          .getErr()
          .println("simulate: " + o.failures().size() + " check(s) failed: " + o.failures().get(0));
      return Main.EXIT_CHECK_FAILED;
    }
    return 0;
  }

  /**
   * The parsed {@code --pi-options} (empty when not given) for suite {@code suiteName} (null: a
   * single run, which takes none), checked by building {@code pi} with them in its SGD form, and in
   * its Adam form for the bakeoff, whose {@code pi-adaptive} entry takes them too.
   */
  private Map<String, String> piExtra(String suiteName) {
    if (piOptions == null) {
      return Map.of();
    }
    if (suiteName == null || !Suites.withPiOptions().contains(suiteName)) {
      throw new UserException(
          "--pi-options applies to --suite "
              + String.join(" or ", Suites.withPiOptions())
              + " only"
              + (suiteName == null ? "" : ", but the suite was '" + suiteName + "'"));
    }
    try {
      Map<String, String> extra = PolicySpec.parse("pi(" + piOptions + ")").options();
      Policies.create(PolicySpec.parse("pi(lr=0.1)").withAll(extra));
      if (suiteName.equals("bakeoff")) {
        Policies.create(
            PolicySpec.parse("pi(optimizer=adaptive, lr=0.001, t-max=100)").withAll(extra));
      }
      return extra;
    } catch (IllegalArgumentException e) {
      throw new UserException("--pi-options '" + piOptions + "': " + e.getMessage(), e);
    }
  }

  private void rejectWithSuite() {
    Object[][] given = {
      {"--problem", problem.problem},
      {"--dim", problem.flags.dim},
      {"--lambda-max", problem.flags.lambdaMax},
      {"--spectrum-exponent", problem.flags.exponent},
      {"--noise", problem.flags.noise},
      {"--noise-scale", problem.flags.noiseScale},
      {"--batch", problem.flags.batch},
      {"--examples", problem.flags.examples},
      {"--lr", policyOptions.lr},
      {"--clip", policyOptions.clip},
      {"--wd", policyOptions.wd}
    };
    for (Object[] g : given) {
      if (g[1] != null) {
        throw new UserException(g[0] + " does not apply to --suite (was " + g[1] + ")");
      }
    }
    if (!policyOptions.options.isEmpty()) {
      throw new UserException("--policy-option does not apply to --suite");
    }
  }

  private Outcome single(Runner runner) {
    return SingleRun.run(
        problemConfig(),
        OptimizerSpec.parse(problem.optimizer),
        policySpec(),
        steps,
        seeds == null ? 5 : seeds,
        seed,
        runner);
  }

  PolicySpec policySpec() {
    return policyOptions.spec(spec);
  }

  ProblemConfig problemConfig() {
    return problem.config();
  }
}
